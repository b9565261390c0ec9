/* tasktrace emission — <tasktrace/emit.h>, private to the runtime and the
 * tracer: how the runtime hands events to the active sinks (native stream,
 * LTTng-UST). Not installed; programs never include it.
 *
 * Errors: tt_tracer_init returns 0 or a negative errno with a message
 * already printed on stderr; emission never fails (what cannot be sent is
 * counted and reported as a `lost` event).
 */
#ifndef TASKTRACE_EMIT_H
#define TASKTRACE_EMIT_H

#include "tasktrace/schema.h"
#include "tt_base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Emission (used by the runtime) -------------------------------------
 *
 * tt__trace_on is zero unless some sink is active: a disabled build pays one
 * load and one branch per emission site. The _slow functions time-stamp the
 * event and hand it to each active sink (native stream, LTTng-UST).
 */
#define TT__TRACE_NATIVE 1u
#define TT__TRACE_LTTNG 2u
extern unsigned tt__trace_on;

#define TT__PT_U64 uint64_t
#define TT__PT_I64 int64_t
#define TT__PT_STR const char *
#define TT__P1(k, n) TT__PT_##k n
#define TT__PN_U64(n) , uint64_t n
#define TT__PN_I64(n) , int64_t n
#define TT__PN_STR(n) , const char *n
#define TT__PN_NONE(n)
#define TT__AN_U64(n) , n
#define TT__AN_I64(n) , n
#define TT__AN_STR(n) , n
#define TT__AN_NONE(n)

/* tt__emit_NAME(fields) time-stamps the event itself; tt__emit_NAME_at(ts,
 * fields) takes a time the caller read with tt__trace_now(), so that the
 * events of one switch (or of one release and its hand-off) and the step
 * clock share one read where their order is already known. ts 0: read it. */
#define TT__DECL_EMIT(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                               \
  void tt__emit_##name##_slow(uint64_t ts_, TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2)         \
                                  TT__PN_##k3(f3));                                                \
  static inline void tt__emit_##name(TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2)              \
                                         TT__PN_##k3(f3)) {                                        \
    if (TT_UNLIKELY(tt__trace_on))                                                                 \
      tt__emit_##name##_slow(0, f0 TT__AN_##k1(f1) TT__AN_##k2(f2) TT__AN_##k3(f3));              \
  }                                                                                                \
  static inline void tt__emit_##name##_at(uint64_t ts_, TT__P1(k0, f0) TT__PN_##k1(f1)             \
                                              TT__PN_##k2(f2) TT__PN_##k3(f3)) {                   \
    if (TT_UNLIKELY(tt__trace_on))                                                                 \
      tt__emit_##name##_slow(ts_, f0 TT__AN_##k1(f1) TT__AN_##k2(f2) TT__AN_##k3(f3));            \
  }
TT_EVENTS(TT__DECL_EMIT)
#undef TT__DECL_EMIT

/* The trace clock: CLOCK_MONOTONIC nanoseconds, read in about a third of
 * clock_gettime's time where the TSC can be trusted (tracer/emit/src/
 * stream.c, cal_init: the rule). A thread reads rdtsc and scales it from an
 * anchor (tsc0, ns0) that it re-takes with clock_gettime at every buffer
 * start (a few thousand events), so the error stays in the tens of
 * nanoseconds and never accumulates; a re-anchor never takes the thread's
 * clock back (last). Elsewhere, and until the rate is calibrated,
 * clock_gettime. The runtime's step clock is this one, so that a switch
 * reads the time once for its durations and its event. */
typedef struct tt__clock {
  uint64_t tsc0, ns0;
  uint64_t mult; /* ns per tick << 32; 0: use clock_gettime */
  uint64_t last; /* the latest TSC-scaled reading of this thread */
} tt__clock;
extern __thread tt__clock tt__clk __attribute__((tls_model("initial-exec")));
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t tt__trace_now(void) {
  if (TT_LIKELY(tt__clk.mult)) {
    int64_t d = (int64_t)(__rdtsc() - tt__clk.tsc0);
    if (d < 0)
      d = 0;
    uint64_t v = tt__clk.ns0 + (uint64_t)(((unsigned __int128)(uint64_t)d * tt__clk.mult) >> 32);
    if (TT_UNLIKELY(v < tt__clk.last))
      v = tt__clk.last;
    tt__clk.last = v;
    return v;
  }
  return tt_now_ns();
}
#else
static inline uint64_t tt__trace_now(void) { return tt_now_ns(); }
#endif

/* Start tracing for this process from the environment (TASKTRACE_COLLECTOR,
 * the LTTng provider). Idempotent. Returns 0 or a negative errno with a
 * message already printed on stderr. */
int tt_tracer_init(void);
/* Fold the LTTng tracepoints' enabled state into tt__trace_on (the loop
 * calls it once per iteration, before polling; tracer/emit/src/lttng.c). */
#if TT_LTTNG
void tt__lttng_refresh(void);
/* How many times LTTng recording went from off to on (a session started,
 * or enabled tasktrace events) in this process: a loop that has not yet
 * dumped its state for the latest one does so (runtime/src/statedump.c),
 * so that a session begun mid-run knows the live tasks and objects. */
extern unsigned tt__lttng_sessions;
#else
static inline void tt__lttng_refresh(void) {}
#define tt__lttng_sessions 0u
#endif
/* Flush what is buffered to every sink (at exit, before a crash dump). */
void tt_tracer_flush(void);
/* A fork server (runtime/src/forkserver.c) is about to serve runs that
 * never trace with LTTng (TASKTRACE_LTTNG_PROVIDER set and empty, as
 * explore sets it): the program's tracepoints are unregistered here, once,
 * instead of by the destructor at every run's exit (a dozen page faults of
 * liblttng-ust-tracepoint's tables each time). */
void tt_tracer_fork_server(void);

#ifdef __cplusplus
}
#endif
#endif /* TASKTRACE_EMIT_H */
