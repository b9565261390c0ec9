/* Debug mode (TASKTRACE_DEBUG=1): asyncio's debug mode, and more.
 *
 * Every diagnostic is one message on stderr, starting "tasktrace: <what>:",
 * naming the task (name, id, spawn site) and, where it helps, the file:line
 * of the blocking call involved (recorded by the call-site macros of
 * tasktrace.h in tt__call_site). The checks:
 *  - slow step / slow cross-thread callback (TASKTRACE_SLOW_MS);
 *  - slow loop iteration: its steps and callbacks together over the
 *    threshold, without any single one over it;
 *  - wrong-thread calls (obj.c refuses them, this names them);
 *  - a failed task whose result nobody retrieved;
 *  - tasks still pending when main returns, and where each waits;
 *  - a lock held, or waited for, longer than TASKTRACE_LOCK_MS (a wait
 *    also while it lasts: the `waits` timer);
 *  - a task that finishes holding a lock (the held list of each task);
 *  - a bounded semaphore released by a task that holds none of its permits;
 *  - a lock-order inversion (lockdep.c: the orders locks are taken in);
 *  - a stack overflow into a guard page: the task's name, then the signal;
 *  - SIGQUIT: a dump of every task (state, where it waits, for how long).
 *
 * Cost: one clock read per task step (tt__step_switch), CLOCK_MONOTONIC
 * (about 19 ns here; the coarse clock would be 2.5 ns, but in 4 ms steps),
 * the same read that time-stamps the switch event when tracing.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

__thread const char *tt__call_site __attribute__((tls_model("initial-exec")));

struct tt__loop_debug {
  uv_signal_t sigquit;    /* SIGQUIT: dump every task (on the loop thread) */
  int64_t iter_t0;        /* step clock at the previous prepare, 0 before the first */
  uint64_t idle0;         /* uv_metrics_idle_time then */
  uint32_t steps;         /* task steps this iteration */
  int64_t longest;        /* the longest of them ... */
  uint64_t longest_id;    /* ... by this task */
  char longest_name[32];
  const char *longest_site;
  bool reported;          /* a slow step or callback was reported this iteration */
  void *altstack;         /* our sigaltstack, NULL if the thread had one */
  size_t altstack_size;
  uv_timer_t waits;       /* looks for lock waits over TASKTRACE_LOCK_MS, still going on */
  struct permit *permits; /* bounded semaphores: permits held, by (semaphore, task) */
  size_t permits_cap, permits_len;
  struct tt__lockdep *lockdep; /* lock orders seen (lockdep.c), NULL until one */
};

struct tt__lockdep **tt__debug_lockdep(tt_loop *loop) { return &loop->dbg->lockdep; }

#define step_now tt__step_now

static double ms(int64_t ns) { return (double)ns / 1e6; }

void tt__describe_task(FILE *f, const tt_task *t) {
  fprintf(f, "task '%s' (id %llu, spawned at %s)", tt__task_name(t), (unsigned long long)t->id,
          t->site ? t->site : "?");
}

/* ---- Steps ---------------------------------------------------------------- */

static void slow_step(tt_loop *loop, tt_task *t, int64_t ns, const char *end) {
  tt__emit_slow_step(t->id, (uint64_t)ns, end ? end : t->wait_site ? t->wait_site : t->site);
  if (!tt__cfg.debug)
    return;
  if (loop->dbg != NULL)
    loop->dbg->reported = true;
  const char *from = t->parked_at == 0 ? "its start" : t->wait_site ? t->wait_site : "an unknown call";
  const char *to = end ? end : t->state == TT__T_DONE ? "its return" : "an unknown call";
  fprintf(stderr, "tasktrace: slow step: ");
  tt__describe_task(stderr, t);
  fprintf(stderr, " ran %.1f ms without yielding (TASKTRACE_SLOW_MS=%lld), from %s to %s\n",
          ms(ns), (long long)(tt__cfg.slow_ns / 1000000), from, to);
}

void tt__step_switch(tt_loop *loop, tt_task *prev, tt_task *next, int64_t now) {
  if (prev != NULL) {
    const char *end = prev->state == TT__T_DONE ? NULL : tt__call_site;
    tt__call_site = NULL; /* consumed: a later call without the macro is "unknown" */
    if (prev->step_start != 0) {
      int64_t d = now - prev->step_start;
      struct tt__loop_debug *g = loop->dbg;
      if (g != NULL) {
        g->steps++;
        if (d > g->longest) {
          g->longest = d;
          g->longest_id = prev->id;
          snprintf(g->longest_name, sizeof g->longest_name, "%s", tt__task_name(prev));
          g->longest_site = prev->site;
        }
      }
      if (TT_UNLIKELY(d > tt__cfg.slow_ns))
        slow_step(loop, prev, d, end);
    }
    if (prev->state != TT__T_DONE) { /* a finished task keeps its last blocking call's */
      prev->wait_site = end;
      prev->parked_at = now;
    }
  }
  if (next != NULL)
    next->step_start = now;
}

/* ---- Where a task is ------------------------------------------------------- */

/* The schema's words (TT_STATES): "waits for lock", "sleeps", ... */
static const char *state_word(unsigned why) { return tt_state_word(why); }

/* The name of what t waits on, for the reasons that name an object
 * (TT_STATES' last column): every primitive starts with a tt__obj; join
 * parks on the task. */
static const char *blocked_on_name(const tt_task *t) {
  int on = tt_state_on(t->block_state);
  if (t->block_ptr == NULL || on < 0)
    return NULL;
  if (on == TT_KIND_task)
    return tt__task_name(t->block_ptr);
  return ((const tt__obj *)t->block_ptr)->name;
}

/* "waits for lock 'L' (held by task 'a', id 2) at x.c:12" and the like. */
static void describe_wait(FILE *f, const tt_task *t) {
  const char *site = t->wait_site ? t->wait_site : "an unknown call";
  switch (t->state) {
  case TT__T_READY:
    if (t->stack == NULL)
      fprintf(f, "has not started yet");
    else
      fprintf(f, "is runnable, yielded at %s", site);
    return;
  case TT__T_RUNNING: fprintf(f, "is running"); return;
  case TT__T_DONE: fprintf(f, "finished with result %d, not joined", t->result); return;
  case TT__T_PARKED: break;
  default: fprintf(f, "is in state %u", t->state); return;
  }
  if (t->block_state == TT_STATE_sleep) {
    fprintf(f, "sleeps at %s", site);
    return;
  }
  const char *on = blocked_on_name(t);
  fprintf(f, "%s", state_word(t->block_state));
  if (on != NULL)
    fprintf(f, " '%s'", on);
  if (t->block_state == TT_STATE_lock && t->block_ptr != NULL) {
    const tt_lock *l = t->block_ptr;
    const tt_task *h = tt__task_ref(l->holder, l->holder_id);
    if (h != NULL && h->state != TT__T_DONE)
      fprintf(f, " (held by task '%s', id %llu)", tt__task_name(h), (unsigned long long)h->id);
    else if (h != NULL) /* finished, not joined yet: it still has its name */
      fprintf(f, " (held by task '%s', id %llu, which has finished without releasing it)",
              tt__task_name(h), (unsigned long long)h->id);
    else if (l->holder != NULL) /* its record is gone, maybe to another task */
      fprintf(f, " (held by task id %llu, which has finished without releasing it)",
              (unsigned long long)l->holder_id);
  }
  fprintf(f, " at %s", site);
}

/* ---- Loop-level checks ------------------------------------------------------ */

void tt__debug_iteration(tt_loop *loop) {
  struct tt__loop_debug *g = loop->dbg;
  if (g == NULL)
    return;
  int64_t now = step_now();
  uint64_t idle = uv_metrics_idle_time(&loop->uv);
  if (g->iter_t0 != 0) {
    int64_t busy = (now - g->iter_t0) - (int64_t)(idle - g->idle0);
    if (busy > tt__cfg.slow_ns && !g->reported) {
      fprintf(stderr,
              "tasktrace: slow loop iteration: steps and callbacks ran %.1f ms together before "
              "the loop could poll for I/O again (TASKTRACE_SLOW_MS=%lld): ",
              ms(busy), (long long)(tt__cfg.slow_ns / 1000000));
      if (g->steps > 0)
        fprintf(stderr,
                "%u task step(s), the longest %.1f ms by task '%s' (id %llu, spawned at %s)\n",
                g->steps, ms(g->longest), g->longest_name, (unsigned long long)g->longest_id,
                g->longest_site ? g->longest_site : "?");
      else
        fprintf(stderr, "no task steps, so plain libuv callbacks took the time\n");
    }
  }
  g->iter_t0 = now;
  g->idle0 = idle;
  g->steps = 0;
  g->longest = 0;
  g->reported = false;
}

void tt__debug_callback(void (*fn)(void *), const char *site, int64_t ns) {
  if (ns <= tt__cfg.slow_ns)
    return;
  tt_loop *loop = tt__loop;
  if (loop != NULL && loop->dbg != NULL)
    loop->dbg->reported = true;
  /* Its name when the symbol is exported (-rdynamic), else its address. */
  Dl_info di;
  char what[160];
  if (dladdr((void *)fn, &di) && di.dli_sname != NULL)
    snprintf(what, sizeof what, "%s() at %p", di.dli_sname, (void *)fn);
  else
    snprintf(what, sizeof what, "the function at %p", (void *)fn);
  fprintf(stderr,
          "tasktrace: slow callback: %s, scheduled with tt_loop_call_threadsafe at %s, ran %.1f ms "
          "on the loop thread (TASKTRACE_SLOW_MS=%lld)\n",
          what, site ? site : "an unknown call", ms(ns), (long long)(tt__cfg.slow_ns / 1000000));
}

void tt__debug_pending(tt_loop *loop) {
  /* The loop stopped without polling again: check its last iteration now. */
  tt__debug_iteration(loop);
  int64_t now = step_now();
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    tt_task *t = tt__container_of(n, tt_task, all);
    if (t->state == TT__T_DONE || t == loop->main)
      continue;
    fprintf(stderr, "tasktrace: task pending at shutdown: ");
    tt__describe_task(stderr, t);
    fputc(' ', stderr);
    describe_wait(stderr, t);
    if (t->parked_at != 0 && t->state != TT__T_READY)
      fprintf(stderr, " (for %.1f ms)", ms(now - t->parked_at));
    fprintf(stderr, "; main returned, so it is cancelled\n");
  }
}

void tt__debug_released(tt_task *t) {
  /* A record given back without finishing (abandoned at teardown) must
   * not stay linked to the locks it held: the record is reused. */
  if (t->ext != NULL && t->ext->held.next != NULL)
    tt__debug_finished_holding(t, false);
  if (t->state != TT__T_DONE || t->result >= 0 || t->retrieved || t == t->loop->main ||
      (t->cancelled && t->result == -ECANCELED))
    return;
  fprintf(stderr, "tasktrace: failure never retrieved: ");
  tt__describe_task(stderr, t);
  fprintf(stderr, " failed with %d (%s) ", t->result, tt_strerror(t->result));
  if (t->wait_site != NULL)
    fprintf(stderr, "after its last blocking call, at %s,", t->wait_site);
  else if (t->parked_at != 0)
    fprintf(stderr, "after its last blocking call, at an unknown call,");
  else
    fprintf(stderr, "before any blocking call,");
  fprintf(stderr, " and nobody joined it to get its result\n");
}

void tt__debug_wrong_thread(const tt__obj *o, const char *fn) {
  const char *site = tt__call_site;
  tt__call_site = NULL;
  if (o->loop == NULL)
    fprintf(stderr,
            "tasktrace: wrong thread: %s('%s') at %s: the object was made outside a running "
            "loop, so no thread owns it: refused (-EPERM)\n",
            fn, o->name, site ? site : "an unknown call");
  else
    fprintf(stderr,
            "tasktrace: wrong thread: %s('%s') at %s was called from a thread that does not run "
            "the object's loop: refused (-EPERM); use tt_loop_call_threadsafe()\n",
            fn, o->name, site ? site : "an unknown call");
}

/* ---- Locks ------------------------------------------------------------------ */

void tt__debug_lock_held(const tt_lock *l, const tt_task *holder, int64_t ns) {
  if (ns <= tt__cfg.lock_ns)
    return;
  fprintf(stderr, "tasktrace: lock held too long: lock '%s' was held for %.1f ms by ", l->obj.name,
          ms(ns));
  tt__describe_task(stderr, holder);
  fprintf(stderr, ", released at %s (TASKTRACE_LOCK_MS=%lld)\n",
          tt__call_site ? tt__call_site : "an unknown call",
          (long long)(tt__cfg.lock_ns / 1000000));
}

void tt__debug_lock_waited(const tt_lock *l, const tt_task *self, uint64_t holder, int64_t ns,
                           int result) {
  if (ns <= tt__cfg.lock_ns)
    return;
  fprintf(stderr, "tasktrace: lock waited for too long: ");
  tt__describe_task(stderr, self);
  fprintf(stderr, " waited %.1f ms for lock '%s' at %s (held by task id %llu when it asked) and %s "
                  "(TASKTRACE_LOCK_MS=%lld)\n",
          ms(ns), l->obj.name, self->wait_site ? self->wait_site : "an unknown call",
          (unsigned long long)holder,
          result == 0 ? "got it" : result == -ETIMEDOUT ? "timed out" : result == -ECANCELED ? "was cancelled" : "failed",
          (long long)(tt__cfg.lock_ns / 1000000));
}

/* The holder of l, for a report: "task 'h' (id 3)", and whether it finished. */
static void describe_holder(FILE *f, const tt_lock *l) {
  const tt_task *h = tt__task_ref(l->holder, l->holder_id);
  if (h != NULL)
    fprintf(f, "task '%s' (id %llu%s)", tt__task_name(h), (unsigned long long)h->id,
            h->state == TT__T_DONE ? ", which has finished without releasing it" : "");
  else if (l->holder != NULL)
    fprintf(f, "task id %llu (which has finished without releasing it)",
            (unsigned long long)l->holder_id);
  else
    fprintf(f, "nobody");
}

void tt__debug_lock_took(tt_lock *l, tt_task *t, const char *site) {
  l->acquired_site = site;
  tt__list_remove(&l->held_link);
  tt__task_ext *x = tt__ext_of(t);
  if (x == NULL)
    return; /* out of memory: a finish holding it goes unreported */
  if (x->held.next == NULL)
    tt__list_init(&x->held);
  tt__list_push(&x->held, &l->held_link);
}

void tt__debug_lock_dropped(tt_lock *l) {
  l->acquired_site = NULL;
  tt__list_remove(&l->held_link);
}

void tt__debug_finished_holding(tt_task *t, bool report) {
  tt__list *held = &t->ext->held; /* the callers checked it is there */
  while (!tt__list_empty(held)) {
    tt_lock *l = tt__container_of(held->next, tt_lock, held_link);
    tt__list_remove(&l->held_link); /* it stays held (asyncio): only the list forgets it */
    if (!report)
      continue;
    fprintf(stderr, "tasktrace: task finished holding a lock: ");
    tt__describe_task(stderr, t);
    if (t->cancelled && t->result == -ECANCELED)
      fprintf(stderr, " was cancelled,");
    else if (t->result < 0)
      fprintf(stderr, " failed with %d (%s),", t->result, tt_strerror(t->result));
    else
      fprintf(stderr, " returned %d,", t->result);
    fprintf(stderr,
            " still holding lock '%s', acquired at %s; it stays held, so every later acquire "
            "waits forever or times out\n",
            l->obj.name, l->acquired_site ? l->acquired_site : "an unknown call");
  }
}

/* Every lock_ms/4: the lock waits over TASKTRACE_LOCK_MS that are still
 * going on (the end of a wait is reported by tt__debug_lock_waited), once
 * per wait. */
static void waits_cb(uv_timer_t *h) {
  tt_loop *loop = h->data;
  int64_t now = step_now();
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    tt_task *t = tt__container_of(n, tt_task, all);
    if (t->state != TT__T_PARKED || t->block_state != TT_STATE_lock || t->block_ptr == NULL ||
        t->parked_at == 0 || now - t->parked_at <= tt__cfg.lock_ns ||
        (t->ext != NULL && t->ext->wait_reported == t->parked_at))
      continue;
    tt__task_ext *x = tt__ext_of(t);
    if (x == NULL)
      continue; /* out of memory: it could not be reported just once */
    x->wait_reported = t->parked_at;
    const tt_lock *l = t->block_ptr;
    fprintf(stderr, "tasktrace: lock wait in progress: ");
    tt__describe_task(stderr, t);
    fprintf(stderr, " has waited %.1f ms so far for lock '%s' at %s, held by ",
            ms(now - t->parked_at), l->obj.name, t->wait_site ? t->wait_site : "an unknown call");
    describe_holder(stderr, l);
    fprintf(stderr, " since %s (TASKTRACE_LOCK_MS=%lld)\n",
            l->acquired_site ? l->acquired_site : "an unknown call",
            (long long)(tt__cfg.lock_ns / 1000000));
  }
}

/* ---- Bounded semaphores: who holds a permit ------------------------------------
 *
 * An open-addressing map (semaphore id, task id) -> permits held, owned by
 * the loop and freed with it. Entries go when their count reaches 0. */

struct permit {
  uint64_t sem, task; /* sem 0: an empty slot */
  long n;
};

static size_t permit_slot(const struct tt__loop_debug *g, uint64_t sem, uint64_t task) {
  size_t mask = g->permits_cap - 1, i = (size_t)((sem * 0x9e3779b97f4a7c15ull) ^ task) & mask;
  while (g->permits[i].sem != 0 && (g->permits[i].sem != sem || g->permits[i].task != task))
    i = (i + 1) & mask;
  return i;
}

static int permits_grow(struct tt__loop_debug *g) {
  size_t cap = g->permits_cap ? g->permits_cap * 2 : 64;
  struct permit *old = g->permits, *p = calloc(cap, sizeof *p);
  if (p == NULL)
    return -ENOMEM;
  size_t oldcap = g->permits_cap;
  g->permits = p;
  g->permits_cap = cap;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].sem != 0)
      g->permits[permit_slot(g, old[i].sem, old[i].task)] = old[i];
  free(old);
  return 0;
}

/* Remove slot i, shifting back the entries after it that probed past it. */
static void permit_remove(struct tt__loop_debug *g, size_t i) {
  size_t mask = g->permits_cap - 1;
  g->permits[i].sem = 0;
  g->permits_len--;
  for (size_t j = (i + 1) & mask; g->permits[j].sem != 0; j = (j + 1) & mask) {
    struct permit e = g->permits[j];
    g->permits[j].sem = 0;
    g->permits[permit_slot(g, e.sem, e.task)] = e;
  }
}

void tt__debug_sem_took(const tt_sem *s, const tt_task *t) {
  struct tt__loop_debug *g = t->loop->dbg;
  if (g == NULL || ((g->permits_len + 1) * 2 > g->permits_cap && permits_grow(g) < 0))
    return;
  size_t i = permit_slot(g, s->obj.id, t->id);
  if (g->permits[i].sem == 0) {
    g->permits[i] = (struct permit){.sem = s->obj.id, .task = t->id, .n = 0};
    g->permits_len++;
  }
  g->permits[i].n++;
}

void tt__debug_sem_gave(const tt_sem *s, const tt_task *t, const char *site) {
  struct tt__loop_debug *g = t->loop->dbg;
  if (g == NULL)
    return;
  if (g->permits_cap > 0) {
    size_t i = permit_slot(g, s->obj.id, t->id);
    if (g->permits[i].sem != 0) {
      if (--g->permits[i].n == 0)
        permit_remove(g, i);
      return;
    }
  }
  fprintf(stderr, "tasktrace: semaphore over-released: ");
  tt__describe_task(stderr, t);
  fprintf(stderr,
          " released bounded semaphore '%s' at %s but holds none of its permits (it never "
          "acquired one, or gave it back already): %s\n",
          s->obj.name, site ? site : "an unknown call",
          s->value >= s->bound ? "refused with -EOVERFLOW"
                               : "accepted, so the semaphore lets one task too many in");
}

/* ---- SIGQUIT: every task, like `python -m asyncio ps` ------------------------- */

static void sigquit_cb(uv_signal_t *h, int signum) {
  tt_loop *loop = h->data;
  int64_t now = step_now();
  /* The signal cut the poll short, and libuv does not count an interrupted
   * poll as idle time: this iteration would look busy for as long as the
   * loop slept. Do not judge it (a false "slow loop iteration"). */
  if (loop->dbg != NULL)
    loop->dbg->reported = true;
  fprintf(stderr, "tasktrace: SIGQUIT: %zu task(s) on the loop of process %ld:\n", loop->ntasks,
          (long)getpid());
  fprintf(stderr, "  %6s  %-8s %10s  %-20s %-28s %s\n", "id", "state", "for", "name",
          "spawned at", "where");
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    tt_task *t = tt__container_of(n, tt_task, all);
    static const char *const st[] = {"free", "ready", "running", "parked", "done"};
    char dur[32] = "-";
    if (t->parked_at != 0 && (t->state == TT__T_PARKED || t->state == TT__T_READY))
      snprintf(dur, sizeof dur, "%.1f ms", ms(now - t->parked_at));
    fprintf(stderr, "  %6llu  %-8s %10s  %-20s %-28s ", (unsigned long long)t->id,
            t->state < 5 ? st[t->state] : "?", dur, tt__task_name(t), t->site ? t->site : "?");
    describe_wait(stderr, t);
    fputc('\n', stderr);
  }
  fflush(stderr);
}

/* ---- Stack overflow --------------------------------------------------------- */

static struct sigaction old_segv;
static int segv_installed;

static void segv_handler(int sig, siginfo_t *si, void *uctx) {
  (void)uctx;
  tt_task *t = tt__stack_guard_owner(tt__loop, si->si_addr);
  if (t != NULL) {
    char buf[512], name[32]; /* no allocation in a signal handler */
    int n = snprintf(buf, sizeof buf,
                     "tasktrace: stack overflow: task '%s' (id %llu, spawned at %s) overflowed "
                     "its %zu KiB stack (fault at %p, in its guard page); give it a bigger one "
                     "with tt_spawn_opts.stack_size\n",
                     tt__task_name_into(t, name, sizeof name), (unsigned long long)t->id,
                     t->site ? t->site : "?", (size_t)t->stack_size / 1024, si->si_addr);
    if (n > 0 && write(2, buf, (size_t)n) < 0) {
    }
  }
  /* Back to the previous disposition; returning re-runs the faulting
   * access, which now kills the process with the signal (or reaches the
   * handler that was there before us). */
  sigaction(sig, &old_segv, NULL);
}

int tt__debug_start(tt_loop *loop) {
  struct tt__loop_debug *g = calloc(1, sizeof *g);
  if (g == NULL)
    return -ENOMEM;
  uv_loop_configure(&loop->uv, UV_METRICS_IDLE_TIME);
  uv_signal_init(&loop->uv, &g->sigquit);
  g->sigquit.data = loop;
  uv_signal_start(&g->sigquit, sigquit_cb, SIGQUIT);
  uv_unref((uv_handle_t *)&g->sigquit);
  /* The handler must run on another stack than the one that overflowed. */
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE)) {
    size_t size = 64 * 1024;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      stack_t ss = {.ss_sp = p, .ss_size = size, .ss_flags = 0};
      if (sigaltstack(&ss, NULL) == 0) {
        g->altstack = p;
        g->altstack_size = size;
      } else {
        munmap(p, size);
      }
    }
  }
  if (!__atomic_exchange_n(&segv_installed, 1, __ATOMIC_ACQ_REL)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
  }
  /* Long lock waits are reported while they last, not only at their end.
   * Unreferenced: it never keeps the loop alive (nor hides a deadlock). */
  uv_timer_init(&loop->uv, &g->waits);
  g->waits.data = loop;
  uint64_t every = (uint64_t)(tt__cfg.lock_ns / 4000000);
  uv_timer_start(&g->waits, waits_cb, every ? every : 1, every ? every : 1);
  uv_unref((uv_handle_t *)&g->waits);
  loop->dbg = g;
  return 0;
}

void tt__debug_stop(tt_loop *loop) {
  struct tt__loop_debug *g = loop->dbg;
  if (g == NULL)
    return;
  if (g->altstack != NULL) {
    stack_t ss = {.ss_flags = SS_DISABLE};
    sigaltstack(&ss, NULL);
    munmap(g->altstack, g->altstack_size);
  }
  loop->dbg = NULL;
  tt__lockdep_free(g->lockdep);
  free(g->permits);
  free(g);
}
