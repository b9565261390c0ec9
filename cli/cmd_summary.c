/* tasktrace summary FILE...: per process and per task, locks, slow steps.
 * With --follow, one trace read as it grows (an LTTng live session from
 * lttng-relayd, net://...): the summary again every interval while events
 * arrive, and a last one when the session ends or on Ctrl-C. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace summary [--follow [--interval TIME]] FILE...\n"
    "\n"
    "Summarise traces (.ttrace files or LTTng trace directories, merged in\n"
    "time order): per process, loop utilisation, scheduling latency\n"
    "(p50/p99/max) and lost events; per task, busy, runnable and blocked\n"
    "time, switches, longest step, result and spawn site (busiest first);\n"
    "the deadlocks the runtime reported, with their cycle; the most contended\n"
    "locks (and those held or waited for at the end); the events,\n"
    "semaphores, conditions and queues; the slowest steps. A live LTTng session is\n"
    "read from lttng-relayd as net://HOST/host/HOSTNAME/SESSION (lttng create\n"
    "--live) to its end; with --follow the summary is printed again as\n"
    "events arrive, at most every interval (what is running now is counted\n"
    "when it stops), a line says when nothing new came for two intervals\n"
    "(at least 2 s), and the summary is printed a last time at the\n"
    "session's end or on Ctrl-C. The races (programs built with\n"
    "tasktrace-cc) and lock-order inversions (debug mode) reported during\n"
    "the run are listed when there are any.\n";

static volatile sig_atomic_t stop_follow;
static void on_int(int sig) {
  (void)sig;
  stop_follow = 1;
}

/* One summary of what was read so far, under a line saying how much. */
static int show(const tt_model *m, int final) {
  printf(final ? "=== %llu events, the end (--follow) ===\n" : "=== %llu events so far (--follow) ===\n",
         (unsigned long long)tt_model_events(m));
  int r = tt_render_summary(m, stdout);
  if (!final)
    fputc('\n', stdout);
  return fflush(stdout) != 0 || r < 0 ? -EIO : 0;
}

static int follow(const char *path, uint64_t interval) {
  char err[768];
  tt_source *src;
  tt_model *m;
  if (tt_source_open(path, &src, err, sizeof err) < 0) {
    tt__cli_err("summary", "%s", err);
    return TT_CLI_FAIL;
  }
  if (tt_model_new(NULL, &m) < 0) {
    tt_source_close(src);
    tt__cli_err("summary", "out of memory");
    return TT_CLI_FAIL;
  }
  unsigned ms = (unsigned)(interval / 1000000u);
  tt_source_set_follow(src, ms ? ms : 1);
  struct sigaction sa = {.sa_handler = on_int}; /* no SA_RESTART: the wait ends at once */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* A summary when events came and the last one is an interval old.
   * Nothing new for `quiet` (two intervals, at least 2 s): one line says
   * the viewer is waiting, so that a session with nothing to send yet (no
   * program running, or a relay slow to pass the live timer's flushes on)
   * is not a blank screen. Once per quiet stretch. */
  uint64_t now = tt_now_ns(), quiet = interval * 2 > 2000000000u ? interval * 2 : 2000000000u;
  uint64_t shown_time = now - interval, quiet_from = now, n = 0, shown_at = 0;
  int said = 0;
  tt_trace_event ev;
  int r, rc = TT_CLI_OK;
  while (!stop_follow && (r = tt_source_next(src, &ev, err, sizeof err)) != 0) {
    if (r > 0 && tt_model_add(m, &ev, err, sizeof err) < 0) {
      tt__cli_err("summary", "%s", err[0] ? err : "out of memory");
      rc = TT_CLI_FAIL;
      break;
    }
    if (r < 0 && r != -EAGAIN) {
      tt__cli_err("summary", "%s", err);
      rc = TT_CLI_FAIL;
      break;
    }
    n += r > 0;
    /* The source returns -EAGAIN after each burst of events and every
     * interval while it waits; while events pour in, the clock is read
     * every 1024. */
    if (r > 0 && (n & 1023) != 0)
      continue;
    now = tt_now_ns();
    if (n != shown_at && now - shown_time >= interval) {
      if (show(m, 0) < 0)
        break;
      shown_at = n, shown_time = quiet_from = now, said = 0;
    } else if (n == shown_at && !said && now - quiet_from >= quiet) {
      printf("=== waiting for the live session: %llu events so far, none new for %.0f s (--follow) ===\n",
             (unsigned long long)n, (double)(now - quiet_from) / 1e9);
      if (fflush(stdout) != 0)
        break;
      said = 1;
    }
  }
  tt_model_set_unrecorded(m, tt_source_unrecorded(src));
  tt_model_finish(m);
  tt_source_close(src);
  if (show(m, 1) < 0) {
    tt__cli_err("summary", "cannot write the output");
    rc = TT_CLI_FAIL;
  }
  tt_model_free(m);
  return rc;
}

int tt_cmd_summary(int argc, char **argv) {
  int follow_on = 0;
  uint64_t interval = 1000000000u;
  const tt__opt opts[] = {
      {.name = "follow", .letter = 'f', .kind = TT__OPT_FLAG, .p = &follow_on,
       .help = "read one trace as it grows (a live session): the summary\n"
               "again as events arrive, and at the end"},
      {.name = "interval", .kind = TT__OPT_DURATION, .p = &interval, .arg = "TIME",
       .help = "with --follow: at most how often (default 1s)"},
      TT__CLI_OPT_MAX_TASKS,
      {0}};
  const tt__cli_spec spec = {.cmd = "summary", .usage = usage, .opts = opts};
  int first, rc = tt__cli_parse(&spec, argc, argv, &first);
  if (rc != TT__CLI_PARSED)
    return rc;
  if ((rc = tt__cli_need_traces("summary", argc, first)) != 0)
    return rc;
  if (follow_on) {
    if (argc - first != 1) {
      tt__cli_err("summary", "--follow reads one trace (%d given)", argc - first);
      return TT_CLI_USAGE;
    }
    if (interval < 1000000u) {
      tt__cli_err("summary", "--interval: at least 1ms");
      return TT_CLI_USAGE;
    }
    return follow(argv[first], interval);
  }
  tt_model *m;
  rc = tt__cli_load("summary", argv + first, argc - first, NULL, &m);
  if (m != NULL)
    rc = tt__cli_render_done("summary", m, tt_render_summary(m, stdout), rc);
  return rc;
}
