/* tasktrace viewer — the one public header of the viewer component:
 * trace sources, the timeline model, analyses and renderers.
 *
 * The pipeline: a tt_source hands out decoded events (tt_trace_event) in
 * time order, merged over any number of inputs (.ttrace files, LTTng trace
 * directories, arrays); tt_model consumes them one at a time and keeps, for
 * every task, lock and process, only its running totals and current state —
 * memory grows with the number of tasks and locks, never with the number of
 * events. Renderers that need the intervals themselves (timeline, Perfetto,
 * HTML) receive them through hooks as each one closes, and stream them out.
 *
 * Errors, one convention for the whole header: a function that can fail
 * returns 0 (or 1 for "an event", or a count) or a negative errno. When
 * there is more to say than the errno (which file, where, what was read),
 * it takes `char *err, size_t errlen` from the caller and writes one line
 * for the user there on failure (err may be NULL; it is left alone on
 * success). Constructors return such an int and fill *out on success only
 * (-EINVAL: bad options, -ENOMEM: out of memory). Objects keep no error
 * strings of their own; tt_source_note is not an error (a cut file's
 * missing tail) and is NULL when there is nothing to note. Nothing here
 * prints, except tt_model_load's progress line on a terminal.
 */
#ifndef TASKTRACE_VIEWER_H
#define TASKTRACE_VIEWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tasktrace/ttrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Format a duration in ns for people: "850 ns", "12.3 us", "4.56 ms",
 * "1.234 s". Writes at most len bytes to buf (NUL included); returns buf. */
TT_EXTERN char *tt_fmt_duration(uint64_t ns, char *buf, size_t len);
/* Parse a duration for people: "1200", "1200ns", "3.5us", "12ms", "2s".
 * A bare number is nanoseconds. Returns 0 or -EINVAL. */
TT_EXTERN int tt_parse_duration(const char *s, uint64_t *ns);

/* ---- Sources -------------------------------------------------------------
 *
 * The messages in err name the culprit: file, offset, what was read. */
typedef struct tt_source tt_source;

/* The trace on standard input (the file name "-"), read to its end on the
 * first call and kept for the process: 0 with *data and *len, or a negative
 * errno with the reason in err (a terminal is refused). tt_source_open
 * takes "-" itself; this is for tools that read with tt_reader_open_mem. */
TT_EXTERN int tt_stdin_trace(const void **data, size_t *len, char *err, size_t errlen);

/* Open a trace: a .ttrace file, a directory written by `lttng` (any
 * level of it: the CTF stream directories are found inside), or a live
 * LTTng session served by lttng-relayd
 * (net://HOST/host/HOSTNAME/SESSION, through libbabeltrace2's
 * src.ctf.lttng-live): its events as they arrive, to the session's end. */
TT_EXTERN int tt_source_open(const char *path, tt_source **out, char *err, size_t errlen);
/* Open several traces and merge them in time order (n == 1: just open). */
TT_EXTERN int tt_source_open_all(const char *const *paths, size_t n, tt_source **out, char *err,
                                 size_t errlen);
/* Merge sources in time order; takes ownership of the n sources (and frees
 * them even on failure). Each input must itself be in time order. */
TT_EXTERN int tt_source_merge(tt_source **srcs, size_t n, tt_source **out);
/* A source over an array of events, borrowed, for tests and tools. */
TT_EXTERN int tt_source_from_array(const tt_trace_event *ev, size_t n, tt_source **out);
/* An LTTng trace directory through libbabeltrace2 (-ENOTSUP without it). */
TT_EXTERN int tt_source_open_lttng(const char *dir, tt_source **out, char *err, size_t errlen);

/* The next event: 1 (ev filled; its strings live as long as the source),
 * 0 at the end, a negative errno on error (what went wrong in err). */
TT_EXTERN int tt_source_next(tt_source *src, tt_trace_event *ev, char *err, size_t errlen);
/* After the end: a note on data that could not be read (a truncated file's
 * missing tail, ...), or NULL when everything was read. */
TT_EXTERN const char *tt_source_note(const tt_source *src);
/* A live source waits for events; with ms > 0, tt_source_next returns
 * -EAGAIN (not an error: call it again) when it has nothing to hand out
 * and either events were handed out since its last -EAGAIN (a burst has
 * ended) or ms have passed since then, so that the caller can show what
 * it has (summary --follow). 0: wait (the default). */
TT_EXTERN void tt_source_set_follow(tt_source *src, unsigned ms);
/* Progress: work done so far (events read) and in total (0 when unknown). */
TT_EXTERN void tt_source_progress(const tt_source *src, uint64_t *done, uint64_t *total);
TT_EXTERN void tt_source_close(tt_source *src);
/* The schema's event types the recording left out, one bit per type
 * (1 << type): an LTTng session whose log level or event rule did not
 * enable them (`--loglevel=TRACE_INFO` drops task_switch), so that their
 * absence says nothing of the program. 0 when every type was recorded, or
 * for a .ttrace file (the collector records all). Known once events have
 * been read (tt_model_load passes it on to the model). */
TT_EXTERN uint64_t tt_source_unrecorded(const tt_source *src);

/* ---- The model ------------------------------------------------------------ */

/* The state of a task (or of a loop lane) over an interval. */
enum tt_vstate {
  TT_VS_RUNNING = 1,  /* on the CPU */
  TT_VS_RUNNABLE = 2, /* ready, waiting for the loop */
  TT_VS_BLOCKED = 3,  /* parked: why (tt_state) on object */
  TT_VS_GAP = 4,      /* unknown: events were lost here */
  TT_VS_POLL = 5,     /* loop lane: blocked in poll (idle) */
  TT_VS_MAX
};
TT_EXTERN const char *tt_vstate_name(unsigned vstate);

typedef struct tt_interval {
  uint32_t pid;    /* process */
  uint32_t tid;    /* loop thread (loop lanes), else 0 */
  uint64_t task;   /* task id; 0 for a loop lane */
  uint8_t state;   /* enum tt_vstate */
  uint8_t why;     /* TT_VS_BLOCKED: enum tt_state */
  uint64_t object; /* TT_VS_BLOCKED: the object waited on */
  uint64_t begin, end;
} tt_interval;

/* A causal edge: `from` made `to` runnable (task_wake), or a lock handed
 * from its releaser to the next holder. */
typedef struct tt_flow {
  uint32_t pid;
  uint64_t from, to; /* task ids; from == 0: the loop (timer, I/O) */
  uint64_t object;   /* what the wake was about */
  uint64_t ts;
  bool handoff;      /* object is a lock: a hand-off */
} tt_flow;

/* Hooks a renderer sets to receive what the model derives, in close order
 * (roughly time order). Any may be NULL. */
typedef struct tt_model tt_model;
typedef struct tt_model_hooks {
  void *arg;
  void (*interval)(void *arg, const tt_model *m, const tt_interval *iv);
  void (*flow)(void *arg, const tt_model *m, const tt_flow *fl);
  /* Point events passed through: mark, region_begin/end, slow_step,
   * lock_contended, lost. */
  void (*instant)(void *arg, const tt_model *m, const tt_trace_event *ev);
} tt_model_hooks;

typedef struct tt_vtask {
  uint32_t pid;
  uint64_t id, parent;
  char *name;        /* never NULL ("task-ID" until named) */
  char *site;        /* spawn site, or NULL (shared between tasks: the model owns it) */
  uint64_t created;  /* first seen (task_create, or first event) */
  uint64_t ended;    /* task_exit time, 0 while alive */
  bool exited;
  int status;        /* enum tt_exit_status, when exited */
  int64_t result;
  uint64_t busy, runnable, blocked, gap; /* total ns per state */
  uint64_t switches;                     /* times switched in */
  uint64_t wakes;                        /* times woken by someone */
  uint64_t longest_step, longest_step_at;
  /* Live state (while reading). */
  uint8_t state, why;
  uint64_t object, since;
  uint64_t gap_seen; /* the process's losses already applied to it */
  uint64_t timeouts; /* waits of it that ended by their deadline (wait_timeout) */
  bool deadlocked;   /* in a deadlock the runtime reported */
  bool timing_out;   /* live: its wait reached its deadline, the wake is next */
} tt_vtask;

#define TT_VLOCK_HOLDERS 4
typedef struct tt_vlock {
  uint32_t pid;
  uint64_t id;
  char *name; /* never NULL */
  uint64_t releases;               /* acquire/release pairs seen */
  uint64_t contended;              /* acquires that had to wait */
  uint64_t wait_total, wait_max;   /* over contended acquires */
  uint64_t hold_total, hold_max;
  uint64_t max_waiters;            /* most tasks queued at once */
  uint64_t waiting;                /* live: queued now */
  /* The holders others waited for most, by count. */
  struct {
    uint64_t task, count;
  } holders[TT_VLOCK_HOLDERS];
  uint64_t holders_other; /* contended acquires blamed on other holders */
  uint64_t acquires;      /* lock_acquired seen (older traces: contended ones only) */
  uint64_t holder, held_since; /* live: the task holding it (0: free), since when */
  uint64_t timeouts;      /* waits for it that timed out */
  uint64_t unfinished, unfinished_max; /* waits still going at the end of the trace */
  bool deadlocked;        /* waited for in a deadlock the runtime reported */
} tt_vlock;

/* Every other sync object a task used or waited on: events, semaphores,
 * conditions, queues. */
typedef struct tt_vobj {
  uint32_t pid;
  uint64_t id;
  unsigned kind;    /* enum tt_kind */
  uint64_t signals; /* event: sets; sem: releases; cond: notifies; queue: puts */
  uint64_t takes;   /* event: clears; sem: acquires; queue: gets */
  uint64_t woken;   /* waiters its signals woke */
  uint64_t missed;  /* event: sets cleared before any waiter was woken by them */
  uint64_t waits, wait_total, wait_max; /* ended waits on it */
  uint64_t timeouts;                    /* of which ended by their deadline */
  uint64_t unfinished, unfinished_max;  /* waits still going at the end of the trace */
  bool deadlocked;                      /* waited on in a reported deadlock */
  bool unseen;                          /* live (event): set, and nobody woken by it yet */
} tt_vobj;

/* A deadlock the runtime reported (a deadlock event and its edges). */
#define TT_VDEADLOCK_EDGES 32
typedef struct tt_vdeadlock {
  uint32_t pid;
  uint64_t ts;
  uint64_t task;  /* whose blocking call found it; 0: the loop found no task could run */
  uint64_t tasks; /* tasks the runtime counted in it */
  char *call;     /* "tt_lock_acquire", "tt_join", "loop" */
  size_t nedges;  /* at most TT_VDEADLOCK_EDGES kept */
  struct {
    uint64_t task, object, holder; /* task waits on object, held by holder (0: none) */
    char *site;                    /* where it waits, "" when unknown */
  } edges[TT_VDEADLOCK_EDGES];
} tt_vdeadlock;

typedef struct tt_vproc {
  uint32_t pid;
  uint64_t first_ts, last_ts;
  uint64_t events;
  uint64_t lost, lost_records; /* events lost, and how many lost reports */
  uint64_t poll_ns;            /* time loops spent in poll (idle) */
  uint64_t loop_span_ns;       /* time covered by loop activity */
  uint64_t ntasks, nlive;
  uint64_t slow_steps;
  void *latency;               /* private to the model: latency histogram, gap state */
} tt_vproc;

typedef struct tt_vslow {
  uint32_t pid;
  uint64_t task, ts, duration;
  const char *site;
} tt_vslow;

/* hooks may be NULL. Returns 0 or -ENOMEM. */
TT_EXTERN int tt_model_new(const tt_model_hooks *hooks, tt_model **out);
TT_EXTERN void tt_model_free(tt_model *m);
/* Feed one event (in time order). Returns 0, -ENOMEM, or -E2BIG past the
 * limit on tasks and named objects ("more than 1000000 tasks" in err). */
TT_EXTERN int tt_model_add(tt_model *m, const tt_trace_event *ev, char *err, size_t errlen);
/* The model's memory is bounded by what a trace declares, not by its size:
 * a small compressed file can declare millions of tasks. At most max tasks,
 * and at most max named objects and locks (0: TT_MODEL_MAX_TASKS). */
#define TT_MODEL_MAX_TASKS 1000000u
TT_EXTERN void tt_model_set_max_tasks(tt_model *m, uint64_t max);
TT_EXTERN uint64_t tt_model_max_tasks(const tt_model *m);
/* The event types the recording left out (tt_source_unrecorded): what the
 * model derives from them is unknown, and the renderers say so ("?"). */
TT_EXTERN void tt_model_set_unrecorded(tt_model *m, uint64_t mask);
TT_EXTERN uint64_t tt_model_unrecorded(const tt_model *m);
/* One line for people: the events of mask and what cannot be known
 * without them ("not recorded: task_switch (...): busy, ... unknown").
 * Writes at most len bytes (NUL included); returns buf ("" for mask 0). */
TT_EXTERN char *tt_unrecorded_describe(uint64_t mask, char *buf, size_t len);
/* The end of the input: closes every open interval at the last time seen. */
TT_EXTERN void tt_model_finish(tt_model *m);

TT_EXTERN uint64_t tt_model_events(const tt_model *m);
TT_EXTERN uint64_t tt_model_first_ts(const tt_model *m);
TT_EXTERN uint64_t tt_model_last_ts(const tt_model *m);
TT_EXTERN size_t tt_model_nprocs(const tt_model *m);
TT_EXTERN const tt_vproc *tt_model_proc(const tt_model *m, size_t i);
/* Tasks in order of first appearance. */
TT_EXTERN size_t tt_model_ntasks(const tt_model *m);
TT_EXTERN const tt_vtask *tt_model_task(const tt_model *m, size_t i);
TT_EXTERN const tt_vtask *tt_model_find_task(const tt_model *m, uint32_t pid, uint64_t id);
TT_EXTERN size_t tt_model_nlocks(const tt_model *m);
TT_EXTERN const tt_vlock *tt_model_lock(const tt_model *m, size_t i);
/* The other sync objects, in order of first appearance. */
TT_EXTERN size_t tt_model_nobjs(const tt_model *m);
TT_EXTERN const tt_vobj *tt_model_obj(const tt_model *m, size_t i);
/* The deadlocks reported, in time order; at most TT_MODEL_DEADLOCKS_KEEP. */
#define TT_MODEL_DEADLOCKS_KEEP 16
TT_EXTERN size_t tt_model_ndeadlocks(const tt_model *m);
TT_EXTERN const tt_vdeadlock *tt_model_deadlock(const tt_model *m, size_t i);
/* The slowest steps (slow_step events), longest first; at most
 * TT_MODEL_SLOW_KEEP are kept, tt_vproc.slow_steps counts them all. */
#define TT_MODEL_SLOW_KEEP 256
TT_EXTERN size_t tt_model_nslow(const tt_model *m);
TT_EXTERN const tt_vslow *tt_model_slow(const tt_model *m, size_t i);
/* The name of object id in process pid and its kind (tt_kind), or NULL. */
TT_EXTERN const char *tt_model_object_name(const tt_model *m, uint32_t pid, uint64_t id,
                                           unsigned *kind);
/* Scheduling latency (runnable -> running) of process i: quantile q in
 * [0,1] (q == 1: the exact maximum), and the number of samples. */
TT_EXTERN uint64_t tt_model_latency(const tt_model *m, size_t proc, double q);
TT_EXTERN uint64_t tt_model_latency_count(const tt_model *m, size_t proc);

/* Read every event of src into m, showing progress on stderr when it is a
 * terminal (label names the input). Returns 0, or a negative errno with a
 * message in err. Calls tt_model_finish. */
TT_EXTERN int tt_model_load(tt_model *m, tt_source *src, const char *label, char *err,
                            size_t errlen);

/* ---- Renderers -------------------------------------------------------------
 * Each writes to a FILE and returns 0 or a negative errno. */
TT_EXTERN int tt_render_summary(const tt_model *m, FILE *out);
TT_EXTERN int tt_render_locks(const tt_model *m, FILE *out);
TT_EXTERN int tt_render_slow(const tt_model *m, FILE *out, size_t limit);

/* The terminal timeline: a grid of `width` columns over [from, to) (ns
 * from the first event of the trace) for the lanes selected. Feed it as
 * model hooks, then render. */
typedef struct tt_timeline tt_timeline;
typedef struct tt_timeline_opts {
  uint64_t from, to;   /* ns since the first event, to > from */
  unsigned width;      /* columns for the time axis */
  const char *task;    /* only tasks with this name or id (NULL: all) */
  bool color;          /* ANSI colours */
} tt_timeline_opts;
/* -EINVAL (with why in err) when to <= from or width is 0. */
TT_EXTERN int tt_timeline_new(const tt_timeline_opts *opts, tt_timeline **out, char *err,
                              size_t errlen);
TT_EXTERN void tt_timeline_hooks(tt_timeline *tl, tt_model_hooks *hooks);
TT_EXTERN int tt_timeline_render(tt_timeline *tl, const tt_model *m, FILE *out);
TT_EXTERN void tt_timeline_free(tt_timeline *tl);
/* The letters of the blocked states, from the schema (TT_STATES): "z sleep"
 * for each reason that has one, separated by sep; wrap > 0 breaks the line
 * before an item that would pass column wrap and indents the next line by
 * indent (the column the first item starts at). */
TT_EXTERN void tt_timeline_legend(FILE *out, const char *sep, unsigned wrap, int indent);

/* Chrome trace event JSON (Perfetto UI, chrome://tracing), streamed: begin
 * before reading, hooks while reading, end (metadata) after. */
typedef struct tt_perfetto tt_perfetto;
TT_EXTERN int tt_perfetto_begin(FILE *out, tt_perfetto **p);
TT_EXTERN void tt_perfetto_hooks(tt_perfetto *p, tt_model_hooks *hooks);
/* Writes the metadata, closes the JSON and frees p; returns 0 or -EIO. */
TT_EXTERN int tt_perfetto_end(tt_perfetto *p, const tt_model *m);
/* Free p without ending the output (nothing was read: the output is dropped). */
TT_EXTERN void tt_perfetto_free(tt_perfetto *p);

/* The self-contained HTML page, streamed the same way. */
typedef struct tt_html tt_html;
TT_EXTERN int tt_html_begin(FILE *out, const char *title, tt_html **h);
TT_EXTERN void tt_html_hooks(tt_html *h, tt_model_hooks *hooks);
TT_EXTERN int tt_html_end(tt_html *h, const tt_model *m);
/* Free h without ending the page. */
TT_EXTERN void tt_html_free(tt_html *h);

/* Escaping: every name from a trace goes through one of these. */
/* s as the inside of a JSON string, safe inside an HTML <script> too
 * (<, >, & and U+2028/9 as \uXXXX); invalid UTF-8 becomes U+FFFD. */
TT_EXTERN void tt_json_escape(FILE *out, const char *s);
/* s as HTML text or attribute value (&<>"' as entities; controls, C1 and
 * bidi overrides/isolates as U+FFFD, so a title cannot reorder the page). */
TT_EXTERN void tt_html_escape(FILE *out, const char *s);

#ifdef __cplusplus
}
#endif
#endif
