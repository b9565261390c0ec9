/* tasktrace locks FILE...: lock contention, per lock. */
#include "cliutil.h"
#include "cli.h"

static const char usage[] =
    "usage: tasktrace locks FILE...\n"
    "\n"
    "Every lock of the traces, most waited-for first: acquires, contended\n"
    "acquires, total and longest wait, total and longest hold, the longest\n"
    "queue of waiters, and the holders the waiters waited for; under a lock,\n"
    "who still held it at the end and the waits that never ended or timed\n"
    "out. Then the deadlocks the runtime reported, with their cycle, and the\n"
    "other sync objects (events, semaphores, conditions, queues): signals,\n"
    "takes, waiters woken, waits, timed-out and unfinished waits, missed\n"
    "signals.\n";

int tt_cmd_locks(int argc, char **argv) {
  return tt__cli_report("locks", argc, argv, usage, tt_render_locks);
}
