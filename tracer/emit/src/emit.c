/* The slow half of every emission site: time-stamp and hand to the sinks.
 * Generated from TT_EVENTS so that no event can be forgotten here. */
#include "lttng.h"
#include "sink.h"

unsigned tt__trace_on;

#define TT__U_U64(n) (uint64_t)(n)
#define TT__U_I64(n) (uint64_t)(n)
#define TT__U_STR(n) 0
#define TT__U_NONE(n) 0
#define TT__S_U64(n) NULL
#define TT__S_I64(n) NULL
#define TT__S_STR(n) (n)
#define TT__S_NONE(n) NULL

/* LTTng time-stamps events itself: no clock read on its path. */
#if TT_LTTNG
#define TT__EMIT_LTTNG(name, ...)                                                                  \
  if (tt__trace_on & TT__TRACE_LTTNG)                                                              \
    tt__lttng_##name(__VA_ARGS__);
#else
#define TT__EMIT_LTTNG(name, ...)
#endif

#define TT__DEF_EMIT(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                \
  void tt__emit_##name##_slow(TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2) TT__PN_##k3(f3)) {  \
    TT__EMIT_LTTNG(name, f0 TT__AN_##k1(f1) TT__AN_##k2(f2) TT__AN_##k3(f3))                      \
    if (tt__trace_on & TT__TRACE_NATIVE) {                                                         \
      uint64_t ts = tt__native_now(); /* sink.h: TSC-scaled CLOCK_MONOTONIC */                     \
      const uint64_t u[TT_EVENT_FIELDS] = {TT__U_##k0(f0), TT__U_##k1(f1), TT__U_##k2(f2),         \
                                           TT__U_##k3(f3)};                                        \
      const char *const s[TT_EVENT_FIELDS] = {TT__S_##k0(f0), TT__S_##k1(f1), TT__S_##k2(f2),      \
                                              TT__S_##k3(f3)};                                     \
      tt__native_write(id, ts, u, s);                                                              \
    }                                                                                              \
  }
TT_EVENTS(TT__DEF_EMIT)
