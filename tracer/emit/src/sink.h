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

/* The hot part of a thread's stream state (stream.c's tstate starts with
 * the same fields): where the next record goes, the buffer's end, its
 * event count and delta state. emit.c encodes an event without strings
 * straight into it when the record fits; everything else (strings, a full
 * buffer, a thread's first event) goes through tt__native_write. */
#include "tasktrace/wire.h"
#define TT__HOT_FIELDS                                                                             \
  uint8_t *pos, *end; /* where the next record goes (NULL: none); the buffer's end */              \
  uint32_t nev;       /* events in the buffer (lost records aside) */                              \
  tt__dstate d;
typedef struct tt__hot {
  TT__HOT_FIELDS
} tt__hot;
extern __thread tt__hot *tt__hot_tls __attribute__((tls_model("initial-exec")));

/* The native path's clock is tt__trace_now (emit.h). Whether it may read
 * the TSC: the rule is in tsc.c (kernel clocksource, CPU flags, a check
 * across CPUs, TASKTRACE_CLOCK). 1 or 0, a line on stderr for a bad
 * TASKTRACE_CLOCK or a forced TSC that fails the checks. */
int tt__tsc_trusted(void);
#define tt__native_now tt__trace_now

#endif
