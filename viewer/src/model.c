/* The timeline model: a state machine per task, fed one event at a time.
 *
 * Every task is in one state at a time (running, runnable, blocked on an
 * object, or a gap where events were lost); each event that changes it
 * closes an interval, which adds to the task's totals and goes to the
 * interval hook. Nothing per event is kept, so memory follows the number
 * of tasks, locks and named objects, not the length of the trace.
 *
 * The runtime's contract (runtime/src/sched.c, park.c, lock.c):
 * task_switch(prev, next, why, object): prev stops (why = yield: still
 * runnable; done: finished; else blocked on object); next runs. prev == 0
 * is the loop itself switching to next; next == 0 returns to the loop.
 * task_wake: a blocked task is runnable again, woken by waker (0: the
 * loop, for timers and I/O), after a wait_timeout when its deadline ended
 * the wait. Every acquire emits lock_acquired (older traces: contended
 * ones only), every release lock_released with the hold time; the other
 * sync objects emit theirs (event_set, sem_acquired, queue_put, ...), and
 * a deadlock the runtime found is a deadlock event and one edge per task.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "hist.h"
#include "model.h"
#include "strset.h"
#include "tasktrace/viewer.h"
#include "tt_base.h"
#include "vmap.h"

typedef struct loop_lane {
  uint32_t pid, tid;
  uint8_t state; /* TT_VS_RUNNING (busy) or TT_VS_POLL, 0 before the first poll */
  uint64_t since;
} loop_lane;

typedef struct obj_name {
  unsigned kind;
  char *name;
} obj_name;

typedef struct proc_priv {
  tt__hist latency;
  uint64_t prev_ts;  /* the event before the current one */
  uint64_t gap_seq;  /* lost reports so far */
  uint64_t gap_from; /* where the last one's gap starts */
} proc_priv;

struct tt_model {
  tt_model_hooks hooks;
  tt_vtask *tasks;
  size_t ntasks, ctasks;
  tt_vlock *locks;
  size_t nlocks, clocks;
  obj_name *names;
  size_t nnames, cnames;
  tt_vproc *procs;
  size_t nprocs, cprocs;
  loop_lane *loops;
  size_t nloops, cloops;
  tt__vmap task_map, lock_map, name_map, loop_map, proc_map;
  tt__strset sites; /* interned spawn sites */
  tt_vslow *slow; /* min-heap by duration, then sorted by tt_model_slow */
  size_t nslow;
  int slow_sorted;
  tt__findings findings; /* races and lock-order inversions (findings.c) */
  uint64_t events, first_ts, last_ts;
  uint64_t max_tasks;     /* limit on tasks, and on named objects and locks */
  const char *over_limit; /* "tasks" or "objects" once past it */
  int err;
  uint64_t unrecorded;    /* event types the recording left out (1 << type) */
  tt_vobj *objs; /* the other sync objects (events, semaphores, ...) */
  size_t nobjs, cobjs;
  tt__vmap obj_map;
  tt_vdeadlock deadlocks[TT_MODEL_DEADLOCKS_KEEP];
  size_t ndeadlocks;
  bool edges_open; /* the last deadlock still takes its edges */
};

void tt_model_set_unrecorded(tt_model *m, uint64_t mask) { m->unrecorded = mask; }
uint64_t tt_model_unrecorded(const tt_model *m) { return m->unrecorded; }

const char *tt_vstate_name(unsigned s) {
  switch (s) {
  case TT_VS_RUNNING: return "running";
  case TT_VS_RUNNABLE: return "runnable";
  case TT_VS_BLOCKED: return "blocked";
  case TT_VS_GAP: return "lost";
  case TT_VS_POLL: return "poll";
  default: return "none";
  }
}

int tt_model_new(const tt_model_hooks *hooks, tt_model **out) {
  tt_model *m = calloc(1, sizeof *m);
  if (m == NULL)
    return -ENOMEM;
  if (hooks != NULL)
    m->hooks = *hooks;
  m->slow = calloc(TT_MODEL_SLOW_KEEP, sizeof *m->slow);
  if (m->slow == NULL) {
    free(m);
    return -ENOMEM;
  }
  tt__vmap_init(&m->task_map);
  tt__vmap_init(&m->lock_map);
  tt__vmap_init(&m->name_map);
  tt__vmap_init(&m->loop_map);
  tt__vmap_init(&m->proc_map);
  tt__vmap_init(&m->obj_map);
  m->first_ts = UINT64_MAX;
  m->max_tasks = TT_MODEL_MAX_TASKS;
  *out = m;
  return 0;
}

void tt_model_set_max_tasks(tt_model *m, uint64_t max) {
  m->max_tasks = max ? max : TT_MODEL_MAX_TASKS;
}
uint64_t tt_model_max_tasks(const tt_model *m) { return m->max_tasks; }

void tt_model_free(tt_model *m) {
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->ntasks; i++)
    free(m->tasks[i].name);
  tt__strset_free(&m->sites);
  for (size_t i = 0; i < m->nlocks; i++)
    free(m->locks[i].name);
  for (size_t i = 0; i < m->nnames; i++)
    free(m->names[i].name);
  for (size_t i = 0; i < m->nprocs; i++)
    free(m->procs[i].latency);
  for (size_t i = 0; i < m->nslow; i++)
    free((char *)m->slow[i].site);
  free(m->tasks);
  free(m->locks);
  free(m->names);
  free(m->procs);
  free(m->loops);
  free(m->slow);
  tt__findings_free(&m->findings);
  tt__vmap_free(&m->task_map);
  tt__vmap_free(&m->lock_map);
  tt__vmap_free(&m->name_map);
  tt__vmap_free(&m->loop_map);
  tt__vmap_free(&m->proc_map);
  free(m->objs);
  tt__vmap_free(&m->obj_map);
  for (size_t i = 0; i < m->ndeadlocks; i++) {
    free(m->deadlocks[i].call);
    for (size_t k = 0; k < m->deadlocks[i].nedges; k++)
      free(m->deadlocks[i].edges[k].site);
  }
  free(m);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* ---- Lookups (creating on first sight) ---- */

static tt_vproc *get_proc(tt_model *m, uint32_t pid, uint64_t ts) {
  uint32_t i = tt__vmap_get(&m->proc_map, pid, 0);
  if (i != UINT32_MAX)
    return &m->procs[i];
  if (m->nprocs >= m->max_tasks) {
    m->over_limit = "objects";
    return NULL;
  }
  if (tt__grow(&m->procs, &m->cprocs, m->nprocs + 1, sizeof *m->procs, 16) < 0)
    return NULL;
  proc_priv *pp = calloc(1, sizeof *pp);
  if (pp == NULL || tt__vmap_put(&m->proc_map, pid, 0, (uint32_t)m->nprocs) < 0) {
    free(pp);
    return NULL;
  }
  tt_vproc *p = &m->procs[m->nprocs++];
  memset(p, 0, sizeof *p);
  p->pid = pid;
  p->first_ts = p->last_ts = ts;
  pp->prev_ts = ts;
  p->latency = pp;
  return p;
}

static const obj_name *find_name(const tt_model *m, uint32_t pid, uint64_t id) {
  uint32_t i = tt__vmap_get(&m->name_map, pid, id);
  return i == UINT32_MAX ? NULL : &m->names[i];
}

static tt_vtask *get_task(tt_model *m, tt_vproc *p, uint64_t id, uint64_t ts) {
  uint32_t i = tt__vmap_get(&m->task_map, p->pid, id);
  if (i != UINT32_MAX)
    return &m->tasks[i];
  if (m->ntasks >= m->max_tasks) {
    m->over_limit = "tasks";
    return NULL;
  }
  if (m->ntasks >= UINT32_MAX - 1 ||
      tt__grow(&m->tasks, &m->ctasks, m->ntasks + 1, sizeof *m->tasks, 16) < 0 ||
      tt__vmap_put(&m->task_map, p->pid, id, (uint32_t)m->ntasks) < 0)
    return NULL;
  tt_vtask *t = &m->tasks[m->ntasks];
  memset(t, 0, sizeof *t);
  t->pid = p->pid;
  t->id = id;
  t->created = ts;
  t->gap_seen = ((proc_priv *)p->latency)->gap_seq; /* born after any earlier loss */
  const obj_name *n = find_name(m, p->pid, id);
  if (n != NULL)
    t->name = strdup(n->name);
  else if (asprintf(&t->name, "task-%llu", (unsigned long long)id) < 0)
    t->name = NULL;
  if (t->name == NULL)
    return NULL;
  m->ntasks++;
  p->ntasks++;
  p->nlive++;
  return t;
}

static tt_vlock *get_lock(tt_model *m, uint32_t pid, uint64_t id) {
  uint32_t i = tt__vmap_get(&m->lock_map, pid, id);
  if (i != UINT32_MAX)
    return &m->locks[i];
  if (m->nlocks >= m->max_tasks) {
    m->over_limit = "objects";
    return NULL;
  }
  if (tt__grow(&m->locks, &m->clocks, m->nlocks + 1, sizeof *m->locks, 16) < 0 ||
      tt__vmap_put(&m->lock_map, pid, id, (uint32_t)m->nlocks) < 0)
    return NULL;
  tt_vlock *l = &m->locks[m->nlocks];
  memset(l, 0, sizeof *l);
  l->pid = pid;
  l->id = id;
  const obj_name *n = find_name(m, pid, id);
  if (n != NULL)
    l->name = strdup(n->name);
  else if (asprintf(&l->name, "lock-%llu", (unsigned long long)id) < 0)
    l->name = NULL;
  if (l->name == NULL)
    return NULL;
  m->nlocks++;
  return l;
}

static loop_lane *get_loop(tt_model *m, uint32_t pid, uint32_t tid) {
  uint32_t i = tt__vmap_get(&m->loop_map, pid, tid);
  if (i != UINT32_MAX)
    return &m->loops[i];
  if (m->nloops >= m->max_tasks) {
    m->over_limit = "objects";
    return NULL;
  }
  if (tt__grow(&m->loops, &m->cloops, m->nloops + 1, sizeof *m->loops, 16) < 0 ||
      tt__vmap_put(&m->loop_map, pid, tid, (uint32_t)m->nloops) < 0)
    return NULL;
  loop_lane *l = &m->loops[m->nloops++];
  memset(l, 0, sizeof *l);
  l->pid = pid;
  l->tid = tid;
  return l;
}

/* ---- State changes ---- */

static void emit(tt_model *m, uint32_t pid, uint32_t tid, uint64_t task, unsigned state,
                 unsigned why, uint64_t obj, uint64_t begin, uint64_t end) {
  if (m->hooks.interval == NULL || end <= begin)
    return;
  tt_interval iv = {.pid = pid, .tid = tid, .task = task, .state = (uint8_t)state,
                    .why = (uint8_t)why, .object = obj, .begin = begin, .end = end};
  m->hooks.interval(m->hooks.arg, m, &iv);
}

static void set_state(tt_model *m, tt_vproc *p, tt_vtask *t, unsigned state, unsigned why,
                      uint64_t obj, uint64_t ts);

/* Events were lost in t's process since t's last event: what t did from
 * the loss on is unknown, a gap. Applied lazily, when t is next touched, so
 * that a loss costs O(1) however many tasks are alive. If several losses
 * happened since, the gap starts at t's own last event (only the latest
 * loss is remembered): more is shown unknown, never less. */
static void apply_gap(tt_model *m, tt_vproc *p, tt_vtask *t) {
  proc_priv *pp = p->latency;
  if (t->gap_seen == pp->gap_seq)
    return;
  uint64_t from = t->since;
  if (t->gap_seen + 1 == pp->gap_seq && pp->gap_from > from)
    from = pp->gap_from;
  t->gap_seen = pp->gap_seq;
  if (t->state != 0 && t->state != TT_VS_GAP && !(t->exited && t->state != TT_VS_RUNNING))
    set_state(m, p, t, TT_VS_GAP, 0, 0, from);
}

/* Close t's current interval at ts and open the next one (state 0: none,
 * the task is gone or unknown). */
static void set_state(tt_model *m, tt_vproc *p, tt_vtask *t, unsigned state, unsigned why,
                      uint64_t obj, uint64_t ts) {
  if (state != TT_VS_GAP)
    apply_gap(m, p, t);
  if (t->state != 0) {
    uint64_t d = ts > t->since ? ts - t->since : 0;
    switch (t->state) {
    case TT_VS_RUNNING:
      t->busy += d;
      if (d > t->longest_step) {
        t->longest_step = d;
        t->longest_step_at = t->since;
      }
      break;
    case TT_VS_RUNNABLE:
      t->runnable += d;
      if (state == TT_VS_RUNNING)
        tt__hist_add(&((proc_priv *)p->latency)->latency, d);
      break;
    case TT_VS_BLOCKED: t->blocked += d; break;
    case TT_VS_GAP: t->gap += d; break;
    }
    emit(m, t->pid, 0, t->id, t->state, t->why, t->object, t->since, ts > t->since ? ts : t->since);
  }
  t->state = (uint8_t)state;
  t->why = (uint8_t)why;
  t->object = obj;
  t->since = ts;
}

static void loop_set(tt_model *m, tt_vproc *p, loop_lane *l, unsigned state, uint64_t ts) {
  if (l->state != 0) {
    uint64_t d = ts > l->since ? ts - l->since : 0;
    if (l->state == TT_VS_POLL)
      p->poll_ns += d;
    if (l->state == TT_VS_POLL || l->state == TT_VS_RUNNING)
      p->loop_span_ns += d;
    emit(m, l->pid, l->tid, 0, l->state, 0, 0, l->since, ts > l->since ? ts : l->since);
  }
  l->state = (uint8_t)state;
  l->since = ts;
}

/* The slowest steps kept: a min-heap on duration (the base heap), so the
 * shortest of those kept is the one a longer step replaces. */
#define SLOW_LESS(ctx, x, y) ((void)(ctx), (x)->duration < (y)->duration)
TT_HEAP_DEFINE(slow_heap, tt_vslow, void *, SLOW_LESS, TT_HEAP_UNTRACKED)

static void slow_add(tt_model *m, uint32_t pid, uint64_t task, uint64_t dur, uint64_t ts,
                     const char *site) {
  tt_vslow s = {pid, task, ts, dur, NULL};
  if (m->nslow == TT_MODEL_SLOW_KEEP) {
    if (dur <= m->slow[0].duration)
      return;
    free((char *)m->slow[0].site);
    slow_heap_remove(NULL, m->slow, &m->nslow, 0);
  }
  s.site = dup_or_null(site ? site : "");
  m->slow[m->nslow++] = s;
  slow_heap_up(NULL, m->slow, m->nslow - 1);
  m->slow_sorted = 0;
}

static void blame(tt_vlock *l, uint64_t holder) {
  for (int i = 0; i < TT_VLOCK_HOLDERS; i++)
    if (l->holders[i].count > 0 && l->holders[i].task == holder) {
      l->holders[i].count++;
      /* keep the array ordered by count */
      for (; i > 0 && l->holders[i].count > l->holders[i - 1].count; i--) {
        __typeof__(l->holders[0]) t = l->holders[i];
        l->holders[i] = l->holders[i - 1];
        l->holders[i - 1] = t;
      }
      return;
    }
  for (int i = 0; i < TT_VLOCK_HOLDERS; i++)
    if (l->holders[i].count == 0) {
      l->holders[i].task = holder;
      l->holders[i].count = 1;
      return;
    }
  /* Full: a new holder takes the place of the least blamed one, whose
   * count goes to "others" (bounded memory; a holder that keeps coming
   * back climbs again). */
  l->holders_other += l->holders[TT_VLOCK_HOLDERS - 1].count;
  l->holders[TT_VLOCK_HOLDERS - 1].task = holder;
  l->holders[TT_VLOCK_HOLDERS - 1].count = 1;
}

static int set_name(tt_model *m, uint32_t pid, uint64_t id, unsigned kind, const char *name) {
  char *copy = strdup(name ? name : "");
  if (copy == NULL)
    return -ENOMEM;
  uint32_t i = tt__vmap_get(&m->name_map, pid, id);
  if (i == UINT32_MAX && m->nnames >= m->max_tasks) {
    free(copy);
    m->over_limit = "objects";
    return -ENOMEM;
  }
  if (i == UINT32_MAX) {
    if (tt__grow(&m->names, &m->cnames, m->nnames + 1, sizeof *m->names, 16) < 0 ||
        tt__vmap_put(&m->name_map, pid, id, (uint32_t)m->nnames) < 0) {
      free(copy);
      return -ENOMEM;
    }
    i = (uint32_t)m->nnames++;
  } else {
    free(m->names[i].name);
  }
  m->names[i].kind = kind;
  m->names[i].name = copy;
  /* Rename what already exists under this id. */
  char **slot = NULL;
  uint32_t k;
  if (kind == TT_KIND_task && (k = tt__vmap_get(&m->task_map, pid, id)) != UINT32_MAX)
    slot = &m->tasks[k].name;
  else if (kind == TT_KIND_lock && (k = tt__vmap_get(&m->lock_map, pid, id)) != UINT32_MAX)
    slot = &m->locks[k].name;
  if (slot != NULL) {
    char *c2 = strdup(copy);
    if (c2 == NULL)
      return -ENOMEM;
    free(*slot);
    *slot = c2;
  }
  return 0;
}

/* Events were lost in process p: what every task did since the last event
 * we have is unknown, until an event says otherwise. */
static void lose(tt_model *m, tt_vproc *p, uint64_t since) {
  proc_priv *pp = p->latency;
  pp->gap_seq++; /* tasks: see apply_gap */
  pp->gap_from = since;
  for (size_t i = 0; i < m->nloops; i++) /* loops: one per thread, at once */
    if (m->loops[i].pid == p->pid && m->loops[i].state != 0)
      loop_set(m, p, &m->loops[i], TT_VS_GAP, since < m->loops[i].since ? m->loops[i].since : since);
}

/* ---- One handler per event type ----
 *
 * Each returns 0, or -1 when out of memory (or past the limit). The table
 * below is generated from TT_EVENTS: an event without an on_NAME here does
 * not compile; one the model ignores says so with NO_EFFECT. */

typedef int (*handler)(tt_model *m, tt_vproc *p, const tt_trace_event *ev);

static int no_effect(tt_model *m, tt_vproc *p, const tt_trace_event *ev) { return 0; }
#define NO_EFFECT no_effect

/* ---- The other sync objects, timeouts and deadlocks ---- */

static tt_vobj *get_obj(tt_model *m, uint32_t pid, uint64_t id, unsigned kind) {
  uint32_t i = tt__vmap_get(&m->obj_map, pid, id);
  if (i != UINT32_MAX)
    return &m->objs[i];
  if (m->nobjs >= m->max_tasks) {
    m->over_limit = "objects";
    return NULL;
  }
  if (tt__grow(&m->objs, &m->cobjs, m->nobjs + 1, sizeof *m->objs, 16) < 0 ||
      tt__vmap_put(&m->obj_map, pid, id, (uint32_t)m->nobjs) < 0)
    return NULL;
  tt_vobj *o = &m->objs[m->nobjs++];
  memset(o, 0, sizeof *o);
  o->pid = pid;
  o->id = id;
  const obj_name *n = find_name(m, pid, id);
  o->kind = n ? n->kind : kind; /* the name's kind, else what the wait said */
  return o;
}

/* t's wait (blocked on t->object for t->why) ended at ts, woken or timed
 * out: it counts for the object. Locks count their waits in lock_acquired. */
static int wait_ended(tt_model *m, tt_vproc *p, tt_vtask *t, uint64_t ts) {
  bool timed_out = t->timing_out;
  t->timing_out = false;
  t->timeouts += timed_out;
  int on = tt_state_on(t->why);
  if (t->object == 0 || on < 0 || on == TT_KIND_task || on == TT_KIND_io)
    return 0;
  if (on == TT_KIND_lock) {
    tt_vlock *l = get_lock(m, p->pid, t->object);
    if (l == NULL)
      return -1;
    l->timeouts += timed_out;
    if (timed_out && l->waiting > 0)
      l->waiting--;
    return 0;
  }
  tt_vobj *o = get_obj(m, p->pid, t->object, (unsigned)on);
  if (o == NULL)
    return -1;
  uint64_t d = ts > t->since ? ts - t->since : 0;
  o->waits++;
  o->wait_total += d;
  if (d > o->wait_max)
    o->wait_max = d;
  o->timeouts += timed_out;
  return 0;
}

/* At the end: a wait still going is unfinished, never a 0 ns wait. */
static void wait_unfinished(tt_model *m, tt_vproc *p, tt_vtask *t, uint64_t end) {
  int on = tt_state_on(t->why);
  uint64_t d = end > t->since ? end - t->since : 0;
  if (t->object == 0 || on < 0 || on == TT_KIND_task || on == TT_KIND_io)
    return;
  uint64_t *n, *max;
  if (on == TT_KIND_lock) {
    tt_vlock *l = get_lock(m, p->pid, t->object);
    if (l == NULL)
      return;
    n = &l->unfinished, max = &l->unfinished_max;
  } else {
    tt_vobj *o = get_obj(m, p->pid, t->object, (unsigned)on);
    if (o == NULL)
      return;
    n = &o->unfinished, max = &o->unfinished_max;
  }
  ++*n;
  if (d > *max)
    *max = d;
}

/* signal: a set, release, notify or put (woken: waiters it woke); else a
 * clear, acquire or get. */
static int obj_count(tt_model *m, tt_vproc *p, const tt_trace_event *ev, unsigned kind,
                     bool signal, uint64_t woken) {
  tt_vobj *o = get_obj(m, p->pid, ev->u[0], kind);
  if (o == NULL)
    return -1;
  if (signal)
    o->signals++, o->woken += woken;
  else
    o->takes++;
  return 0;
}

static int on_event_set(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  if (obj_count(m, p, ev, TT_KIND_event, true, ev->u[2]) < 0)
    return -1;
  tt_vobj *o = get_obj(m, p->pid, ev->u[0], TT_KIND_event);
  o->unseen = o->unseen || ev->u[2] == 0; /* nobody waited: the set waits to be seen */
  if (ev->u[2] > 0)
    o->unseen = false;
  return 0;
}

static int on_event_clear(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  if (obj_count(m, p, ev, TT_KIND_event, false, 0) < 0)
    return -1;
  tt_vobj *o = get_obj(m, p->pid, ev->u[0], TT_KIND_event);
  if (ev->u[2] && o->unseen)
    o->missed++; /* set, then cleared, and no waiter was woken by it */
  o->unseen = false;
  return 0;
}

static int on_sem_acquired(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return obj_count(m, p, ev, TT_KIND_sem, false, 0);
}
static int on_sem_released(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return obj_count(m, p, ev, TT_KIND_sem, true, ev->u[3]);
}
static int on_cond_notify(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return obj_count(m, p, ev, TT_KIND_cond, true, ev->u[3]);
}
static int on_queue_put(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return obj_count(m, p, ev, TT_KIND_queue, true, 0);
}
static int on_queue_get(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return obj_count(m, p, ev, TT_KIND_queue, false, 0);
}

static int on_wait_timeout(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vtask *t = get_task(m, p, ev->u[0], ev->ts);
  if (t == NULL)
    return -1;
  t->timing_out = true; /* the wake that follows ends the wait */
  return 0;
}

static int on_deadlock(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  m->edges_open = false;
  if (m->ndeadlocks == TT_MODEL_DEADLOCKS_KEEP)
    return 0; /* bounded: the first ones are the ones that matter */
  tt_vdeadlock *d = &m->deadlocks[m->ndeadlocks];
  memset(d, 0, sizeof *d);
  d->pid = p->pid;
  d->ts = ev->ts;
  d->task = ev->u[0];
  d->tasks = ev->u[1];
  if ((d->call = strdup(ev->s[2] ? ev->s[2] : "")) == NULL)
    return -1;
  m->ndeadlocks++;
  m->edges_open = true;
  return 0;
}

static int on_deadlock_edge(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vdeadlock *d = m->ndeadlocks ? &m->deadlocks[m->ndeadlocks - 1] : NULL;
  if (!m->edges_open || d->pid != p->pid || d->nedges == TT_VDEADLOCK_EDGES)
    return 0;
  tt_vtask *t = get_task(m, p, ev->u[0], ev->ts);
  if (t == NULL)
    return -1;
  t->deadlocked = true;
  uint32_t k = tt__vmap_get(&m->lock_map, p->pid, ev->u[1]);
  if (k != UINT32_MAX)
    m->locks[k].deadlocked = true;
  else if ((k = tt__vmap_get(&m->obj_map, p->pid, ev->u[1])) != UINT32_MAX)
    m->objs[k].deadlocked = true;
  char *site = strdup(ev->s[3] ? ev->s[3] : "");
  if (site == NULL)
    return -1;
  d->edges[d->nedges].task = ev->u[0];
  d->edges[d->nedges].object = ev->u[1];
  d->edges[d->nedges].holder = ev->u[2];
  d->edges[d->nedges++].site = site;
  return 0;
}

/* task_create and statedump_task: parent, name and spawn site (fields 1-3). */
static int take_identity(tt_model *m, tt_vtask *t, const tt_trace_event *ev) {
  if (ev->u[1] != 0) /* a state dump knows no parent: keep what task_create said */
    t->parent = ev->u[1];
  if (ev->s[2] != NULL && ev->s[2][0] != 0) {
    char *n = strdup(ev->s[2]);
    if (n == NULL)
      return -1;
    free(t->name);
    t->name = n;
  }
  if (ev->s[3] != NULL && ev->s[3][0] != 0 &&
      (t->site = tt__strset_intern(&m->sites, ev->s[3])) == NULL)
    return -1;
  return 0;
}

static int on_task_create(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vtask *t = get_task(m, p, ev->u[0], ev->ts);
  if (t == NULL)
    return -1;
  if (take_identity(m, t, ev) < 0)
    return -1;
  t->created = ev->ts;
  set_state(m, p, t, TT_VS_RUNNABLE, 0, 0, ev->ts);
  return 0;
}

static int on_task_switch(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  const uint64_t *u = ev->u;
  if (u[0] != 0) {
    tt_vtask *t = get_task(m, p, u[0], ev->ts);
    if (t == NULL)
      return -1;
    if (u[2] == TT_STATE_done)
      set_state(m, p, t, 0, 0, 0, ev->ts);
    else if (u[2] == TT_STATE_yield)
      set_state(m, p, t, TT_VS_RUNNABLE, 0, 0, ev->ts);
    else
      set_state(m, p, t, TT_VS_BLOCKED, (unsigned)(u[2] < 256 ? u[2] : 255), u[3], ev->ts);
  }
  if (u[1] != 0) {
    tt_vtask *t = get_task(m, p, u[1], ev->ts);
    if (t == NULL)
      return -1;
    set_state(m, p, t, TT_VS_RUNNING, 0, 0, ev->ts);
    t->switches++;
  }
  return 0;
}

static int on_task_wake(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  const uint64_t *u = ev->u;
  tt_vtask *t = get_task(m, p, u[0], ev->ts);
  if (t == NULL)
    return -1;
  if (t->exited && t->state == 0)
    return 0;
  /* A deadlocked task's wait never ended: the runtime cancels it at exit. */
  if (t->state == TT_VS_BLOCKED && t->deadlocked)
    wait_unfinished(m, p, t, ev->ts);
  else if (t->state == TT_VS_BLOCKED && wait_ended(m, p, t, ev->ts) < 0)
    return -1;
  set_state(m, p, t, TT_VS_RUNNABLE, 0, 0, ev->ts);
  if (u[1] != 0)
    t->wakes++;
  if (m->hooks.flow != NULL && u[1] != 0) {
    tt_flow f = {p->pid, u[1], u[0], u[2], ev->ts,
                 tt__vmap_get(&m->lock_map, p->pid, u[2]) != UINT32_MAX};
    m->hooks.flow(m->hooks.arg, m, &f);
  }
  return 0;
}

static int on_task_exit(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vtask *t = get_task(m, p, ev->u[0], ev->ts);
  if (t == NULL)
    return -1;
  if (!t->exited) {
    t->exited = true;
    p->nlive--;
  }
  t->status = (int)ev->u[1];
  t->result = (int64_t)ev->u[2];
  t->ended = ev->ts;
  /* A running task still has to switch away (why = done); one that never
   * ran (cancelled before its first step) ends here. */
  if (t->state != TT_VS_RUNNING)
    set_state(m, p, t, 0, 0, 0, ev->ts);
  return 0;
}

static int on_slow_step(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  p->slow_steps++;
  slow_add(m, p->pid, ev->u[0], ev->u[1], ev->ts, ev->s[2]);
  return 0;
}

static int on_lock_contended(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vlock *l = get_lock(m, p->pid, ev->u[0]);
  if (l == NULL)
    return -1;
  l->contended++;
  l->waiting++;
  if (l->waiting > l->max_waiters)
    l->max_waiters = l->waiting;
  blame(l, ev->u[2]);
  return 0;
}

static int on_lock_acquired(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vlock *l = get_lock(m, p->pid, ev->u[0]);
  if (l == NULL)
    return -1;
  if (l->waiting > 0)
    l->waiting--;
  l->acquires++;
  l->holder = ev->u[1];
  l->held_since = ev->ts;
  l->wait_total += ev->u[2];
  if (ev->u[2] > l->wait_max)
    l->wait_max = ev->u[2];
  return 0;
}

static int on_lock_released(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vlock *l = get_lock(m, p->pid, ev->u[0]);
  if (l == NULL)
    return -1;
  l->releases++;
  if (l->holder == ev->u[1])
    l->holder = 0;
  l->hold_total += ev->u[2];
  if (ev->u[2] > l->hold_max)
    l->hold_max = ev->u[2];
  return 0;
}

static int loop_poll(tt_model *m, tt_vproc *p, const tt_trace_event *ev, unsigned state) {
  loop_lane *l = get_loop(m, p->pid, ev->tid);
  if (l == NULL)
    return -1;
  loop_set(m, p, l, state, ev->ts);
  return 0;
}

static int on_loop_poll_begin(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return loop_poll(m, p, ev, TT_VS_POLL);
}

static int on_loop_poll_end(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return loop_poll(m, p, ev, TT_VS_RUNNING);
}

static int on_object_name(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return set_name(m, p->pid, ev->u[0], (unsigned)ev->u[1], ev->s[2]) < 0 ? -1 : 0;
}

/* ---- The state dump (a session begun mid-run: runtime/src/statedump.c) ----
 * It names what existed before the trace did; it never undoes what the
 * trace itself has said (a task already seen keeps its state). */
#define on_statedump_begin NO_EFFECT
#define on_statedump_end NO_EFFECT

static int on_statedump_task(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vtask *t = get_task(m, p, ev->u[0], ev->ts);
  if (t == NULL)
    return -1;
  if (take_identity(m, t, ev) < 0)
    return -1;
  return 0;
}

static int on_statedump_task_state(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  tt_vtask *t = get_task(m, p, ev->u[0], ev->ts);
  if (t == NULL)
    return -1;
  if (t->state != 0 || t->exited || ev->u[1] == TT_STATE_done)
    return 0;
  if (ev->u[1] == TT_STATE_yield)
    set_state(m, p, t, TT_VS_RUNNABLE, 0, 0, ev->ts);
  else
    set_state(m, p, t, TT_VS_BLOCKED, (unsigned)(ev->u[1] < 256 ? ev->u[1] : 255), ev->u[2], ev->ts);
  return 0;
}

static int on_statedump_object(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  return set_name(m, p->pid, ev->u[0], (unsigned)ev->u[1], ev->s[2]) < 0 ? -1 : 0;
}

static int on_lost(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  p->lost += ev->u[0];
  p->lost_records++;
  lose(m, p, ((proc_priv *)p->latency)->prev_ts);
  return 0;
}

/* Marks and regions change no state: renderers get them (instant hook). */
#define on_mark NO_EFFECT
#define on_region_begin NO_EFFECT
#define on_region_end NO_EFFECT

static int on_race(tt_model *m, tt_vproc *p, const tt_trace_event *ev) {
  (void)p;
  return tt__findings_add(&m->findings, ev);
}
#define on_lock_inversion on_race

const tt__findings *tt__model_findings(const tt_model *m) { return &m->findings; }

static const handler handlers[TT_EV_MAX] = {
#define TT__H(id, name, ...) [id] = on_##name,
    TT_EVENTS(TT__H)
#undef TT__H
};

int tt__model_handles(unsigned type) {
  if (type >= TT_EV_MAX || handlers[type] == NULL)
    return -1;
  return handlers[type] != no_effect;
}

/* The renderers' instant hook gets the point events and the task-level
 * begin/end pairs (the loop's own pairs are its lane's intervals). */
static bool passed_on(unsigned type) {
  const tt_ev_desc *d = tt_ev_describe(type);
  return d != NULL && (d->flags & (TT_EVF_INSTANT | TT_EVF_BEGIN | TT_EVF_END)) &&
         !(d->flags & TT_EVF_LOOP);
}

static void note_time(tt_model *m, tt_vproc *p, uint64_t ts) {
  m->events++;
  p->events++;
  if (ts < m->first_ts)
    m->first_ts = ts;
  if (ts > m->last_ts)
    m->last_ts = ts;
  if (ts > p->last_ts)
    p->last_ts = ts;
  if (ts < p->first_ts)
    p->first_ts = ts;
}

static int model_add(tt_model *m, const tt_trace_event *ev) {
  tt_vproc *p = get_proc(m, ev->pid, ev->ts);
  if (p == NULL)
    goto oom;
  note_time(m, p, ev->ts);
  /* Types the schema does not know (a newer producer) are counted only. */
  handler h = ev->type < TT_EV_MAX ? handlers[ev->type] : NULL;
  if (h != NULL && h(m, p, ev) < 0)
    goto oom;
  if (m->hooks.instant != NULL && passed_on(ev->type))
    m->hooks.instant(m->hooks.arg, m, ev);
  ((proc_priv *)p->latency)->prev_ts = ev->ts;
  return 0;
oom:
  m->err = m->over_limit ? -E2BIG : -ENOMEM;
  return m->err;
}

int tt_model_add(tt_model *m, const tt_trace_event *ev, char *err, size_t errlen) {
  int r = model_add(m, ev);
  if (r == -E2BIG && err != NULL && errlen > 0)
    snprintf(err, errlen, "more than %llu %s", (unsigned long long)m->max_tasks, m->over_limit);
  return r;
}

void tt_model_finish(tt_model *m) {
  for (size_t i = 0; i < m->ntasks; i++) {
    tt_vtask *t = &m->tasks[i];
    if (t->state != 0) {
      tt_vproc *p = get_proc(m, t->pid, 0);
      apply_gap(m, p, t);
      if (t->state == TT_VS_BLOCKED)
        wait_unfinished(m, p, t, p->last_ts);
      /* Keep the state: the summary reports what each task was doing at
       * the end; only the interval is closed. */
      unsigned st = t->state, why = t->why;
      uint64_t obj = t->object;
      set_state(m, p, t, 0, 0, 0, p->last_ts);
      t->state = (uint8_t)st;
      t->why = (uint8_t)why;
      t->object = obj;
      t->since = p->last_ts;
    }
  }
  for (size_t i = 0; i < m->nloops; i++) {
    loop_lane *l = &m->loops[i];
    if (l->state != 0) {
      tt_vproc *p = get_proc(m, l->pid, 0);
      loop_set(m, p, l, 0, p->last_ts);
    }
  }
}

/* ---- Queries ---- */

uint64_t tt_model_events(const tt_model *m) { return m->events; }
uint64_t tt_model_first_ts(const tt_model *m) { return m->events ? m->first_ts : 0; }
uint64_t tt_model_last_ts(const tt_model *m) { return m->last_ts; }
size_t tt_model_nprocs(const tt_model *m) { return m->nprocs; }
const tt_vproc *tt_model_proc(const tt_model *m, size_t i) { return &m->procs[i]; }
size_t tt_model_ntasks(const tt_model *m) { return m->ntasks; }
const tt_vtask *tt_model_task(const tt_model *m, size_t i) { return &m->tasks[i]; }
const tt_vtask *tt_model_find_task(const tt_model *m, uint32_t pid, uint64_t id) {
  uint32_t i = tt__vmap_get(&m->task_map, pid, id);
  return i == UINT32_MAX ? NULL : &m->tasks[i];
}
size_t tt_model_nlocks(const tt_model *m) { return m->nlocks; }
size_t tt_model_nobjs(const tt_model *m) { return m->nobjs; }
const tt_vobj *tt_model_obj(const tt_model *m, size_t i) { return &m->objs[i]; }
size_t tt_model_ndeadlocks(const tt_model *m) { return m->ndeadlocks; }
const tt_vdeadlock *tt_model_deadlock(const tt_model *m, size_t i) { return &m->deadlocks[i]; }
const tt_vlock *tt_model_lock(const tt_model *m, size_t i) { return &m->locks[i]; }

static int slow_cmp(const void *a, const void *b) {
  const tt_vslow *x = a, *y = b;
  if (x->duration != y->duration)
    return x->duration < y->duration ? 1 : -1;
  return x->ts < y->ts ? -1 : x->ts > y->ts;
}

size_t tt_model_nslow(const tt_model *m) { return m->nslow; }
const tt_vslow *tt_model_slow(const tt_model *m, size_t i) {
  tt_model *mm = (tt_model *)m; /* sorting once is not a visible change */
  if (!mm->slow_sorted) {
    qsort(mm->slow, mm->nslow, sizeof *mm->slow, slow_cmp);
    mm->slow_sorted = 1;
  }
  return &m->slow[i];
}

const char *tt_model_object_name(const tt_model *m, uint32_t pid, uint64_t id, unsigned *kind) {
  uint32_t i = tt__vmap_get(&m->task_map, pid, id);
  if (i != UINT32_MAX) {
    if (kind)
      *kind = TT_KIND_task;
    return m->tasks[i].name;
  }
  if ((i = tt__vmap_get(&m->lock_map, pid, id)) != UINT32_MAX) {
    if (kind)
      *kind = TT_KIND_lock;
    return m->locks[i].name;
  }
  const obj_name *n = find_name(m, pid, id);
  if (n == NULL)
    return NULL;
  if (kind)
    *kind = n->kind;
  return n->name;
}

uint64_t tt_model_latency(const tt_model *m, size_t proc, double q) {
  return tt__hist_quantile(&((proc_priv *)m->procs[proc].latency)->latency, q);
}
uint64_t tt_model_latency_count(const tt_model *m, size_t proc) {
  return ((proc_priv *)m->procs[proc].latency)->latency.count;
}
