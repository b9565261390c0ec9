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
    "the deadlocks the runtime reported, with their cycle; the most contended\n"
    "locks (and those held or waited for at the end); the events,\n"
    "semaphores, conditions and queues; the slowest steps.\n";

int tt_cmd_summary(int argc, char **argv) {
  return tt__cli_report("summary", argc, argv, usage, tt_render_summary);
}
