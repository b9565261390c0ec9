/* tasktrace event schema — <tasktrace/schema.h>, for every consumer of events.
 *
 * The single source of truth for every event the runtime emits and every
 * reason a task waits: the LTTng-UST provider and its enumerations
 * (generated at build time by tracer/emit/lttng/gen_lttng.c), the native
 * encoder and decoder (tracer/format), the viewer's model, renderers and
 * legends, `tasktrace dump` and the runtime's reports are all derived from
 * the lists below (TT_EVENTS, TT_EVENT_META, TT_STATES, TT_KINDS,
 * TT_EXITS). docs/architecture.md, "Adding an event or a wait reason",
 * lists what else to write; tests/tracer and tests/viewer check that the
 * consumers agree.
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
  X(1, task_create, INFO, U64, task, U64, parent, STR, name, STR, site)                              \
  X(2, task_switch, DEBUG, U64, prev, U64, next, U64, prev_state, U64, object)                       \
  X(3, task_wake, DEBUG, U64, task, U64, waker, U64, object, NONE, _3)                               \
  X(4, task_exit, INFO, U64, task, U64, status, I64, result, NONE, _3)                               \
  X(5, slow_step, WARNING, U64, task, U64, duration_ns, STR, site, NONE, _3)                         \
  X(6, lock_contended, NOTICE, U64, lock, U64, waiter, U64, holder, NONE, _3)                        \
  X(7, lock_acquired, INFO, U64, lock, U64, task, U64, wait_ns, NONE, _3)                            \
  X(8, lock_released, DEBUG, U64, lock, U64, task, U64, hold_ns, NONE, _3)                           \
  X(9, loop_poll_begin, DEBUG, U64, loop, I64, timeout_ns, NONE, _2, NONE, _3)                       \
  X(10, loop_poll_end, DEBUG, U64, loop, NONE, _1, NONE, _2, NONE, _3)                               \
  X(11, object_name, INFO, U64, object, U64, kind, STR, name, NONE, _3)                              \
  X(12, mark, INFO, U64, task, STR, name, NONE, _2, NONE, _3)                                        \
  X(13, region_begin, INFO, U64, task, STR, name, NONE, _2, NONE, _3)                                \
  X(14, region_end, INFO, U64, task, STR, name, NONE, _2, NONE, _3)                                  \
  X(15, lost, WARNING, U64, count, NONE, _1, NONE, _2, NONE, _3)                                     \
  X(16, event_set, DEBUG, U64, event, U64, task, U64, woken, NONE, _3)                               \
  X(17, event_clear, DEBUG, U64, event, U64, task, U64, was_set, NONE, _3)                           \
  X(18, sem_acquired, DEBUG, U64, sem, U64, task, U64, value, NONE, _3)                              \
  X(19, sem_released, DEBUG, U64, sem, U64, task, U64, value, U64, woken)                            \
  X(20, cond_notify, DEBUG, U64, cond, U64, task, I64, asked, U64, woken)                            \
  X(21, queue_put, DEBUG, U64, queue, U64, task, U64, count, NONE, _3)                               \
  X(22, queue_get, DEBUG, U64, queue, U64, task, U64, count, NONE, _3)                               \
  X(23, wait_timeout, INFO, U64, task, U64, object, U64, state, NONE, _3)                            \
  X(24, deadlock, WARNING, U64, task, U64, tasks, STR, call, NONE, _3)                               \
  X(25, deadlock_edge, WARNING, U64, task, U64, object, U64, holder, STR, site)                      \
  X(30, race, WARNING, U64, task, U64, other, U64, read_ts, STR, what)                               \
  X(31, lock_inversion, WARNING, U64, task, U64, other, U64, lock, STR, what)                        \
  X(34, statedump_begin, INFO, U64, tasks, NONE, _1, NONE, _2, NONE, _3)                             \
  X(35, statedump_task, INFO, U64, task, U64, parent, STR, name, STR, site)                          \
  X(36, statedump_task_state, INFO, U64, task, U64, state, U64, object, NONE, _3)                    \
  X(37, statedump_object, INFO, U64, object, U64, kind, STR, name, U64, holder)                      \
  X(38, statedump_end, INFO, U64, tasks, NONE, _1, NONE, _2, NONE, _3)

enum tt_ev_type {
  TT_EV_NONE = 0,
#define TT__ENUM(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3) TT_EV_##name = id,
  TT_EVENTS(TT__ENUM)
#undef TT__ENUM
      TT_EV_MAX /* one past the largest id */
};

#define TT_EVENT_FIELDS 4

/* What a consumer needs besides the layout, joined to TT_EVENTS by name:
 * M(name, flags, pair, enum0, enum1, enum2, enum3, meaning).
 * flags: TT_EVF_* (NONE: 0). pair: the other end of a BEGIN/END pair, or
 * NONE. enumN: the enum type of field N (TT_ENUM_*: STATE, KIND, EXIT,
 * NONE), so that decoders print names generically. meaning: one line, for
 * docs and tools. Every event of TT_EVENTS has exactly one line here (a
 * _Static_assert in schema.c counts them; tests/viewer checks each). */
#define TT_EVF_NONE 0u
#define TT_EVF_INSTANT 1u /* a point event renderers show as it is (a mark, on a lane) */
#define TT_EVF_BEGIN 2u   /* opens a span that `pair` closes */
#define TT_EVF_END 4u     /* closes the span that `pair` opened */
#define TT_EVF_NAMES 8u   /* only names something: not activity (start-up) */
#define TT_EVF_LOOP 16u   /* about the loop's thread (its lane), not a task */
#define TT_EVF_LOOP_BEGIN (TT_EVF_LOOP | TT_EVF_BEGIN)
#define TT_EVF_LOOP_END (TT_EVF_LOOP | TT_EVF_END)

#define TT_EVENT_META(M)                                                                           \
  M(task_create, NONE, NONE, NONE, NONE, NONE, NONE,                                                 \
    "a task was spawned by parent, with its name and spawn site; it is runnable")                    \
  M(task_switch, NONE, NONE, NONE, NONE, STATE, NONE,                                                \
    "prev stops running (prev_state says why, on object) and next runs; 0 is the loop")              \
  M(task_wake, NONE, NONE, NONE, NONE, NONE, NONE,                                                   \
    "a blocked task is runnable again, woken by waker (0: the loop) about object")                   \
  M(task_exit, NONE, NONE, NONE, EXIT, NONE, NONE, "a task ended with status and result")            \
  M(slow_step, INSTANT, NONE, NONE, NONE, NONE, NONE,                                                \
    "a step (or callback, task 0) ran duration_ns without yielding, ending at site")                 \
  M(lock_contended, INSTANT, NONE, NONE, NONE, NONE, NONE,                                           \
    "waiter found lock held by holder and waits")                                                    \
  M(lock_acquired, NONE, NONE, NONE, NONE, NONE, NONE,                                               \
    "task got lock after waiting wait_ns (0: it was free; every acquire)")                           \
  M(lock_released, NONE, NONE, NONE, NONE, NONE, NONE, "task released lock after holding it hold_ns") \
  M(loop_poll_begin, LOOP_BEGIN, loop_poll_end, NONE, NONE, NONE, NONE,                              \
    "the loop blocks polling for I/O, for at most timeout_ns (-1: no limit)")                        \
  M(loop_poll_end, LOOP_END, loop_poll_begin, NONE, NONE, NONE, NONE,                                \
    "the loop is back from its poll")                                                                \
  M(object_name, NAMES, NONE, NONE, KIND, NONE, NONE, "object (of kind) is called name")             \
  M(mark, INSTANT, NONE, NONE, NONE, NONE, NONE, "task marked this moment with name (tt_mark)")      \
  M(region_begin, BEGIN, region_end, NONE, NONE, NONE, NONE,                                         \
    "task enters the region called name (tt_region_begin)")                                          \
  M(region_end, END, region_begin, NONE, NONE, NONE, NONE, "task leaves the region called name")     \
  M(lost, INSTANT, NONE, NONE, NONE, NONE, NONE,                                                     \
    "count events of this process were lost here (buffer full)")                                     \
  M(event_set, NONE, NONE, NONE, NONE, NONE, NONE,                                                   \
    "task (0: the loop) set event, waking woken waiters")                                            \
  M(event_clear, NONE, NONE, NONE, NONE, NONE, NONE,                                                 \
    "task cleared event (was_set: 1 if it was set, a signal nobody may have seen)")                  \
  M(sem_acquired, NONE, NONE, NONE, NONE, NONE, NONE,                                                \
    "task took a permit of sem (at once or handed over), value permits left")                        \
  M(sem_released, NONE, NONE, NONE, NONE, NONE, NONE,                                                \
    "task gave a permit back to sem: to a waiter (woken 1) or to value")                             \
  M(cond_notify, NONE, NONE, NONE, NONE, NONE, NONE,                                                 \
    "task notified cond for asked waiters (-1: all), woken were there")                              \
  M(queue_put, NONE, NONE, NONE, NONE, NONE, NONE,                                                   \
    "an item of task went into queue (or to a getter), count items now in it")                       \
  M(queue_get, NONE, NONE, NONE, NONE, NONE, NONE,                                                   \
    "task took an item from queue (or from a putter), count items left")                             \
  M(wait_timeout, INSTANT, NONE, NONE, NONE, STATE, NONE,                                            \
    "task's wait (state, on object) reached its deadline: the task_wake that follows timed out")     \
  M(deadlock, INSTANT, NONE, NONE, NONE, NONE, NONE,                                                 \
    "a deadlock of tasks waiting tasks, found at call (loop: none can run); edges follow")           \
  M(deadlock_edge, NONE, NONE, NONE, NONE, NONE, NONE,                                               \
    "in the deadlock just reported, task waits at site on object, held by holder (0: none)")         \
  M(race, INSTANT, NONE, NONE, NONE, NONE, NONE,                                                     \
    "the race detector found a race of task with other; read_ts: when the step of its read "         \
    "began (0: unknown); what: the report in one line")                                              \
  M(lock_inversion, INSTANT, NONE, NONE, NONE, NONE, NONE,                                           \
    "task took lock in the opposite order to other's (debug mode): a deadlock in another "           \
    "schedule; what: the four sites")                                                                \
  M(statedump_begin, NAMES, NONE, NONE, NONE, NONE, NONE,                                            \
    "an LTTng session began while the program ran: the state of its tasks tasks follows")            \
  M(statedump_task, NAMES, NONE, NONE, NONE, NONE, NONE,                                             \
    "state dump: task, spawned by parent (0: unknown), is alive, with its name and spawn site")      \
  M(statedump_task_state, NONE, NONE, NONE, STATE, NONE, NONE,                                       \
    "state dump: task is runnable (state yield), finished (done) or parked (why) on object")         \
  M(statedump_object, NAMES, NONE, NONE, KIND, NONE, NONE,                                           \
    "state dump: object (of kind) is called name; a lock held by holder (0: free or unknown)")       \
  M(statedump_end, NAMES, NONE, NONE, NONE, NONE, NONE, "the state dump of tasks tasks is complete")

/* Enum types of integer fields (tt_ev_desc.etype). */
#define TT_ENUM_NONE 0
#define TT_ENUM_STATE 1 /* enum tt_state */
#define TT_ENUM_KIND 2  /* enum tt_kind */
#define TT_ENUM_EXIT 3  /* enum tt_exit_status */
#define TT_ENUM_MAX 4

/* What the schema says about one event, as data (for decoders and viewers). */
typedef struct tt_ev_desc {
  const char *name;                     /* "task_switch" */
  int loglevel;                         /* TT_LL_* */
  int nfields;                          /* used slots, 1..4 */
  uint8_t kind[TT_EVENT_FIELDS];        /* TT_FIELD_* */
  const char *field[TT_EVENT_FIELDS];   /* field names */
  uint8_t etype[TT_EVENT_FIELDS];       /* TT_ENUM_* of each field */
  unsigned flags;                       /* TT_EVF_* */
  unsigned pair;                        /* BEGIN/END: the other end's type, else TT_EV_NONE */
  const char *meaning;                  /* one line */
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

/* What an object id names (object_name.kind). */
#define TT_KINDS(X)                                                                                \
  X(0, task) X(1, lock) X(2, event) X(3, queue) X(4, sem) X(5, cond) X(6, io) X(7, loop)             \
      X(8, timer)
enum tt_kind {
#define TT__KD(v, n) TT_KIND_##n = v,
  TT_KINDS(TT__KD)
#undef TT__KD
      TT_KIND_MAX
};
TT_EXTERN const char *tt_kind_name(unsigned kind);

/* Why a task stopped running (task_switch.prev_state): the one list every
 * consumer of a reason is derived from. X(value, name, word, letter,
 * colour, cname, on):
 * - word: what the runtime's reports say of a task parked for it, before
 *   the object's name ("waits for lock" 'L');
 * - letter: the terminal timeline's character for a task blocked for it,
 *   0 for the reasons a task never parks for (yield, done, start);
 * - colour: the HTML timeline's (and the legend's) colour;
 * - cname: the Chrome trace viewer's reserved colour name (Perfetto JSON);
 * - on: the kind of object the task waits on, named in reports (-1: none).
 * Values are part of the file format: never reuse one. Add a reason here,
 * and the code that parks for it (runtime/src); every consumer follows. */
#define TT_STATES(X)                                                                               \
  X(0, yield, "yields", 0, "#f2c12e", "thread_state_runnable", -1)                                   \
  X(1, sleep, "sleeps", 'z', "#9ecae1", "thread_state_sleeping", -1)                                 \
  X(2, lock, "waits for lock", 'L', "#d62728", "terrible", TT_KIND_lock)                             \
  X(3, event, "waits for event", 'e', "#5b7fce", "thread_state_uninterruptible", TT_KIND_event)      \
  X(4, queue_put, "waits for room in queue", 'p', "#8c6bb1", "olive", TT_KIND_queue)                 \
  X(5, queue_get, "waits for an item from queue", 'q', "#6a51a3", "olive", TT_KIND_queue)            \
  X(6, sem, "waits for semaphore", 's', "#3182bd", "thread_state_uninterruptible", TT_KIND_sem)      \
  X(7, cond, "waits for condition", 'c', "#756bb1", "thread_state_uninterruptible", TT_KIND_cond)    \
  X(8, join, "waits for task", 'j', "#7b8fa8", "grey", TT_KIND_task)                                 \
  X(9, io, "waits for I/O", 'i', "#17becf", "thread_state_iowait", TT_KIND_io)                       \
  X(10, done, "has finished", 0, "#5b7fce", "thread_state_unknown", -1)                              \
  X(11, start, "starts", 0, "#5b7fce", "thread_state_unknown", -1)                                   \
  X(12, queue_join, "waits to join queue", 'J', "#9e9ac8", "olive", TT_KIND_queue)
enum tt_state {
#define TT__ST(v, n, w, l, c, cn, on) TT_STATE_##n = v,
  TT_STATES(TT__ST)
#undef TT__ST
      TT_STATE_MAX
};
/* The columns of TT_STATES; for a value past the list: "unknown",
 * "waits for", '.', the colour of "blocked (other)", "thread_state_unknown"
 * and -1. */
TT_EXTERN const char *tt_state_name(unsigned state);
TT_EXTERN const char *tt_state_word(unsigned state);
TT_EXTERN char tt_state_letter(unsigned state);
TT_EXTERN const char *tt_state_colour(unsigned state);
TT_EXTERN const char *tt_state_cname(unsigned state);
TT_EXTERN int tt_state_on(unsigned state);
/* The colour of a blocked interval whose reason is unknown. */
#define TT_STATE_COLOUR_OTHER "#5b7fce"

/* How a task ended (task_exit.status). */
#define TT_EXITS(X) X(0, ok, OK) X(1, error, ERROR) X(2, cancelled, CANCELLED)
enum tt_exit_status {
#define TT__EX(v, n, N) TT_EXIT_##N = v,
  TT_EXITS(TT__EX)
#undef TT__EX
      TT_EXIT_MAX
};
TT_EXTERN const char *tt_exit_name(unsigned status);

/* Enums generically: the type's C name ("tt_state"), its number of values,
 * and the name of one value, NULL when the type or the value is unknown
 * (decoders then print the number). */
TT_EXTERN const char *tt_enum_type_name(unsigned etype);
TT_EXTERN unsigned tt_enum_count(unsigned etype);
TT_EXTERN const char *tt_enum_value_name(unsigned etype, uint64_t value);

#ifdef __cplusplus
}
#endif
#endif /* TASKTRACE_SCHEMA_H */
