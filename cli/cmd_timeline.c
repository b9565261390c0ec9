/* tasktrace timeline FILE...: swimlanes in the terminal. */
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

/* The usage text: the head, then the letters from the schema's list of
 * wait reasons (TT_STATES), so that a new reason is in --help at once. */
static const char *usage(void) {
  static char text[4096];
  FILE *f = fmemopen(text, sizeof text, "w");
  if (f == NULL)
    return usage_head;
  fputs(usage_head, f);
  fputs("  ", f);
  tt_timeline_legend(f, ", ", 74, 2);
  fputs(".\n"
        "Under a task, a row of what happened to it: '*' a mark, '[==]' a region,\n"
        "'T' a wait that timed out (not woken), 'X' the call that found a\n"
        "deadlock; the deadlocks follow the grid, with their cycle.\n",
        f);
  fclose(f);
  return text;
}

/* The window's ends, given or not. */
typedef struct window {
  int have_from, have_to;
} window;

/* The options: TT__CLI_PARSED with o, w, *width and *first set, or an exit
 * code. */
static int parse_args(int argc, char **argv, tt_timeline_opts *o, window *w, long *width,
                      int *first) {
  int color = 0; /* auto */
  const tt__opt opts[] = {
      {.name = "task", .kind = TT__OPT_STRING, .p = &o->task, .arg = "NAME|ID",
       .help = "only this task (a name or a task id)"},
      {.name = "from", .kind = TT__OPT_DURATION, .p = &o->from, .given = &w->have_from,
       .arg = "T",
       .help = "start of the window, from the start of the trace:\n"
               "1200 (ns), 3.5us, 12ms, 2s (default: the first event\n"
               "that is not just naming an object)"},
      {.name = "to", .kind = TT__OPT_DURATION, .p = &o->to, .given = &w->have_to, .arg = "T",
       .help = "end of the window (default: the end of the trace)"},
      {.name = "width", .kind = TT__OPT_COUNT, .p = width, .lo = 10, .hi = 10000, .arg = "N",
       .what = "a width from 10 to 10000",
       .help = "columns for the time axis (default: the terminal's\n"
               "width, or 100)"},
      {.name = "color", .kind = TT__OPT_CHOICE, .p = &color, .choices = "auto|always|never",
       .arg = "WHEN", .help = "auto (when stdout is a terminal and NO_COLOR is\n"
                       "unset), always, never"},
      TT__CLI_OPT_MAX_TASKS,
      {0}};
  const tt__cli_spec spec = {.cmd = "timeline", .usage = usage(), .opts = opts};
  int rc = tt__cli_parse(&spec, argc, argv, first);
  if (rc != TT__CLI_PARSED)
    return rc;
  /* auto: colour on a terminal, unless NO_COLOR is set (no-color.org);
   * --color always still colours. */
  const char *nc = getenv("NO_COLOR");
  o->color = color == 0 ? isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0') : color == 1;
  rc = tt__cli_need_traces("timeline", argc, *first);
  return rc ? rc : TT__CLI_PARSED;
}

/* The default width: the terminal's, less the names' column, or 100. */
static unsigned default_width(void) {
  const char *cols = getenv("COLUMNS");
  if (isatty(STDOUT_FILENO) && cols != NULL && atoi(cols) > 40)
    return (unsigned)(atoi(cols) - 25);
  return 100;
}

/* The ends of the window not given: by default the window ends where the
 * trace does and starts where something happens (start-up only names
 * objects), by one quick pass. 0, or an exit code after a message. */
static int default_window(tt_timeline_opts *o, const window *w, char *const *files, int n) {
  if (!w->have_to || !w->have_from) {
    uint64_t first, last, active;
    int rc = tt__cli_span("timeline", files, n, &first, &last, &active);
    if (rc != 0)
      return rc;
    if (!w->have_to)
      o->to = last - first + 1;
    if (!w->have_from)
      o->from = active - first;
  }
  if (o->to <= o->from) {
    tt__cli_err("timeline", "--to must be after --from (and inside the trace)");
    return TT_CLI_USAGE;
  }
  return 0;
}

int tt_cmd_timeline(int argc, char **argv) {
  tt_timeline_opts o = {0};
  window w = {0};
  long width = 0;
  int first, rc = parse_args(argc, argv, &o, &w, &width, &first);
  if (rc != TT__CLI_PARSED)
    return rc;
  o.width = width ? (unsigned)width : default_width();
  if ((rc = default_window(&o, &w, argv + first, argc - first)) != 0)
    return rc;
  tt_timeline *tl;
  char err[128];
  if (tt_timeline_new(&o, &tl, err, sizeof err) < 0) { /* the options were checked above */
    tt__cli_err("timeline", "%s", err);
    return TT_CLI_FAIL;
  }
  tt_model_hooks hooks;
  tt_timeline_hooks(tl, &hooks);
  tt_model *m;
  rc = tt__cli_load("timeline", argv + first, argc - first, &hooks, &m);
  if (m != NULL)
    rc = tt__cli_render_done("timeline", m, tt_timeline_render(tl, m, stdout), rc);
  tt_timeline_free(tl);
  return rc;
}
