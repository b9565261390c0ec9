/* Private: the LTTng-UST sink (lttng.c). */
#ifndef TT_TRACER_LTTNG_H
#define TT_TRACER_LTTNG_H
#include "tasktrace/emit.h"

#if TT_LTTNG
/* Load the provider package (libtasktrace-lttng.so) from a trusted place
 * (lttng.c: TASKTRACE_LTTNG_PROVIDER, beside the runtime, the install dir,
 * the build tree; a file nobody else could have written) and fold the
 * tracepoints' state into tt__trace_on. Idempotent. Without liblttng-ust or
 * a trusted provider LTTng tracing is just off (0); only a bad
 * TASKTRACE_LTTNG_PROVIDER fails (-ENOENT absent, -EACCES not trusted,
 * -ENOEXEC not loadable; one line printed). */
int tt__lttng_init(void);
/* Unregister the program's tracepoints for good (tt_tracer_fork_server):
 * no LTTng in this process or its forks from here on. */
void tt__lttng_retire(void);

/* One function per event: the tracepoint call itself. */
#define TT__DECL_LTTNG(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                              \
  void tt__lttng_##name(TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2) TT__PN_##k3(f3));
TT_EVENTS(TT__DECL_LTTNG)
#undef TT__DECL_LTTNG
#else
static inline int tt__lttng_init(void) { return 0; }
static inline void tt__lttng_retire(void) {}
#endif

#endif
