/* Tasks as the detector sees them, and the runtime's hooks: steps, vector
 * clocks moved by the hand-offs (spawn, join, event, queue, semaphore,
 * condition), and the locks each task holds (a lock is no ordering: which
 * task gets it first is the schedule's choice). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

__thread rt_task *rt_cur __attribute__((tls_model("initial-exec")));
uint64_t rt_seq;
uintptr_t rt_callsite_granule;

static rt_task **tasks; /* by slot */
static uint32_t ntasks, tasks_cap;

/* One thread is tracked: the first whose loop calls a hook. Plain threads
 * and other loops are ignored (docs/race.md). */
static pthread_t owner;
static int owned;
static __thread int mine; /* 0: not asked yet, 1: the tracked thread, 2: another */

static bool tracked(void) {
  if (TT_LIKELY(mine == 1))
    return true;
  if (mine == 2)
    return false;
  int expect = 0;
  if (__atomic_compare_exchange_n(&owned, &expect, 1, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    owner = pthread_self();
    rt_callsite_granule = (uintptr_t)&tt__call_site;
    mine = 1;
  } else {
    mine = 2;
  }
  return mine == 1;
}

/* The detector's own memory: without it, it cannot go on (or stay true),
 * so it says so in one line and stops the program (rt.h). */
static void *enough(void *p) {
  if (p == NULL) {
    fputs("tasktrace: race detector: out of memory for its own tables; stopping\n", stderr);
    abort();
  }
  return p;
}

/* The C library's own, past the --wrap of tasktrace-cc (heap.c). */
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

void *rt_xrealloc(void *p, size_t n) { return enough(__real_realloc(p, n)); }
void *rt_xcalloc(size_t k, size_t n) { return enough(__real_calloc(k, n)); }
void rt_free(void *p) { __real_free(p); }

/* ---- Vector clocks ---- */

static void vc_grow(rt_vc *v, uint32_t n) {
  if (n <= v->n)
    return;
  v->c = rt_xrealloc(v->c, n * sizeof *v->c);
  memset(v->c + v->n, 0, (n - v->n) * sizeof *v->c);
  v->n = n;
}

static void vc_join(rt_vc *dst, const rt_vc *src) {
  vc_grow(dst, src->n);
  for (uint32_t i = 0; i < src->n; i++)
    if (src->c[i] > dst->c[i])
      dst->c[i] = src->c[i];
}

static void tick(rt_task *t) {
  vc_grow(&t->vc, t->slot + 1);
  t->vc.c[t->slot]++;
}

/* ---- Task records: by slot, found from the runtime's pointer ---- */

/* tt_task* -> slot+1, open addressing; records are pooled, so a spawn
 * overwrites the pointer's entry. */
static struct {
  const void *key;
  uint32_t slot1;
} *map;
static size_t map_cap, map_len;

static size_t map_find(const void *key) {
  size_t i = ((uintptr_t)key >> 4) * 0x9E3779B97F4A7C15ull >> 20;
  for (i &= map_cap - 1; map[i].key != NULL && map[i].key != key; i = (i + 1) & (map_cap - 1))
    ;
  return i;
}

static void map_put(const void *key, uint32_t slot) {
  if (2 * (map_len + 1) > map_cap) {
    size_t old = map_cap;
    void *o = map;
    map_cap = map_cap ? map_cap * 2 : 256;
    map = rt_xcalloc(map_cap, sizeof *map);
    map_len = 0;
    for (size_t i = 0; i < old; i++)
      if (((typeof(map))o)[i].key != NULL)
        map_put(((typeof(map))o)[i].key, ((typeof(map))o)[i].slot1 - 1);
    rt_free(o);
  }
  size_t i = map_find(key);
  if (map[i].key == NULL)
    map_len++;
  map[i].key = key;
  map[i].slot1 = slot + 1;
}

rt_task *rt_task_at(uint32_t slot) { return slot < ntasks ? tasks[slot] : NULL; }

static rt_task *task_new(tt_task *t) {
  if (ntasks == tasks_cap) {
    tasks_cap = tasks_cap ? tasks_cap * 2 : 64;
    tasks = rt_xrealloc(tasks, tasks_cap * sizeof *tasks);
  }
  rt_task *r = rt_xrealloc(NULL, sizeof *r);
  memset(r, 0, sizeof *r);
  tt__race_task d;
  tt__race_describe(t, &d);
  r->id = d.id;
  r->slot = ntasks;
  snprintf(r->name, sizeof r->name, "%s", d.name);
  r->site = d.site;
  tasks[ntasks++] = r;
  tick(r);
  map_put(t, r->slot);
  return r;
}

static rt_task *task_of(tt_task *t) {
  if (t == NULL || map_cap == 0)
    return t ? task_new(t) : NULL;
  size_t i = map_find(t);
  if (map[i].key == NULL)
    return task_new(t);
  rt_task *r = tasks[map[i].slot1 - 1];
  tt__race_task d;
  tt__race_describe(t, &d);
  if (d.id != r->id)
    return task_new(t); /* a record reused without a spawn seen */
  return r;
}

const char *rt_yield_site(const rt_task *t, uint32_t step) {
  unsigned i = step % RT_YSITES;
  return t->ystep[i] == step + 1 ? t->ysite[i] : NULL;
}

/* ---- Sync objects: the clock each hand-off carries ---- */

static struct {
  const void *key;
  rt_vc vc;
} *objs;
static size_t objs_cap, objs_len;

static rt_vc *obj_vc(const void *key) {
  if (2 * (objs_len + 1) > objs_cap) {
    size_t old = objs_cap;
    typeof(objs) o = objs;
    objs_cap = objs_cap ? objs_cap * 2 : 64;
    objs = rt_xcalloc(objs_cap, sizeof *objs);
    objs_len = 0;
    for (size_t i = 0; i < old; i++)
      if (o[i].key != NULL) {
        rt_vc *v = obj_vc(o[i].key);
        *v = o[i].vc;
      }
    rt_free(o);
  }
  size_t i = ((uintptr_t)key >> 3) * 0x9E3779B97F4A7C15ull >> 20;
  for (i &= objs_cap - 1; objs[i].key != NULL && objs[i].key != key; i = (i + 1) & (objs_cap - 1))
    ;
  if (objs[i].key == NULL) {
    objs[i].key = key;
    objs_len++;
  }
  return &objs[i].vc;
}

/* ---- The hooks ---- */

static void on_switch(tt_task *next) {
  if (!tracked())
    return;
  rt_task *r = task_of(next);
  if (r != NULL && r->stack_hi == 0) {
    tt__race_task d;
    tt__race_describe(next, &d);
    r->stack_lo = (uintptr_t)d.stack;
    r->stack_hi = (uintptr_t)d.stack + d.stack_size;
  }
  rt_cur = r;
  if (r != NULL) /* the step runs (again) from now: its window starts no earlier */
    r->stime[r->step % RT_YSITES] = tt__race_clock();
}

static void step_end(tt_task *self, const char *site) {
  if (!tracked())
    return;
  rt_task *r = task_of(self);
  unsigned i = r->step % RT_YSITES;
  r->ysite[i] = site;
  r->ystep[i] = r->step + 1;
  r->step++;
  if (r->tick_due) {
    r->tick_due = false;
    tick(r);
  }
  r->stime[r->step % RT_YSITES] = tt__race_clock();
}

uint64_t rt_step_time(const rt_task *t, uint32_t step) {
  /* Kept while the ring still holds it: steps since then fewer than its size. */
  return t->step - step < RT_YSITES ? t->stime[step % RT_YSITES] : 0;
}

static void spawn(tt_task *parent, tt_task *child) {
  if (!tracked())
    return;
  rt_task *c = task_new(child);
  rt_task *p = task_of(parent);
  if (p != NULL) {
    vc_join(&c->vc, &p->vc);
    p->tick_due = true; /* the child runs after this step: all of it is ordered before */
  }
}

static void finish(tt_task *t) {
  if (tracked()) {
    rt_task *r = task_of(t);
    r->tick_due = false;
    tick(r);
  }
}

static void join(tt_task *t) {
  if (tracked() && rt_cur != NULL)
    vc_join(&rt_cur->vc, &task_of(t)->vc);
}

static void release(const void *obj) {
  if (!tracked() || rt_cur == NULL)
    return;
  /* No acquire can come before this step ends (acquires come after a
   * yield point): the clock it carries holds for the rest of the step. */
  vc_join(obj_vc(obj), &rt_cur->vc);
  rt_cur->tick_due = true;
}

static void acquire(const void *obj) {
  if (tracked() && rt_cur != NULL)
    vc_join(&rt_cur->vc, obj_vc(obj));
}

static void lock_acquire(tt_task *t, const tt_lock *l) {
  if (!tracked())
    return;
  rt_task *r = task_of(t);
  if (r->nheld < RT_LOCKS) {
    r->held[r->nheld].lock = l;
    r->held[r->nheld].seq = ++rt_seq;
    r->nheld++;
  }
}

static void lock_release(tt_task *t, const tt_lock *l) {
  if (!tracked())
    return;
  rt_task *r = task_of(t);
  for (int i = 0; i < r->nheld; i++)
    if (r->held[i].lock == l) {
      r->held[i] = r->held[--r->nheld];
      return;
    }
}

static const tt__race_hooks hooks = {
    .on_switch = on_switch,
    .step_end = step_end,
    .spawn = spawn,
    .finish = finish,
    .join = join,
    .release = release,
    .acquire = acquire,
    .lock_acquire = lock_acquire,
    .lock_release = lock_release,
};

void rt_init(void) {
  static int done;
  if (done++)
    return;
  rt_report_init();
  tt__race_set_hooks(&hooks);
}
