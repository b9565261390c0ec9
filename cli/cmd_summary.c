/* tasktrace summary FILE...: per process and per task, locks, slow steps. */
#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace summary FILE...\n"
    "\n"
    "Summarise traces (.ttrace files or LTTng trace directories, merged in\n"
    "time order): per process, loop utilisation, scheduling latency\n"
    "(p50/p99/max) and lost events; per task, busy, runnable and blocked\n"
    "time, switches, longest step, result and spawn site (busiest first);\n"
    "the most contended locks; the slowest steps; the races (programs built\n"
    "with tasktrace-cc) and lock-order inversions (debug mode) reported\n"
    "during the run, when there are any.\n";

int tt_cmd_summary(int argc, char **argv) {
  return tt__cli_report("summary", argc, argv, usage, tt_render_summary);
}
