/* The scheduler: a ring of ready tasks, drained in rounds.
 *
 * The check handle runs after libuv's poll phase, when timers and I/O have
 * made tasks ready. It takes the tasks ready at that moment as a round's
 * batch; whatever becomes ready while the batch runs waits for the next
 * round, as in asyncio's _run_once, so a task that keeps yielding cannot
 * starve the others, and rounds stop for a poll often enough that it cannot
 * starve I/O either (see tt__drain). A task that stops switches straight to the next
 * task of the batch (one switch, not two through the loop); the last one
 * switches back to the loop.
 *
 * Under TASKTRACE_SCHED_SEED the batch is shuffled with a seeded generator,
 * and tt__seed_delay inserts an extra yield at a yield point: the same seed and
 * program give the same interleaving.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* splitmix64: tiny, fast, and the same sequence on every machine. */
uint64_t tt__rng_next(tt__rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The seeded scheduler's other half: where the policy says so (random: at
 * one yield point in four; every blocking call through tt__enter, and
 * tt_yield), yield once more first, so that the call happens a round later
 * than it would; pct asks again after each extra yield (a lower-priority
 * task keeps slipping while a higher one is ready, up to a bound), the
 * others say no. Every ask is a decision of the schedule. The switch
 * consumes the call's site; it is put back for the real wait that follows,
 * or the seed would cost the report its location. */
void tt__seed_delay(tt_loop *loop, tt_task *self) {
  const char *site = tt__call_site;
  /* policy.c: random, pct, or a replayed schedule */
  for (unsigned again = 0; tt__policy_yield(loop, self, again); again++) {
    tt__ready_push(loop, self);
    tt__switch_out(loop, self, TT_STATE_yield, 0);
  }
  tt__call_site = site;
}

static void idle_cb(uv_idle_t *h) { (void)h; }

/* The ready queue is the base ring of task pointers, and pushing on it
 * cannot fail: a task is in it at most once, and every task that can be in
 * it is counted in ntasks, for which tt__ready_reserve made room when the
 * task was created, the one place where out of memory can still be
 * reported (tt_spawn's -ENOMEM). So a wake never aborts, a seeded yield
 * never loses its task, and tt_yield has no error of its own. */
int tt__ready_reserve(tt_loop *loop, size_t ntasks) {
  return tt_ring_reserve(&loop->ready, ntasks < 256 ? 256 : ntasks, sizeof(tt_task *));
}

void tt__ready_push(tt_loop *loop, tt_task *t) {
  assert(loop->ready.len < loop->ready.cap);
  *(tt_task **)tt_ring_push_reserved(&loop->ready, sizeof t) = t;
  if (loop->ready.len == 1)
    uv_idle_start(&loop->idle, idle_cb);
  t->state = TT__T_READY;
}

static inline tt_task *ready_pop(tt_loop *loop) {
  tt_task *t = *(tt_task **)tt_ring_at(&loop->ready, 0, sizeof t);
  tt_ring_pop(&loop->ready);
  return t;
}

/* Release what the task that just stopped for good left behind: its stack
 * (we are off it now) and, if its handle was given back, the task itself. */
void tt__reap(tt_loop *loop) {
  tt_task *t = loop->dead;
  if (t != NULL) {
    loop->dead = NULL;
    tt__stack_free(t);
    if (!t->handle_out)
      tt__task_release(t);
  }
}

/* The next task of this batch that can run, with a stack, or NULL. */
static tt_task *pick_next(tt_loop *loop) {
  while (loop->batch_left > 0) {
    loop->batch_left--;
    tt_task *t = ready_pop(loop);
    if (TT_LIKELY(t->stack != NULL))
      return t;
    if (t->cancel_pending) {
      t->cancel_pending = 0;
      t->cancelled = 1;
      tt__task_finish(t, -ECANCELED);
      continue;
    }
    int r = tt__stack_alloc(t);
    if (r < 0) {
      tt__task_finish(t, r);
      continue;
    }
    tt__ctx_make(&t->ctx, t->stack, t->stack_size, tt__task_entry, t);
    return t;
  }
  return NULL;
}

static inline int64_t tt__take_switch_at(tt_loop *loop) {
  int64_t t = loop->switch_at;
  loop->switch_at = 0;
  return t;
}

void tt__switch_out(tt_loop *loop, tt_task *self, unsigned why, uint64_t obj) {
  if (TT_UNLIKELY(tt__inv_on))
    tt__invariant_check(self, tt__call_site); /* invariant.c: self's step just ended */
  tt_task *next = pick_next(loop);
  /* A time read just before (lock_contended's) is this switch's too. */
  int64_t now = tt__step_switch_now(loop, self, next, tt__take_switch_at(loop));
  TT__RACE(on_switch, next);
  tt__emit_task_switch_at((uint64_t)now, self->id, next ? next->id : 0, why, obj);
  /* A finished task's fake stack (ASan) is destroyed: it never resumes. */
  void *fake = NULL, **fakep = why == TT_STATE_done ? NULL : &fake;
  if (next != NULL) {
    loop->current = next;
    next->state = TT__T_RUNNING;
    tt__asan_start(fakep, next->stack, next->stack_size);
    tt__ctx_switch(&self->ctx, &next->ctx);
  } else {
    loop->current = NULL;
    tt__asan_start(fakep, loop->sched_stack, loop->sched_stack_size);
    tt__ctx_switch(&self->ctx, &loop->sched_ctx);
  }
  tt__asan_finish(fake, NULL, NULL);
  /* Running again (loop->current == self was set by whoever resumed us). */
  tt__reap(loop);
}

/* Run one round: the tasks ready now, in order (shuffled when seeded). */
static void run_round(tt_loop *loop) {
  size_t n = loop->ready.len;
  if (loop->seeded)
    tt__policy_order(loop, n); /* policy.c: shuffled, by priority, replayed */
  loop->batch_left = n;
  tt_task *next;
  while ((next = pick_next(loop)) != NULL) {
    int64_t now = tt__step_switch_now(loop, NULL, next, 0);
    TT__RACE(on_switch, next);
    tt__emit_task_switch_at((uint64_t)now, 0, next->id, TT_STATE_start, 0);
    loop->current = next;
    next->state = TT__T_RUNNING;
    void *fake = NULL;
    tt__asan_start(&fake, next->stack, next->stack_size);
    tt__ctx_switch(&loop->sched_ctx, &next->ctx);
    tt__asan_finish(fake, NULL, NULL);
    tt__reap(loop);
  }
}

/* Rounds and polls. A round runs the tasks that were ready when it began;
 * what becomes ready meanwhile waits for the next round (asyncio's
 * _run_once). A libuv iteration (a poll for I/O, timers) costs ~150 ns here,
 * more than a round of one or two tasks, so when tasks are still ready the
 * check callback runs further rounds before going back to poll: at most
 * ROUNDS_PER_POLL of them, never past a due timer, and never longer than
 * POLL_BUDGET_NS, so I/O and timers still wait at most ~100 us. */
#define ROUNDS_PER_POLL 64
#define POLL_BUDGET_NS 100000

void tt__drain(uv_check_t *h) {
  tt_loop *loop = tt__container_of(h, tt_loop, check);
  if (TT_UNLIKELY(loop->vt_polling))
    tt__vt_after_poll(loop);
  if (TT_UNLIKELY(loop->poll_traced)) {
    loop->poll_traced = false;
    tt__emit_loop_poll_end(0);
  }
  if (loop->ready.len == 0) {
    uv_idle_stop(&loop->idle);
    return;
  }
  /* The budget is real time (it bounds real I/O latency); deadlines are
   * the loop's time, virtual under TASKTRACE_VIRTUAL_TIME. */
  int64_t start = tt__step_now(); /* the trace clock: TSC-scaled while streaming */
  for (unsigned round = 1;; round++) {
    run_round(loop);
    if (loop->ready.len == 0 || round == ROUNDS_PER_POLL || loop->stopping)
      break;
    if ((round & 3) == 0) {
      int64_t now = tt__step_now();
      int64_t clock = TT_UNLIKELY(loop->vt) ? loop->vnow : now;
      if (now - start > POLL_BUDGET_NS || (loop->heap_len > 0 && loop->heap[0]->deadline <= clock))
        break;
    }
  }
  if (loop->ready.len == 0)
    uv_idle_stop(&loop->idle);
}
