/* tasktrace summary FILE...: per process and per task, locks, slow steps. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* cliutil.h (tracer.h) first: cli.h's TT_EXIT_OK macro would clash with
 * tracer.h's enum constant of the same name and value otherwise. */
#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace summary FILE...\n"
    "\n"
    "Summarise traces (.ttrace files or LTTng trace directories, merged in\n"
    "time order): per process, loop utilisation, scheduling latency\n"
    "(p50/p99/max) and lost events; per task, busy, runnable and blocked\n"
    "time, switches, longest step, result and spawn site (busiest first);\n"
    "the most contended locks; the slowest steps.\n";

int tt_cmd_summary(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(usage, stdout);
      return TT_EXIT_OK;
    }
    fputs(usage, stderr);
    return TT_EXIT_USAGE;
  }
  if (optind >= argc) {
    tt__cli_err("summary", "no trace given (tasktrace summary --help)");
    return TT_EXIT_USAGE;
  }
  tt_model *m;
  int rc = tt__cli_load("summary", argv + optind, argc - optind, NULL, &m);
  if (m != NULL) {
    if (tt_render_summary(m, stdout) < 0 || fflush(stdout) != 0) {
      tt__cli_err("summary", "cannot write the output");
      rc = TT_EXIT_FAIL;
    }
    tt_model_free(m);
  }
  return rc;
}
