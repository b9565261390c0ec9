/* tasktrace slow FILE...: the slow steps, longest first. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace slow [--limit N] FILE...\n"
    "\n"
    "The steps that ran longer than the program's slow-step threshold\n"
    "(TASKTRACE_SLOW_MS, 100 ms by default), longest first: when, how long,\n"
    "which task, where.\n"
    "\n"
    "  --limit N   show at most N (default 50; 0: all that were kept, up to 256)\n"
    TT__CLI_MAX_TASKS_HELP;

int tt_cmd_slow(int argc, char **argv) {
  static const struct option opts[] = {
      {"help", no_argument, NULL, 'h'}, {"limit", required_argument, NULL, 'n'},
      TT__CLI_MAX_TASKS_OPT, {0}};
  int c;
  size_t limit = 50;
  while ((c = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(usage, stdout);
      return TT_CLI_OK;
    }
    if (c == 'M') {
      if (tt__cli_max_tasks("slow", optarg) != TT_CLI_OK)
        return TT_CLI_USAGE;
      continue;
    }
    if (c == 'n') {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*optarg == 0 || *end != 0 || v < 0) {
        tt__cli_err("slow", "--limit: '%s' is not a count", optarg);
        return TT_CLI_USAGE;
      }
      limit = (size_t)v;
      continue;
    }
    return tt__cli_bad_option("slow", argv, "hn:");
  }
  if (optind >= argc) {
    tt__cli_err("slow", "no trace given (tasktrace slow --help)");
    return TT_CLI_USAGE;
  }
  tt_model *m;
  int rc = tt__cli_load("slow", argv + optind, argc - optind, NULL, &m);
  if (m != NULL)
    rc = tt__cli_render_done("slow", m, tt_render_slow(m, stdout, limit), rc);
  return rc;
}
