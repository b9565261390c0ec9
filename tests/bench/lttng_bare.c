/* tt-bench-lttng-bare [N]: the cost of a bare LTTng-UST tracepoint with
 * three integer fields (provider ttbench, linked in the usual way), per
 * event. Run it under a session: scripts/bench-trace.sh. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "ttbench_tp.h"

#include "lttng_burst.h"

int main(int argc, char **argv) {
  long n = burst_count(argc, argv);
  BURST_RUN("lttng_bare", n, lttng_ust_tracepoint(ttbench, ev3, (int)i, (int)i + 1, (int)i + 2));
  return 0;
}
