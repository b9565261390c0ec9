/* The bare LTTng-UST tracepoint the per-event cost of provider `tasktrace`
 * is compared with: three integer fields, nothing else (lttng_bare.c). */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER ttbench
#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "ttbench_tp.h"

#if !defined(TTBENCH_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define TTBENCH_TP_H
#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(ttbench, ev3,
  LTTNG_UST_TP_ARGS(int, a, int, b, int, c),
  LTTNG_UST_TP_FIELDS(
    lttng_ust_field_integer(int, a, a)
    lttng_ust_field_integer(int, b, b)
    lttng_ust_field_integer(int, c, c)
  )
)
#endif
#include <lttng/tracepoint-event.h>
