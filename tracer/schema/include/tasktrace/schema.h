/* tasktrace event schema — <tasktrace/schema.h>, for every consumer of events.
 *
 * The single source of truth for every event the runtime emits: the
 * LTTng-UST provider (generated at build time by tracer/schema/gen_lttng.c),
 * the native encoder and decoder (tracer/format) and the viewer's names are
 * all derived from the lists below. Add an event here and every consumer
 * follows; tests/tracer checks that they agree.
 *
 * Errors: the lookups return NULL / TT_EV_NONE for what they do not know.
 */
#ifndef TASKTRACE_SCHEMA_H
#define TASKTRACE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include "tasktrace/defs.h"

#ifdef __cplusplus
extern "C" {
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

#ifdef __cplusplus
}
#endif
#endif /* TASKTRACE_SCHEMA_H */
