/* tasktrace tracer — the one public header of the tracer component.
 *
 * It holds the event schema, the single source of truth for every event
 * the runtime emits: the LTTng-UST provider (generated at build time by
 * tracer/gen/gen_lttng.c), the native encoder and decoder (tracer/src) and the
 * viewer's names are all derived from TT_EVENTS below. Add an event here
 * and every consumer follows; tests/tracer checks that they agree.
 */
#ifndef TASKTRACE_TRACER_H
#define TASKTRACE_TRACER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TT_EXTERN __attribute__((visibility("default")))
#define TT_LIKELY(x) __builtin_expect(!!(x), 1)
#define TT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TT_EXTERN
#define TT_LIKELY(x) (x)
#define TT_UNLIKELY(x) (x)
#endif

/* Field kinds. U64: unsigned integer (ids, durations, enums). I64: signed
 * integer (results, negative errnos). STR: a string; LTTng records it inline,
 * the native stream interns it once per process and sends an id. NONE: an
 * unused slot (every event has exactly four slots, the first always used). */
#define TT_FIELD_NONE 0
#define TT_FIELD_U64 1
#define TT_FIELD_I64 2
#define TT_FIELD_STR 3

/* LTTng log levels (the values of lttng/ust-tracepoint-event.h), so that
 * `lttng enable-event --loglevel` filters sensibly: warnings and contention
 * above per-switch events. */
#define TT_LL_WARNING 4
#define TT_LL_NOTICE 5
#define TT_LL_INFO 6
#define TT_LL_DEBUG 14 /* TRACE_DEBUG */

/* The schema. X(id, name, loglevel, kind0,field0, kind1,field1, kind2,field2,
 * kind3,field3). Ids are part of the file format: never reuse one. */
#define TT_EVENTS(X)                                                                               \
  X(1, task_create, INFO, U64, task, U64, parent, STR, name, STR, site)                            \
  X(2, task_switch, DEBUG, U64, prev, U64, next, U64, prev_state, U64, object)                     \
  X(3, task_wake, DEBUG, U64, task, U64, waker, U64, object, NONE, _3)                             \
  X(4, task_exit, INFO, U64, task, U64, status, I64, result, NONE, _3)                             \
  X(5, slow_step, WARNING, U64, task, U64, duration_ns, STR, site, NONE, _3)                       \
  X(6, lock_contended, NOTICE, U64, lock, U64, waiter, U64, holder, NONE, _3)                      \
  X(7, lock_acquired, INFO, U64, lock, U64, task, U64, wait_ns, NONE, _3)                          \
  X(8, lock_released, DEBUG, U64, lock, U64, task, U64, hold_ns, NONE, _3)                         \
  X(9, loop_poll_begin, DEBUG, U64, loop, I64, timeout_ns, NONE, _2, NONE, _3)                     \
  X(10, loop_poll_end, DEBUG, U64, loop, NONE, _1, NONE, _2, NONE, _3)                             \
  X(11, object_name, INFO, U64, object, U64, kind, STR, name, NONE, _3)                            \
  X(12, mark, INFO, U64, task, STR, name, NONE, _2, NONE, _3)                                      \
  X(13, region_begin, INFO, U64, task, STR, name, NONE, _2, NONE, _3)                              \
  X(14, region_end, INFO, U64, task, STR, name, NONE, _2, NONE, _3)                                \
  X(15, lost, WARNING, U64, count, NONE, _1, NONE, _2, NONE, _3)

enum tt_ev_type {
  TT_EV_NONE = 0,
#define TT__ENUM(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3) TT_EV_##name = id,
  TT_EVENTS(TT__ENUM)
#undef TT__ENUM
      TT_EV_MAX /* one past the largest id */
};

#define TT_EVENT_FIELDS 4

/* What the schema says about one event, as data (for decoders and viewers). */
typedef struct tt_ev_desc {
  const char *name;                     /* "task_switch" */
  int loglevel;                         /* TT_LL_* */
  int nfields;                          /* used slots, 1..4 */
  uint8_t kind[TT_EVENT_FIELDS];        /* TT_FIELD_* */
  const char *field[TT_EVENT_FIELDS];   /* field names */
} tt_ev_desc;

/* The description of event type `type`, or NULL for an unknown type. */
TT_EXTERN const tt_ev_desc *tt_ev_describe(unsigned type);
/* The event type named `name` ("task_switch"), or TT_EV_NONE. */
TT_EXTERN unsigned tt_ev_lookup(const char *name);

/* One decoded event, as readers (.ttrace, LTTng) hand them to the viewer.
 * Field slot i holds u[i] for integer kinds (I64 as two's complement) or
 * s[i] for STR; strings are owned by the reader and live as long as it. */
typedef struct tt_trace_event {
  uint32_t type;                    /* enum tt_ev_type */
  uint32_t pid;                     /* producing process */
  uint32_t tid;                     /* producing thread (the loop's thread) */
  uint64_t ts;                      /* CLOCK_MONOTONIC nanoseconds */
  uint64_t u[TT_EVENT_FIELDS];
  const char *s[TT_EVENT_FIELDS];
} tt_trace_event;

/* Why a task stopped running (task_switch.prev_state). */
#define TT_STATES(X)                                                                               \
  X(0, yield) X(1, sleep) X(2, lock) X(3, event) X(4, queue_put) X(5, queue_get) X(6, sem)        \
      X(7, cond) X(8, join) X(9, io) X(10, done) X(11, start) X(12, queue_join)
enum tt_state {
#define TT__ST(v, n) TT_STATE_##n = v,
  TT_STATES(TT__ST)
#undef TT__ST
      TT_STATE_MAX
};
TT_EXTERN const char *tt_state_name(unsigned state);

/* What an object id names (object_name.kind). */
#define TT_KINDS(X)                                                                                \
  X(0, task) X(1, lock) X(2, event) X(3, queue) X(4, sem) X(5, cond) X(6, io) X(7, loop)          \
      X(8, timer)
enum tt_kind {
#define TT__KD(v, n) TT_KIND_##n = v,
  TT_KINDS(TT__KD)
#undef TT__KD
      TT_KIND_MAX
};
TT_EXTERN const char *tt_kind_name(unsigned kind);

/* How a task ended (task_exit.status). */
enum tt_exit_status { TT_EXIT_OK = 0, TT_EXIT_ERROR = 1, TT_EXIT_CANCELLED = 2 };

/* ---- Untrusted strings on a terminal or in a log -------------------------
 * Every string that comes from a trace, a producer, a path or the
 * environment is printed through these (tracer/src/safestr.c): control
 * characters (C0, DEL, C1), invalid UTF-8, bidi overrides and invisible
 * format characters are shown as escapes ("\x1b", "\n", "\u{202e}", a
 * backslash as two) or, with TT_ESC_COMPACT, as one '?' each (for views where
 * a character is a column). */
#define TT_ESC_COMPACT 1
/* Escape len bytes of src (len (size_t)-1: up to its NUL) into dst (cap
 * bytes, always NUL-terminated; what does not fit ends in "..."). Returns
 * the length written. */
TT_EXTERN size_t tt_escape(char *dst, size_t cap, const char *src, size_t len, int flags);
/* tt_escape of a whole string into buf, returned: for one printf argument. */
TT_EXTERN const char *tt_esc(char *buf, size_t cap, const char *s);
/* Length (1..4) of the valid UTF-8 sequence at s (n bytes available) and
 * its code point in *cp, or 0 if the bytes there are not valid UTF-8
 * (overlong forms and surrogates included). */
TT_EXTERN int tt_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Write s escaped, however long it is. */
TT_EXTERN void tt_fput_escaped(FILE *out, const char *s, int flags);

/* ---- .ttrace files (format: tracer/FORMAT.md) ----------------------------
 *
 * A .ttrace file holds the events of one producing process (its identity is
 * in the header), compressed in self-delimiting checksummed chunks. Events
 * come out in order per thread; events of different threads come out in the
 * order their buffers were handed over (sort by ts if you need one global
 * order). A file cut anywhere reads back to its last whole chunk. */

/* Who produced the events of a file. */
typedef struct tt_proc_info {
  uint32_t pid;
  char program[64];           /* program name (basename of argv[0] or comm) */
  uint64_t start_realtime_ns; /* CLOCK_REALTIME when tracing started ... */
  uint64_t start_mono_ns;     /* ... and CLOCK_MONOTONIC at the same instant */
} tt_proc_info;

typedef struct tt_reader tt_reader;
/* Open a .ttrace file. Returns 0, -errno (file), -EPROTO (not a .ttrace
 * file or an unknown version; tt_reader_error is not available then, a
 * message is in the errno). *out is set only on success. */
TT_EXTERN int tt_reader_open(tt_reader **out, const char *path);
/* The same over a memory image (len bytes, copied): tests and fuzzing. */
TT_EXTERN int tt_reader_open_mem(tt_reader **out, const void *data, size_t len);
/* The next event: 1 = *ev filled, 0 = end (of a whole file, or of the last
 * whole chunk of a cut one: see tt_reader_truncated), < 0 = error (a bad
 * chunk: -EBADMSG; I/O: -errno), with the reason in tt_reader_error. Strings
 * in *ev live as long as the reader. */
TT_EXTERN int tt_reader_next(tt_reader *r, tt_trace_event *ev);
/* Why reading stopped early ("cut after chunk 12 at byte 81234", "chunk 3
 * at byte 4096: bad checksum"), or NULL when nothing is wrong. */
TT_EXTERN const char *tt_reader_error(const tt_reader *r);
TT_EXTERN const tt_proc_info *tt_reader_process(const tt_reader *r);
/* 1 when the file has no end record (collector killed, disk full, power
 * cut): known from open on. */
TT_EXTERN int tt_reader_truncated(const tt_reader *r);
/* Events the producer dropped (the sum of `lost` events read so far; once
 * tt_reader_next returned 0, of the whole file). */
TT_EXTERN uint64_t tt_reader_lost(const tt_reader *r);
/* Events returned so far. */
TT_EXTERN uint64_t tt_reader_events(const tt_reader *r);
/* Go to the first chunk that holds events at or after ts (CLOCK_MONOTONIC
 * ns): through the index of a complete file, by walking chunk headers in a
 * cut one. Events before ts may still come (chunks overlap, threads
 * interleave): skip them. Returns 0 or < 0 (the reason in tt_reader_error). */
TT_EXTERN int tt_reader_seek(tt_reader *r, uint64_t ts);
TT_EXTERN void tt_reader_close(tt_reader *r);

typedef struct tt_writer tt_writer;
typedef struct tt_writer_opts {
  int level;         /* zlib level 0..9; -1: the default (1, chosen by measurement) */
  size_t chunk_size; /* uncompressed bytes per chunk; 0: the default (64 KiB) */
  size_t ring_bytes; /* flight recorder: keep only the last ring_bytes of
                        compressed chunks (written at close); 0: off */
} tt_writer_opts;
/* Create path, or replace it if it is a regular file of the caller's with
 * one link, for the events of process *proc; never through a symbolic link
 * (-EPERM), nor a FIFO or device (-EINVAL), nor a file of another user's or
 * with other names (-EPERM). New files are 0600. opts may be NULL. Returns
 * 0 or -errno (-EINVAL for bad options). */
TT_EXTERN int tt_writer_open(tt_writer **out, const char *path, const tt_proc_info *proc,
                             const tt_writer_opts *opts);
/* Append one event (ev->pid, ev->tid, ev->ts, fields by the schema; strings
 * are copied/interned). Events of one thread must come in ts order
 * (an earlier ts is clamped). Returns 0, -EINVAL (unknown type), -errno. */
TT_EXTERN int tt_writer_event(tt_writer *w, const tt_trace_event *ev);
/* Write what is buffered as a chunk (a cut after this keeps it). */
TT_EXTERN int tt_writer_flush(tt_writer *w);
/* Flush, write the index and end record, close, free. Returns 0 or -errno
 * (the first error met while writing: a full disk is -ENOSPC). */
TT_EXTERN int tt_writer_close(tt_writer *w);

/* ---- Emission (used by the runtime) -------------------------------------
 *
 * tt__trace_on is zero unless some sink is active: a disabled build pays one
 * load and one branch per emission site. The _slow functions time-stamp the
 * event and hand it to each active sink (native stream, LTTng-UST).
 */
#define TT__TRACE_NATIVE 1u
#define TT__TRACE_LTTNG 2u
TT_EXTERN extern unsigned tt__trace_on;

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

#define TT__DECL_EMIT(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                               \
  TT_EXTERN void tt__emit_##name##_slow(TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2)           \
                                            TT__PN_##k3(f3));                                      \
  static inline void tt__emit_##name(TT__P1(k0, f0) TT__PN_##k1(f1) TT__PN_##k2(f2)              \
                                         TT__PN_##k3(f3)) {                                        \
    if (TT_UNLIKELY(tt__trace_on))                                                                 \
      tt__emit_##name##_slow(f0 TT__AN_##k1(f1) TT__AN_##k2(f2) TT__AN_##k3(f3));                 \
  }
TT_EVENTS(TT__DECL_EMIT)
#undef TT__DECL_EMIT

/* Start tracing for this process from the environment (TASKTRACE_COLLECTOR,
 * the LTTng provider). Idempotent. Returns 0 or a negative errno with a
 * message already printed on stderr. */
TT_EXTERN int tt_tracer_init(void);
/* Fold the LTTng tracepoints' enabled state into tt__trace_on (the loop
 * calls it once per iteration, before polling; tracer/src/lttng.c). */
#if TT_LTTNG
TT_EXTERN void tt__lttng_refresh(void);
#else
static inline void tt__lttng_refresh(void) {}
#endif
/* Flush what is buffered to every sink (at exit, before a crash dump). */
TT_EXTERN void tt_tracer_flush(void);

/* CLOCK_MONOTONIC in nanoseconds: the one clock of every timestamp. */
TT_EXTERN uint64_t tt_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif /* TASKTRACE_TRACER_H */
