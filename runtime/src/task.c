/* Tasks: spawn, finish, join, cancel, yield, sleep.
 *
 * Task structs come from a per-thread pool and are never given back to
 * malloc while the loop lives, so a stale handle still points at a task
 * struct: tt__task_valid() can refuse a double join instead of reading freed
 * memory (until the struct is reused by a later spawn).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define POOL_CHUNK 1024

typedef struct pool_chunk {
  struct pool_chunk *next;
  tt_task tasks[POOL_CHUNK];
} pool_chunk;

static __thread tt_task *pool_free;
static __thread pool_chunk *pool_chunks;
/* The newest chunk's records never handed out yet, from pool_next on: they
 * are taken in order and not touched before, so a run that spawns ten tasks
 * faults in one page of its chunk, not 60 (explore forks a run per schedule,
 * and each page it writes is a fault). */
static __thread size_t pool_next = POOL_CHUNK;

static tt_task *task_alloc(void) {
  if (pool_free != NULL) {
    tt_task *t = pool_free;
    pool_free = t->next_free;
    return t;
  }
  if (pool_chunks == NULL || pool_next == POOL_CHUNK) {
    pool_chunk *c = malloc(sizeof *c);
    if (c == NULL)
      return NULL;
    c->next = pool_chunks;
    pool_chunks = c;
    pool_next = 0;
  }
  return &pool_chunks->tasks[pool_next++];
}

void tt__task_release(tt_task *t) {
  tt_loop *loop = t->loop;
  if (TT_UNLIKELY(tt__cfg.debug))
    tt__debug_released(t);
  tt__list_remove(&t->all);
  loop->ntasks--;
  free(t->ext);
  t->ext = NULL;
  t->state = TT__T_FREE;
  t->next_free = pool_free;
  pool_free = t;
}

void tt__pool_trim(void) {
  for (pool_chunk *c = pool_chunks, *next; c != NULL; c = next) {
    next = c->next;
    /* The newest chunk is handed out up to pool_next only: past it the
     * memory was never written (task_alloc). */
    size_t used = c == pool_chunks ? pool_next : POOL_CHUNK;
    for (size_t i = 0; i < used; i++)
      if (c->tasks[i].state != TT__T_FREE)
        free(c->tasks[i].ext); /* a record never given back (teardown) */
    free(c);
  }
  pool_chunks = NULL;
  pool_free = NULL;
  pool_next = POOL_CHUNK;
}

bool tt__task_valid(const tt_task *t) {
  return t != NULL && t->state != TT__T_FREE && t->handle_out && t->loop == tt__loop;
}

tt__task_ext *tt__ext_of(tt_task *t) {
  if (t->ext == NULL)
    t->ext = calloc(1, sizeof *t->ext);
  return t->ext;
}

static const char *default_name(uint64_t id, char *buf, size_t cap) {
  snprintf(buf, cap, "task-%llu", (unsigned long long)id);
  return buf;
}

const char *tt__task_name_into(const tt_task *t, char *buf, size_t cap) {
  if (t->ext != NULL && t->ext->name[0] != '\0')
    return t->ext->name;
  return default_name(t->id, buf, cap);
}

const char *tt__task_name(const tt_task *t) {
  if (t->ext != NULL && t->ext->name[0] != '\0')
    return t->ext->name;
  /* Reports ask for names rarely: keeping the name from now on is cheaper
   * than a name in every record. The record is ours, so not really const. */
  tt__task_ext *x = tt__ext_of((tt_task *)t);
  if (x != NULL)
    return default_name(t->id, x->name, sizeof x->name);
  static __thread char fallback[32]; /* out of memory: good until the next ask */
  return default_name(t->id, fallback, sizeof fallback);
}

/* task_create while tracing: the name is formatted only for the trace. */
static __attribute__((noinline)) void emit_create(const tt_task *t, uint64_t parent, const char *site) {
  char buf[32];
  tt__emit_task_create(t->id, parent, tt__task_name_into(t, buf, sizeof buf), site);
}

int tt__spawn(tt_task **out, tt_fn fn, void *arg, const char *name, size_t stack_size,
              const char *site) {
  tt_loop *loop = tt__loop;
  if (out == NULL || fn == NULL)
    return -EINVAL;
  *out = NULL;
  if (loop == NULL || loop->closing)
    return -EPERM;
  if (stack_size != 0 && (stack_size < 16 * 1024 || stack_size > (1u << 30)))
    return -EINVAL;
  /* The ready queue's room for this task: the one place a task's
   * scheduling can run out of memory (see tt__ready_push). */
  if (TT_UNLIKELY(loop->ready.cap <= loop->ntasks) && tt__ready_reserve(loop, loop->ntasks + 1) < 0)
    return -ENOMEM;
  tt_task *t = task_alloc();
  if (t == NULL)
    return -ENOMEM;
  memset(t, 0, sizeof *t);
  if (name != NULL && name[0] != '\0') { /* "" is no name: "task-N" */
    if (tt__ext_of(t) == NULL) {
      t->next_free = pool_free; /* still FREE: straight back */
      pool_free = t;
      return -ENOMEM;
    }
    snprintf(t->ext->name, sizeof t->ext->name, "%s", name);
  }
  t->loop = loop;
  t->id = tt__next_id();
  t->fn = fn;
  t->arg = arg;
  t->handle_out = 1;
  t->heap_idx = TT__NO_HEAP;
  t->deadline = TT_FOREVER;
  t->stack_size = (uint32_t)stack_size;
  t->site = site;
  tt__list_push(&loop->tasks, &t->all);
  loop->ntasks++;
  tt__ready_push(loop, t);
  if (TT_UNLIKELY(tt__trace_on))
    emit_create(t, loop->current ? loop->current->id : 0, site);
  TT__RACE(spawn, loop->current, t);
  *out = t;
  return 0;
}

int tt__spawn_o(tt_task **out, tt_fn fn, void *arg, const tt_spawn_opts *opts, const char *site) {
  return tt__spawn(out, fn, arg, opts ? opts->name : NULL, opts ? opts->stack_size : 0, site);
}

/* Hand a finished task's result and handle back to its joiner. */
static void take_result(tt_task *t, int *result) {
  if (result != NULL)
    *result = t->result;
  t->retrieved = 1;
  TT__RACE(join, t);
  t->handle_out = 0;
  if (t->loop->dead != t)
    tt__task_release(t); /* the stack went back when it finished */
}

/* The task is over: record the result, wake its joiner, stop the loop when
 * it is main. Its stack (if any) is released by whoever runs next. */
void tt__task_finish(tt_task *t, int result) {
  tt_loop *loop = t->loop;
  t->result = result;
  t->state = TT__T_DONE;
  unsigned status = TT_EXIT_OK;
  if (result == -ECANCELED && t->cancelled)
    status = TT_EXIT_CANCELLED;
  else if (result < 0)
    status = TT_EXIT_ERROR;
  tt__emit_task_exit(t->id, status, result);
  TT__RACE(finish, t);
  /* Not at tt_run's teardown: those tasks were cancelled by it (and the
   * pending-at-shutdown report names them). */
  if (TT_UNLIKELY(tt__cfg.debug) && t->ext != NULL && t->ext->held.next != NULL)
    tt__debug_finished_holding(t, !loop->stopping);
  if (t->joiner != NULL) {
    tt_task *j = t->joiner;
    t->joiner = NULL;
    tt__wake(j, 0, t, t->id);
  }
  if (t == loop->main && !loop->stopping) {
    loop->stopping = true;
    uv_stop(&loop->uv);
  }
  if (t->stack == NULL && !t->handle_out)
    tt__task_release(t);
}

void tt__task_entry(void *arg) {
  tt_task *t = arg;
  tt_loop *loop = t->loop;
  tt__asan_finish(NULL, NULL, NULL);
  /* First run: a task that just finished may have switched here directly. */
  tt__reap(loop);
  int result = t->fn(t->arg);
  if (TT_UNLIKELY(t->cancel_pending)) {
    /* Cancelled after its last yield point (it cancelled itself, say):
     * as in asyncio, a cancellation never delivered still ends it cancelled. */
    t->cancel_pending = 0;
    t->cancelled = 1;
    result = -ECANCELED;
  }
  tt__task_finish(t, result);
  loop->dead = t;
  tt__switch_out(loop, t, TT_STATE_done, 0);
  abort(); /* a finished task is never resumed */
}

/* Park self until t finishes. 0 once it has, or the park's error, or
 * -EDEADLK when the wait would close a cycle (reported). */
static int wait_done(tt_task *self, tt_task *t, tt_deadline deadline, const char *fn) {
  if (t->joiner != NULL)
    return -EINVAL;
  if (t->state == TT__T_DONE)
    return 0;
  if (tt__closes_cycle(self, t, deadline)) {
    tt__report_cycle(self, fn, NULL, t);
    return -EDEADLK;
  }
  t->joiner = self;
  int r = tt__park(self, TT_STATE_join, t->id, t, NULL, deadline);
  if (t->joiner == self)
    t->joiner = NULL;
  return r;
}

int tt_join(tt_task *t, int *result, tt_deadline deadline) {
  int err;
  if (!tt__task_valid(t))
    return -EINVAL;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  if (!tt__task_valid(t))
    return -EINVAL; /* joined by someone else while we yielded */
  if (t == self)
    return -EDEADLK;
  int r = wait_done(self, t, deadline, "tt_join");
  if (r == -ECANCELED)
    tt_cancel(t); /* asyncio: cancelling a task that awaits a task cancels that one */
  if (r < 0)
    return r;
  take_result(t, result);
  return 0;
}

int tt_wait(tt_task *const *tasks, size_t n, tt_deadline deadline) {
  int err;
  if (n > 0 && tasks == NULL)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (tasks[i] != NULL && !tt__task_valid(tasks[i]))
      return -EINVAL;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  for (size_t i = 0; i < n; i++) {
    tt_task *t = tasks[i];
    if (t == NULL)
      continue;
    if (!tt__task_valid(t))
      return -EINVAL; /* joined by someone else meanwhile */
    if (t == self)
      return -EDEADLK;
    int r = wait_done(self, t, deadline, "tt_wait");
    if (r < 0)
      return r; /* never cancels what it waits for */
  }
  return 0;
}

int tt_detach(tt_task *t) {
  if (!tt__task_valid(t))
    return -EINVAL;
  if (t->joiner != NULL)
    return -EINVAL;
  t->handle_out = 0;
  if (t->state == TT__T_DONE && t->loop->dead != t)
    tt__task_release(t);
  return 0;
}

int tt_cancel(tt_task *t) {
  if (t == NULL || t->state == TT__T_FREE || t->loop != tt__loop)
    return -EINVAL;
  if (t->state == TT__T_DONE)
    return -EALREADY;
  if (t->state == TT__T_PARKED && !t->uncancellable) {
    t->cancelled = 1;
    t->cancel_woken = 1;
    tt__wake(t, -ECANCELED, t->loop->current, 0);
  } else if (!t->cancel_woken) {
    /* Not already on its way out of a wait with -ECANCELED: asyncio
     * delivers one CancelledError however often cancel() is called. */
    t->cancel_pending = 1;
  }
  return 0;
}

int tt_gather(tt_task **tasks, size_t n, int *results, tt_deadline deadline) {
  if (n > 0 && tasks == NULL)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (tasks[i] != NULL && !tt__task_valid(tasks[i]))
      return -EINVAL;
  /* Every join it makes is this one call: each park reports its site
   * (the first switch would otherwise consume it, debug.c). */
  const char *site = tt__call_site;
  for (size_t i = 0; i < n; i++) {
    if (tasks[i] == NULL)
      continue;
    tt__call_site = site;
    int r = tt_join(tasks[i], results ? &results[i] : NULL, deadline);
    if (r < 0) {
      /* Timed out or cancelled: still hand back every task that has
       * finished, wherever it stands in the array, so that the non-NULL
       * entries are exactly the unfinished ones. */
      for (size_t j = 0; j < n; j++)
        if (tasks[j] != NULL && tt__task_valid(tasks[j]) && tasks[j]->state == TT__T_DONE &&
            tasks[j]->joiner == NULL) {
          take_result(tasks[j], results ? &results[j] : NULL);
          tasks[j] = NULL;
        }
      /* Cancelled while waiting (tt_join cancelled the one it waited for):
       * as asyncio's gather, cancel every task it still waits for. */
      for (size_t j = 0; r == -ECANCELED && j < n; j++)
        if (tasks[j] != NULL && tt__task_valid(tasks[j]) && tasks[j]->state != TT__T_DONE)
          tt_cancel(tasks[j]);
      return r;
    }
    tasks[i] = NULL;
  }
  return 0;
}

int tt_yield(void) {
  tt_loop *loop = tt__loop;
  tt_task *self = loop ? loop->current : NULL;
  if (self == NULL)
    return -EPERM;
  TT__RACE(step_end, self, tt__call_site);
  if (TT_UNLIKELY(self->cancel_pending)) {
    self->cancel_pending = 0;
    self->cancelled = 1;
    return -ECANCELED;
  }
  if (TT_UNLIKELY(loop->seeded)) {
    /* A bare yield is a yield point too: it may slip a round. */
    tt__seed_delay(loop, self);
    if (self->cancel_pending) {
      self->cancel_pending = 0;
      self->cancelled = 1;
      return -ECANCELED;
    }
  }
  tt__ready_push(loop, self);
  tt__switch_out(loop, self, TT_STATE_yield, 0);
  return 0;
}

int tt_sleep_until(tt_deadline deadline) {
  int err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  if (deadline != TT_FOREVER && deadline <= tt_now())
    return tt_yield(); /* asyncio.sleep(0): yield once */
  return tt__park(self, TT_STATE_sleep, 0, NULL, NULL, deadline);
}

tt_task *tt_self(void) { return tt__loop ? tt__loop->current : NULL; }
uint64_t tt_task_id(const tt_task *t) { return t ? t->id : 0; }
const char *tt_task_name(const tt_task *t) { return t ? tt__task_name(t) : "(none)"; }
int tt_task_done(const tt_task *t) {
  if (t == NULL || t->state == TT__T_FREE)
    return -EINVAL;
  return t->state == TT__T_DONE;
}

static uint64_t self_id(void) { return tt__loop && tt__loop->current ? tt__loop->current->id : 0; }
void tt_mark(const char *name) { tt__emit_mark(self_id(), name ? name : ""); }
void tt_region_begin(const char *name) { tt__emit_region_begin(self_id(), name ? name : ""); }
void tt_region_end(const char *name) { tt__emit_region_end(self_id(), name ? name : ""); }
