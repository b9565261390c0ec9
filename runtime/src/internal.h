/* Private to the runtime: the loop, the task, the scheduler and the
 * wait/wake machinery every primitive is built on. */
#ifndef TT_RUNTIME_INTERNAL_H
#define TT_RUNTIME_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "ctx.h"
#include "tasktrace/emit.h"
#include "tasktrace/race_hooks.h"
#include "tasktrace/tasktrace.h"
#include "tt_base.h"

#define TT__HIDDEN __attribute__((visibility("hidden")))

/* ---- Intrusive doubly linked lists -------------------------------------- */

static inline void tt__list_init(tt__list *l) { l->next = l->prev = l; }
static inline bool tt__list_empty(const tt__list *l) { return l->next == l; }
static inline void tt__list_push(tt__list *l, tt__list *n) {
  n->prev = l->prev;
  n->next = l;
  l->prev->next = n;
  l->prev = n;
}
static inline void tt__list_remove(tt__list *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->next = n->prev = n;
}
#define tt__container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* ---- Tasks -------------------------------------------------------------- */

enum tt__task_state {
  TT__T_FREE = 0, /* in the pool; any handle to it is stale */
  TT__T_READY,    /* in the ready queue (maybe without a stack yet) */
  TT__T_RUNNING,
  TT__T_PARKED,   /* blocked in tt__park */
  TT__T_DONE,     /* finished; waits for its handle to be given back */
};

/* One record per blocked task on an object's wait list. Lives on the
 * waiting task's stack for the duration of the wait. */
typedef struct tt__waiter {
  tt__list link;
  tt_task *task;
  void *data; /* per primitive: the queue item, the cond's... */
} tt__waiter;

/* What only some tasks need, kept out of the record so that a plain task
 * (a default name, debug mode off) touches fewer bytes: a million of them
 * is a million records (task.c: tt__task_ext allocates it on first need). */
typedef struct tt__task_ext {
  char name[32];         /* the name given at spawn, or "task-N" once asked for */
  tt__list held;         /* debug mode: the locks it holds (tt_lock.held_link); next NULL: none yet */
  int64_t wait_reported; /* debug mode: parked_at of the lock wait last reported as long */
  const char *inv_from;  /* invariants on: where its current step began (NULL: its start) */
} tt__task_ext;

/* The task record. Its size is most of what a sleeping task costs beyond
 * its one stack page (`tasktrace-bench million`): 160 bytes on x86_64, so
 * cold and optional things live in tt__task_ext and the small fields share
 * words. */
struct tt_task {
  tt__ctx ctx;           /* saved registers while not running */
  tt_loop *loop;
  uint64_t id;
  tt_fn fn;
  void *arg;
  union {
    int result;          /* fn's return value once DONE */
    int wake_result;     /* while parked: what tt__park returns (never both) */
  };
  uint32_t heap_idx;     /* position in the loop's timer heap, or TT__NO_HEAP */
  uint32_t stack_size;   /* requested (0: default), then usable bytes; <= 1 GiB */
  unsigned vg_stack;     /* valgrind's id for the stack */
  uint8_t state;         /* enum tt__task_state */
  uint8_t block_state;   /* enum tt_state: why it is parked */
  uint8_t stack_kind;    /* enum tt__stack_kind */
  uint8_t cancel_pending; /* deliver -ECANCELED at the next yield point (a byte: read at every one) */
  /* Flags off the switch path share a byte. */
  uint8_t handle_out : 1;     /* the spawner's handle is not given back yet */
  uint8_t cancelled : 1;      /* a cancellation was delivered */
  uint8_t retrieved : 1;      /* someone got the result (join) */
  uint8_t uncancellable : 1;  /* this park ignores cancellation */
  uint8_t cancel_woken : 1;   /* woken by tt_cancel, its park has not returned yet */
  const void *block_ptr; /* the object (lock, task) it is parked on, for reports and the wait-for graph */
  tt__waiter *waiter;    /* its record on a wait list, NULL if none */
  tt_task *joiner;       /* the task blocked in tt_join on this one */
  int64_t deadline;      /* of the current park, TT_FOREVER if none */
  int64_t parked_at;     /* when the current park began */
  int64_t step_start;    /* when the current step began (slow steps) */
  const char *wait_site; /* file:line of the blocking call it is in (NULL: unknown) */
  void *stack;           /* lowest usable address, NULL until first run */
  const char *site;      /* spawn site, file:line (static string) */
  union {
    tt__list all;        /* in loop->tasks while not FREE */
    tt_task *next_free;  /* in the pool while FREE */
  };
  tt__task_ext *ext;     /* NULL until needed: a name given, debug mode, invariants */
};
#define TT__NO_HEAP UINT32_MAX

/* The id of the object a parked task waits on, for the trace: every object
 * starts with its tt__obj (io.h, tasktrace.h), a join waits on the task. */
static inline uint64_t tt__block_obj(const tt_task *t) {
  if (t->block_ptr == NULL)
    return 0;
  if (t->block_state == TT_STATE_join)
    return ((const tt_task *)t->block_ptr)->id;
  return ((const tt__obj *)t->block_ptr)->id;
}

/* ---- The loop ----------------------------------------------------------- */

/* The scheduling policy: FIFO, or seeded random (TASKTRACE_SCHED_SEED). */
typedef struct tt__rng {
  uint64_t s;
} tt__rng;

struct tt_loop {
  uv_loop_t uv;          /* the libuv loop underneath */
  uv_check_t check;      /* drains the ready queue once per iteration */
  uv_idle_t idle;        /* active while tasks are ready: poll must not block */
  uv_timer_t timer;      /* fires at the earliest task deadline */
  uv_async_t async;      /* wakes the loop for tt_loop_call_threadsafe */
  uv_thread_t thread;    /* the owner */
  tt__ctx sched_ctx;     /* the loop's own context (the thread's stack) */
  const void *sched_stack; /* that stack's bounds, for the sanitizers */
  size_t sched_stack_size;
  tt_task *current;      /* the running task, NULL in the scheduler */
  /* Ready queue: a ring of task pointers, with room for every task. */
  tt_ring ready;
  size_t batch_left;     /* tasks of this iteration's batch still to run */
  int64_t switch_at;     /* tracing: a step-clock time read just before the current
                            task's next switch out, for it to use (0: none; lock.c) */
  /* Timer heap of parked tasks with a deadline, earliest first. */
  tt_task **heap;
  size_t heap_len, heap_cap;
  int64_t timer_due;     /* when `timer` is set to fire, or -1 */
  tt__list tasks;        /* every live task */
  tt__list streams;      /* streams not closed yet: tt_run's end frees them */
  size_t ntasks;
  tt_task *dead;         /* finished task whose stack is still to release */
  tt_task *main;
  bool stopping;         /* main finished: uv_stop was called */
  bool seeded;           /* a scheduling policy is on (policy.c): rounds and yields ask it */
  tt__rng rng;
  struct tt__policy *pol; /* that policy, NULL for plain FIFO */
  /* Cross-thread calls. */
  uv_mutex_t tsq_lock;
  struct tt__tscall *tsq;
  bool closing;
  /* Observability (poll.c, debug.c). */
  uv_prepare_t prepare;  /* before each poll: LTTng state, loop_poll_begin, debug checks */
  bool poll_traced;      /* loop_poll_begin was emitted: loop_poll_end is due */
  unsigned dumped;       /* the tt__lttng_sessions its state was last dumped for (statedump.c) */
  struct tt__loop_debug *dbg; /* debug mode state, NULL otherwise */
  /* Virtual time (vtime.c, TASKTRACE_VIRTUAL_TIME=1): tt_now() is vnow. */
  bool vt;               /* on for this loop */
  bool vt_polling;       /* the coming poll waits for real I/O: vnow follows it */
  unsigned vt_spins;     /* polls in a row with tasks ready, timers due later, no I/O */
  int64_t vnow;          /* the loop's clock, ns (starts at the real CLOCK_MONOTONIC) */
  int64_t vt_poll_start; /* real time the current poll began (vt_polling) */
};

/* Emit the state dump of loop (statedump.c): its live tasks (name, spawn
 * site, state) and the objects they wait on or hold, for an LTTng session
 * begun while it runs. Called at the next iteration after one begins. */
TT__HIDDEN void tt__statedump(tt_loop *loop);

/* Per thread: the loop it runs, if any. */
extern __thread tt_loop *tt__loop;

/* ---- Scheduler (sched.c) ------------------------------------------------ */

/* Room in the ready queue for ntasks tasks: called before a task is
 * created. 0 or -ENOMEM. */
TT__HIDDEN int tt__ready_reserve(tt_loop *loop, size_t ntasks);
/* Queue t to run (it is not queued yet): cannot fail, see sched.c. */
TT__HIDDEN void tt__ready_push(tt_loop *loop, tt_task *t);
TT__HIDDEN void tt__drain(uv_check_t *h);
/* Stop running the current task (already queued or parked) and run the next
 * one of the batch, or return to the loop. Returns when it runs again. */
TT__HIDDEN void tt__switch_out(tt_loop *loop, tt_task *self, unsigned why, uint64_t obj);

/* ---- Parking (park.c): the one way a task blocks -------------------------
 *
 * A primitive puts a waiter on its list (or not: sleep, I/O) and calls
 * tt__park. The task stays parked until exactly one of: tt__wake() by a
 * waker, its deadline, a cancellation. The waker removes the waiter from
 * its list itself; on timeout or cancellation park removes it. Whoever
 * comes first wins; the others find the task no longer parked and do
 * nothing, so a wake-up can never be lost or given twice.
 */
TT__HIDDEN int tt__park(tt_task *self, unsigned why, uint64_t obj, const void *ptr,
                        tt__waiter *w, tt_deadline deadline);
/* Make a parked task ready; tt__park returns result. Returns false if the
 * task was not parked (nothing done). */
TT__HIDDEN bool tt__wake(tt_task *t, int result, tt_task *waker, uint64_t obj);
/* The same, its task_wake event time-stamped ts (tt__obs_now(), read by a
 * waker that emitted an event of its own just before; 0: read it). */
TT__HIDDEN bool tt__wake_at(tt_task *t, int result, tt_task *waker, uint64_t obj, uint64_t ts);
/* The common entry of every blocking call: the current task, or NULL with
 * *err = -EPERM. Delivers a pending cancellation (-ECANCELED) and, under a
 * seeded scheduler, may yield first to shake out races. */
TT__HIDDEN tt_task *tt__enter(int *err);
TT__HIDDEN void tt__heap_remove(tt_loop *loop, tt_task *t);
TT__HIDDEN void tt__timer_cb(uv_timer_t *h);

/* Wake the first waiter of list l (FIFO): returns its task or NULL. */
TT__HIDDEN tt__waiter *tt__wake_first(tt__list *l, int result, uint64_t obj);
TT__HIDDEN tt__waiter *tt__wake_first_at(tt__list *l, int result, uint64_t obj, uint64_t ts);

/* Take l for self (which does not hold it), waiting as long as it takes,
 * with cancellation held off: a cancel meanwhile stays pending. For
 * tt_cond_wait, which must hold the lock again whatever happened (lock.c). */
TT__HIDDEN void tt__lock_reacquire(tt_lock *l, tt_task *self);

/* Task records are pooled: a pointer kept past the task's end may name a
 * later task. A reference is (pointer, id); this is the task it names, or
 * NULL once that task is gone (released and maybe reused). */
static inline tt_task *tt__task_ref(tt_task *t, uint64_t id) {
  return t != NULL && t->id == id && t->state != TT__T_FREE ? t : NULL;
}
/* Whether t holds l (not merely reuses the record of a holder that ended). */
static inline bool tt__lock_held_by(const tt_lock *l, const tt_task *t) {
  return t != NULL && l->holder == t && l->holder_id == t->id;
}

/* ---- Deadlock cycles (deadlock.c) ----------------------------------------
 *
 * The wait-for graph has an edge from a parked task to the task that must
 * act for it to go on: a lock's holder, a joined task. A wait that would
 * close a cycle of untimed waits can never end (no timeout breaks it, and
 * every task of it waits), so the blocking call refuses it with -EDEADLK,
 * in every mode, at once, whatever else is pending on the loop, and the
 * cycle is printed on stderr. Only contended acquires and joins of
 * unfinished tasks look: nothing on the fast paths. */
/* Would self waiting for `first` (a lock's holder, a joined task) until
 * `deadline` close a cycle? */
TT__HIDDEN bool tt__closes_cycle(const tt_task *self, const tt_task *first, tt_deadline deadline);
/* Print the cycle self's call `fn` (waiting for lock l, or for task on)
 * would close. */
TT__HIDDEN void tt__report_cycle(const tt_task *self, const char *fn, const tt_lock *l,
                                 const tt_task *on);
/* The task that must act for parked task t to go on, or NULL. */
TT__HIDDEN const tt_task *tt__waits_for(const tt_task *t);
/* tt_run's own check found no task can run: put every parked task's wait
 * in the trace as a deadlock (tracing on only; the report is loop.c's). */
TT__HIDDEN void tt__trace_stuck(tt_loop *loop);
/* The running task's id for an event (0: the loop, or another thread). */
static inline uint64_t tt__self_id(void) {
  return tt__loop && tt__loop->current ? tt__loop->current->id : 0;
}
/* TT__TRACED(tt__emit_x(args)): the arguments (the task's id, a count) are
 * loaded only when tracing is on. The emit hooks test tt__trace_on
 * themselves, but their arguments are computed before the call, and the
 * compiler does not sink TLS and field loads into the branch: without this
 * a sync call would pay for them (about 10 instructions) when idle. */
#define TT__TRACED(call)                                                                           \
  do {                                                                                             \
    if (TT_UNLIKELY(tt__trace_on))                                                                 \
      call;                                                                                        \
  } while (0)

/* ---- Objects ------------------------------------------------------------ */

TT__HIDDEN uint64_t tt__next_id(void);
/* Give obj an id and a name; emit object_name. */
TT__HIDDEN void tt__obj_init(tt__obj *o, unsigned kind, const char *name);
/* 0 if the calling thread owns o's loop; else -EPERM, reported on stderr in
 * debug mode naming fn (the public call) and the object. Every public call
 * on a primitive starts with it. */
TT__HIDDEN int tt__check_owner(const tt__obj *o, const char *fn);

/* ---- Stacks (stack.c) --------------------------------------------------- */

enum tt__stack_kind { TT__STACK_NONE = 0, TT__STACK_GUARDED, TT__STACK_DENSE };
#define TT__DEFAULT_STACK (64 * 1024)
TT__HIDDEN int tt__stack_alloc(tt_task *t);
TT__HIDDEN void tt__stack_free(tt_task *t);
TT__HIDDEN void tt__stack_trim(void);
/* A fork server, before its first fork: n stacks of the default size mapped
 * into the cache, and the cache kept from then on (tt__stack_trim leaves
 * it), so a run maps, protects and unmaps no stack of its own. */
TT__HIDDEN void tt__stack_warm(unsigned n);
/* If addr is in the guard page of a task's stack: that task, else NULL. */
TT__HIDDEN tt_task *tt__stack_guard_owner(tt_loop *loop, const void *addr);

/* ---- Tasks (task.c) ----------------------------------------------------- */

TT__HIDDEN void tt__task_release(tt_task *t); /* back to the pool */
/* The task is over (also for tasks that never ran: cancelled before their
 * first step, or no stack to be had). */
TT__HIDDEN void tt__task_finish(tt_task *t, int result);
/* Release what the task that stopped for good left: its stack (we are off
 * it now) and, if its handle was given back, the task itself. */
TT__HIDDEN void tt__reap(tt_loop *loop);
TT__HIDDEN void tt__task_entry(void *arg);
TT__HIDDEN void tt__pool_trim(void);
TT__HIDDEN bool tt__task_valid(const tt_task *t);
/* t's side record, allocated on first need; NULL when out of memory (the
 * caller then goes without what it wanted to keep there). */
TT__HIDDEN tt__task_ext *tt__ext_of(tt_task *t);
/* t's name: the one given at spawn, else "task-N" (made on first ask, so a
 * task nobody names or asks about keeps no name). Lives as long as t. */
TT__HIDDEN const char *tt__task_name(const tt_task *t);
/* The same without keeping anything: "task-N" goes into buf (a signal
 * handler's way). */
TT__HIDDEN const char *tt__task_name_into(const tt_task *t, char *buf, size_t cap);

/* ---- Loop observability (poll.c) and debug mode (debug.c) ---------------
 *
 * tt__step_switch runs on every switch when debug mode or tracing is on
 * (one clock read: it ends prev's step and starts next's; either may be
 * NULL, the loop itself): slow steps, how long each task has waited. */
TT__HIDDEN void tt__poll_init(tt_loop *loop);
/* The clock of debug-mode and trace durations (steps, waits, holds): the
 * trace clock (emit.h, tt__trace_now), CLOCK_MONOTONIC nanoseconds, so that
 * one read serves a switch's durations and its event (tt__step_switch_now
 * returns it). It is TSC-scaled on a thread that streams events, where the
 * TSC is trusted, else clock_gettime. The coarse clock would cost 15 ns
 * less a read, but it ticks in 4 ms steps here, and a diagnosis in 4 ms
 * steps misleads. */
static inline void tt__step_clock_init(void) {}
static inline int64_t tt__step_now(void) { return (int64_t)tt__trace_now(); }
static inline int64_t tt__obs_now(void) { return (int64_t)tt__trace_now(); }
/* now: tt__step_now(), read by the caller (it time-stamps the switch too). */
TT__HIDDEN void tt__step_switch(tt_loop *loop, tt_task *prev, tt_task *next, int64_t now);
/* The step clock at a switch, after tt__step_switch ran with it: 0 when
 * neither debug mode nor tracing is on (nothing reads it then). given: a
 * time read just before (evaluated only then; 0: read one). */
#define tt__step_switch_now(loop, prev, next, given)                                               \
  ({                                                                                               \
    int64_t now_ = 0;                                                                              \
    if (TT_UNLIKELY(tt__cfg.debug | tt__trace_on)) {                                               \
      now_ = (given);                                                                              \
      if (now_ == 0)                                                                               \
        now_ = tt__step_now();                                                                     \
      tt__step_switch((loop), (prev), (next), now_);                                               \
    }                                                                                              \
    now_;                                                                                          \
  })
/* Debug mode only, each guarded by TT_UNLIKELY(tt__cfg.debug) at its call. */
TT__HIDDEN int tt__debug_start(tt_loop *loop);  /* SIGQUIT dump, guard-page handler */
TT__HIDDEN void tt__debug_stop(tt_loop *loop);  /* after the libuv loop closed */
TT__HIDDEN void tt__debug_iteration(tt_loop *loop); /* before each poll */
TT__HIDDEN void tt__debug_pending(tt_loop *loop); /* main returned: last iteration, who is left */
TT__HIDDEN void tt__debug_released(tt_task *t); /* failure nobody retrieved */
TT__HIDDEN void tt__debug_wrong_thread(const tt__obj *o, const char *fn);
TT__HIDDEN void tt__debug_callback(void (*fn)(void *), const char *site, int64_t ns);
TT__HIDDEN void tt__debug_lock_held(const tt_lock *l, const tt_task *holder, int64_t ns);
TT__HIDDEN void tt__debug_lock_waited(const tt_lock *l, const tt_task *self, uint64_t holder,
                                      int64_t ns, int result);
/* Debug mode: lock bookkeeping for the reports (held list, acquire site). */
TT__HIDDEN void tt__debug_lock_took(tt_lock *l, tt_task *t, const char *site);
TT__HIDDEN void tt__debug_lock_dropped(tt_lock *l);
/* Lock orders (lockdep.c): t asks for l at site (not a try-acquire),
 * before l joins its held list; an order that closes a cycle is reported. */
TT__HIDDEN void tt__lockdep_acquire(const tt_lock *l, const tt_task *t, const char *site);
struct tt__lockdep;
TT__HIDDEN struct tt__lockdep **tt__debug_lockdep(tt_loop *loop); /* loop->dbg's */
TT__HIDDEN void tt__lockdep_free(struct tt__lockdep *g);
/* t finished: forget the locks it still holds (they stay held), naming
 * each on stderr if report. */
TT__HIDDEN void tt__debug_finished_holding(tt_task *t, bool report);
/* Bounded semaphores: who holds permits (t took one / t gives one back). */
TT__HIDDEN void tt__debug_sem_took(const tt_sem *s, const tt_task *t);
TT__HIDDEN void tt__debug_sem_gave(const tt_sem *s, const tt_task *t, const char *site);
/* "task 'name' (id N, spawned at file:line)" */
TT__HIDDEN void tt__describe_task(FILE *f, const tt_task *t);

/* ---- I/O (io_stream.c) -------------------------------------------------- */

/* tt_run's end, before its uv_walk: close and free the streams left open
 * (named on stderr in debug mode). */
TT__HIDDEN void tt__io_close_all(tt_loop *loop);

/* ---- Environment (env.c) ------------------------------------------------- */

typedef struct tt__config {
  bool debug;        /* TASKTRACE_DEBUG */
  int64_t slow_ns;   /* TASKTRACE_SLOW_MS */
  int64_t lock_ns;   /* TASKTRACE_LOCK_MS: lock held / waited for longer (debug mode) */
  bool seeded;       /* TASKTRACE_SCHED_SEED given */
  uint64_t seed;
  /* Exploration (policy.c): TASKTRACE_SCHED, TASKTRACE_SCHEDULE[_OUT]. */
  uint8_t policy;           /* enum tt__policy_kind */
  uint64_t pct_depth;       /* pct: D */
  uint64_t pct_steps;       /* pct: the expected steps K of a run */
  const char *replay;       /* TASKTRACE_SCHEDULE */
  const char *record;       /* TASKTRACE_SCHEDULE_OUT */
  bool lenient;             /* TASKTRACE_SCHEDULE_LENIENT=1: replay what fits, FIFO after */
  bool invariants;          /* check invariants after every step */
  bool virtual_time;        /* TASKTRACE_VIRTUAL_TIME=1 (vtime.c) */
} tt__config;
enum tt__policy_kind { TT__POL_FIFO = 0, TT__POL_RANDOM, TT__POL_PCT, TT__POL_REPLAY };
extern tt__config tt__cfg;
TT__HIDDEN int tt__config_load(void);

/* ---- Random (sched.c) ---------------------------------------------------- */
TT__HIDDEN uint64_t tt__rng_next(tt__rng *r);
/* Seeded scheduler: at one yield point in four, yield once more first. */
TT__HIDDEN void tt__seed_delay(tt_loop *loop, tt_task *self);

/* ---- Scheduling policies and schedule files (policy.c) --------------------
 *
 * A policy makes two kinds of decision, both small integers where 0 is
 * plain FIFO: the order of a round (one per Fisher-Yates position) and
 * whether a yield point yields. Every decision can be written to a schedule
 * file and replayed from one. */
TT__HIDDEN int tt__policy_start(tt_loop *loop);  /* tt_run: set up from tt__cfg */
TT__HIDDEN void tt__policy_stop(tt_loop *loop);  /* tt_run's end */
/* The process is about to _exit mid-run: the schedule file cut to its text. */
TT__HIDDEN void tt__policy_exiting(void);
TT__HIDDEN void tt__policy_order(tt_loop *loop, size_t n); /* reorder the round's batch */
/* Yield here (again: extra yields made at this yield point so far)? */
TT__HIDDEN bool tt__policy_yield(tt_loop *loop, tt_task *self, unsigned again);

/* ---- Virtual time (vtime.c) ----------------------------------------------
 * Each guarded by TT_UNLIKELY(loop->vt) (or vt_polling) at its call. */
TT__HIDDEN void tt__vt_init(tt_loop *loop);        /* loop_open: from tt__cfg */
TT__HIDDEN void tt__vt_before_poll(tt_loop *loop); /* prepare: jump, or time the poll */
TT__HIDDEN void tt__vt_after_poll(tt_loop *loop);  /* check: the real wait, added */

/* ---- Fork server (forkserver.c) -------------------------------------------
 * tt_run's first call under TASKTRACE_FORKSERVER serves explore's runs and
 * returns 0 in each run's child; 0 at once without it, <0 if it is bad. */
TT__HIDDEN int tt__forkserver(void);
TT__HIDDEN extern bool tt__served; /* this process is a run forked by a fork server */

/* ---- Invariants (invariant.c) --------------------------------------------- */
extern bool tt__inv_on; /* invariants registered and checking is on */
TT__HIDDEN void tt__invariant_check(tt_task *self, const char *end_site);

#endif
