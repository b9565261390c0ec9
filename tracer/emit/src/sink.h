/* Private: the sinks an emitted event is handed to. */
#ifndef TT_TRACER_SINK_H
#define TT_TRACER_SINK_H
#include "tasktrace/emit.h"

/* The native stream (stream.c): encode into this thread's buffer. */
void tt__native_write(unsigned type, uint64_t ts, const uint64_t u[TT_EVENT_FIELDS],
                      const char *const s[TT_EVENT_FIELDS]);
/* Connect to the collector at path and turn the native sink on, once the
 * socket's directory (ours, a real directory, writable by nobody else) and
 * the listener (our uid, by SO_PEERCRED) are checked. Returns 0, also when
 * the path is bad, the collector absent or not trusted: then one line says
 * why and nothing is recorded; a negative errno only when the process
 * cannot make a socket or a thread. */
int tt__native_init(const char *path);
/* Hand this thread's buffer over and wait until the sender has written
 * everything queued, while it makes progress: 100 ms without any (a stopped
 * collector) or 500 ms in all and the caller goes on; after such a stall,
 * later calls do not wait until the sender moves again. Also run before
 * every exec (the exec family is interposed in stream.c). */
void tt__native_flush(void);

/* The native path's clock: CLOCK_MONOTONIC nanoseconds, read in about a
 * third of clock_gettime's time. Where the kernel's own clocksource is the
 * TSC (so the TSC is trusted constant and synchronised), a thread reads
 * rdtsc and scales it from an anchor (tsc0, ns0) that it re-takes with
 * clock_gettime at every buffer start (a few thousand events): the error
 * stays in the tens of nanoseconds and never accumulates. Elsewhere, and
 * until the rate is calibrated, clock_gettime. */
typedef struct tt__clock {
  uint64_t tsc0, ns0;
  uint64_t mult; /* ns per tick << 32; 0: use clock_gettime */
} tt__clock;
extern __thread tt__clock tt__clk __attribute__((tls_model("initial-exec")));
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t tt__native_now(void) {
  if (TT_LIKELY(tt__clk.mult)) {
    int64_t d = (int64_t)(__rdtsc() - tt__clk.tsc0);
    if (d < 0)
      d = 0;
    return tt__clk.ns0 + (uint64_t)(((unsigned __int128)(uint64_t)d * tt__clk.mult) >> 32);
  }
  return tt_now_ns();
}
#else
static inline uint64_t tt__native_now(void) { return tt_now_ns(); }
#endif

#endif
