/* The LTTng-UST sink: the call sites of provider `tasktrace`.
 *
 * Tracepoint provider package pattern: this file defines the tracepoints
 * (LTTNG_UST_TRACEPOINT_DEFINE) with LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE,
 * so the program links neither liblttng-ust nor the probes. At start-up
 * lttng/tracepoint.h's constructor dlopen()s the small liblttng-ust-tracepoint
 * (nothing happens if it is absent); tt_tracer_init then dlopen()s the
 * probes, libtasktrace-lttng.so, which pulls in liblttng-ust and registers
 * with a session daemon if one runs.
 *
 * The hot path: every emission site is `if (tt__trace_on) slow()`. The
 * TT__TRACE_LTTNG bit of tt__trace_on is the OR of the tasktrace
 * tracepoints' own enabled states, folded in by tt__lttng_refresh() at
 * tracer init and once per loop iteration (before the loop polls). So with
 * the provider loaded and no session enabled the sites still cost one load
 * and one branch. The price: a session started while the program runs
 * records from the loop's next iteration on, and one stopped meanwhile costs
 * a few extra calls (the tracepoint checks its own state again) until then.
 */
#include "lttng.h"

#if TT_LTTNG
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "tasktrace_tp.h"

#define TT__PROVIDER_SONAME "libtasktrace-lttng.so"

#define TT__DEF_LTTNG(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                               \
  void tt__lttng_##name(TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2) TT__PN_##k3(f3)) {        \
    lttng_ust_tracepoint(tasktrace, name, f0 TT__AN_##k1(f1) TT__AN_##k2(f2) TT__AN_##k3(f3));    \
  }
TT_EVENTS(TT__DEF_LTTNG)

void tt__lttng_refresh(void) {
  int on = 0;
#define TT__STATE(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                   \
  on |= CMM_LOAD_SHARED(lttng_ust_tracepoint_tasktrace___##name.state);
  TT_EVENTS(TT__STATE)
#undef TT__STATE
  unsigned cur = __atomic_load_n(&tt__trace_on, __ATOMIC_RELAXED);
  if (on && !(cur & TT__TRACE_LTTNG))
    __atomic_fetch_or(&tt__trace_on, TT__TRACE_LTTNG, __ATOMIC_RELAXED);
  else if (!on && (cur & TT__TRACE_LTTNG))
    __atomic_fetch_and(&tt__trace_on, ~TT__TRACE_LTTNG, __ATOMIC_RELAXED);
}

/* <dir of the executable>/../lib/NAME: the build tree (bin/ and lib/ side
 * by side) and an installed prefix alike. */
static void *open_beside_exe(void) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return NULL;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL)
    return NULL;
  *slash = '\0';
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/../lib/" TT__PROVIDER_SONAME, exe);
  return dlopen(path, RTLD_NOW | RTLD_GLOBAL);
}

static int loaded; /* 0: not yet, 1: done (whatever the outcome) */

int tt__lttng_init(void) {
  if (__atomic_exchange_n(&loaded, 1, __ATOMIC_ACQ_REL))
    goto out;
  /* No liblttng-ust-tracepoint on this machine: LTTng is not installed, the
   * probes could not load either. */
  if (lttng_ust_tracepoint_dlopen_ptr == NULL ||
      lttng_ust_tracepoint_dlopen_ptr->liblttngust_handle == NULL)
    return 0;
  const char *v = getenv("TASKTRACE_LTTNG_PROVIDER");
  if (v != NULL) {
    if (*v == '\0')
      return 0; /* explicitly off */
    if (dlopen(v, RTLD_NOW | RTLD_GLOBAL) == NULL) {
      fprintf(stderr, "tasktrace: TASKTRACE_LTTNG_PROVIDER='%s': cannot load it: %s\n", v,
              dlerror());
      return -ENOENT;
    }
    goto out;
  }
  /* Already there (LD_PRELOAD, or linked in): loading a second copy would
   * register the provider twice. */
  if (dlopen(TT__PROVIDER_SONAME, RTLD_NOW | RTLD_NOLOAD) != NULL)
    goto out;
  if (open_beside_exe() == NULL
#ifdef TT_LTTNG_PROVIDER_INSTALL
      && dlopen(TT_LTTNG_PROVIDER_INSTALL, RTLD_NOW | RTLD_GLOBAL) == NULL
#endif
      && dlopen(TT__PROVIDER_SONAME, RTLD_NOW | RTLD_GLOBAL) == NULL)
    return 0; /* no provider found: LTTng tracing stays off, as documented */
out:
  tt__lttng_refresh();
  return 0;
}
#endif
