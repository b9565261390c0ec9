/* tasktrace slow FILE...: the slow steps, longest first. */
#include <stdio.h>

#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace slow [--limit N] FILE...\n"
    "\n"
    "The steps that ran longer than the program's slow-step threshold\n"
    "(TASKTRACE_SLOW_MS, 100 ms by default), longest first: when, how long,\n"
    "which task, where.\n";

int tt_cmd_slow(int argc, char **argv) {
  long limit = 50;
  const tt__opt opts[] = {
      {.name = "limit", .letter = 'n', .kind = TT__OPT_COUNT, .p = &limit, .arg = "N",
       .help = "show at most N (default 50; 0: all that were kept, up to\n"
               "256)"},
      TT__CLI_OPT_MAX_TASKS,
      {0}};
  const tt__cli_spec spec = {.cmd = "slow", .usage = usage, .opts = opts};
  int first, rc = tt__cli_parse(&spec, argc, argv, &first);
  if (rc != TT__CLI_PARSED)
    return rc;
  if ((rc = tt__cli_need_traces("slow", argc, first)) != 0)
    return rc;
  tt_model *m;
  rc = tt__cli_load("slow", argv + first, argc - first, NULL, &m);
  if (m != NULL)
    rc = tt__cli_render_done("slow", m, tt_render_slow(m, stdout, (size_t)limit), rc);
  return rc;
}
