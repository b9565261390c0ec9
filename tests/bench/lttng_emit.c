/* tt-bench-lttng-emit [N]: the cost of one tasktrace event (task_switch,
 * four integer fields) through the runtime's emission path: the inline
 * check, the slow function, the tracepoint of the dlopen()ed provider.
 * Run it under a session recording tasktrace:* (scripts/bench-trace.sh);
 * without one it measures a disabled site. */
#include <tasktrace/emit.h>

#include "lttng_burst.h"

int main(int argc, char **argv) {
  long n = burst_count(argc, argv);
  if (tt_tracer_init() < 0)
    return 1;
  BURST_RUN("lttng_tasktrace", n,
            tt__emit_task_switch((uint64_t)i, (uint64_t)i + 1, TT_STATE_yield, 0));
  return 0;
}
