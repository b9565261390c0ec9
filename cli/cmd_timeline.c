/* tasktrace timeline FILE...: swimlanes in the terminal. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliutil.h"
#include "cli.h"

static const char usage_head[] =
    "usage: tasktrace timeline [--task NAME|ID] [--from T] [--to T] [--width N]\n"
    "                          [--color WHEN] FILE...\n"
    "\n"
    "Draw one row per task (and per loop) and one character per time slice:\n"
    "the state that took most of the slice. '#' running, '-' runnable, '?'\n"
    "events were lost there, '_' the loop idles, a letter for blocked:\n";
static const char usage_tail[] =
    "\n"
    "  --task NAME|ID  only this task (a name or a task id)\n"
    "  --from T        start of the window, from the start of the trace:\n"
    "                  1200 (ns), 3.5us, 12ms, 2s (default: the first event\n"
    "                  that is not just naming an object)\n"
    "  --to T          end of the window (default: the end of the trace)\n"
    "  --width N       columns for the time axis (default: terminal width, or 100)\n"
    "  --color WHEN    auto (when stdout is a terminal), always, never\n"
    TT__CLI_MAX_TASKS_HELP;

/* The letters come from the schema's list of wait reasons (TT_STATES). */
static void usage(void) {
  fputs(usage_head, stdout);
  fputs("  ", stdout);
  tt_timeline_legend(stdout, ", ", 74, 2);
  fputs(".\n", stdout);
  fputs(usage_tail, stdout);
}

int tt_cmd_timeline(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {"task", required_argument, NULL, 't'},
                                       {"from", required_argument, NULL, 'f'},
                                       {"to", required_argument, NULL, 'T'},
                                       {"width", required_argument, NULL, 'w'},
                                       {"color", required_argument, NULL, 'c'},
                                       TT__CLI_MAX_TASKS_OPT,
                                       {0}};
  tt_timeline_opts o = {0};
  int c, have_to = 0, have_from = 0, width = 0;
  o.color = isatty(STDOUT_FILENO);
  while ((c = getopt_long(argc, argv, "ht:f:T:w:c:", opts, NULL)) != -1) {
    switch (c) {
    case 'M':
      if (tt__cli_max_tasks("timeline", optarg) != TT_CLI_OK)
        return TT_CLI_USAGE;
      break;
    case 'h': usage(); return TT_CLI_OK;
    case 't': o.task = optarg; break;
    case 'f':
    case 'T':
      if (tt_parse_duration(optarg, c == 'f' ? &o.from : &o.to) < 0) {
        tt__cli_err("timeline", "--%s: '%s' is not a time (try 1.5ms, 200us, 3s)",
                    c == 'f' ? "from" : "to", optarg);
        return TT_CLI_USAGE;
      }
      have_to |= c == 'T';
      have_from |= c == 'f';
      break;
    case 'w': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*optarg == 0 || *end != 0 || v < 10 || v > 10000) {
        tt__cli_err("timeline", "--width: '%s' is not a width from 10 to 10000", optarg);
        return TT_CLI_USAGE;
      }
      width = (int)v;
      break;
    }
    case 'c':
      if (strcmp(optarg, "always") == 0)
        o.color = 1;
      else if (strcmp(optarg, "never") == 0)
        o.color = 0;
      else if (strcmp(optarg, "auto") != 0) {
        tt__cli_err("timeline", "--color: '%s' is not auto, always or never", optarg);
        return TT_CLI_USAGE;
      }
      break;
    default: return tt__cli_bad_option("timeline", argv, "ht:f:T:w:c:");
    }
  }
  if (optind >= argc) {
    tt__cli_err("timeline", "no trace given (tasktrace timeline --help)");
    return TT_CLI_USAGE;
  }
  if (width == 0) {
    width = 100;
    const char *cols = getenv("COLUMNS");
    if (isatty(STDOUT_FILENO) && cols != NULL && atoi(cols) > 40)
      width = atoi(cols) - 25;
  }
  o.width = (unsigned)width;
  if (!have_to || !have_from) {
    /* By default the window ends where the trace does and starts where
     * something happens (start-up only names objects): one quick pass. */
    uint64_t first, last, active;
    int rc = tt__cli_span("timeline", argv + optind, argc - optind, &first, &last, &active);
    if (rc != 0)
      return rc;
    if (!have_to)
      o.to = last - first + 1;
    if (!have_from)
      o.from = active - first;
  }
  if (o.to <= o.from) {
    tt__cli_err("timeline", "--to must be after --from (and inside the trace)");
    return TT_CLI_USAGE;
  }
  tt_timeline *tl = tt_timeline_new(&o);
  if (tl == NULL) {
    tt__cli_err("timeline", "out of memory");
    return TT_CLI_FAIL;
  }
  tt_model_hooks hooks;
  tt_timeline_hooks(tl, &hooks);
  tt_model *m;
  int rc = tt__cli_load("timeline", argv + optind, argc - optind, &hooks, &m);
  if (m != NULL)
    rc = tt__cli_render_done("timeline", m, tt_timeline_render(tl, m, stdout), rc);
  tt_timeline_free(tl);
  return rc;
}
