/* tasktrace locks FILE...: lock contention, per lock. */
#include <getopt.h>
#include <stdio.h>

/* cliutil.h (tracer.h) first: cli.h's TT_EXIT_OK macro would clash with
 * tracer.h's enum constant of the same name and value otherwise. */
#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace locks FILE...\n"
    "\n"
    "Every lock of the traces, most waited-for first: acquires, contended\n"
    "acquires, total and longest wait, total and longest hold, the longest\n"
    "queue of waiters, and the holders the waiters waited for.\n";

int tt_cmd_locks(int argc, char **argv) {
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
    tt__cli_err("locks", "no trace given (tasktrace locks --help)");
    return TT_EXIT_USAGE;
  }
  tt_model *m;
  int rc = tt__cli_load("locks", argv + optind, argc - optind, NULL, &m);
  if (m != NULL) {
    if (tt_render_locks(m, stdout) < 0 || fflush(stdout) != 0) {
      tt__cli_err("locks", "cannot write the output");
      rc = TT_EXIT_FAIL;
    }
    tt_model_free(m);
  }
  return rc;
}
