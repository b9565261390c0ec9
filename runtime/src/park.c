/* Parking and waking: the one way a task blocks, with deadlines and
 * cancellation. See the contract in internal.h. */
#include <stdlib.h>

#include "internal.h"

/* ---- The timer heap: parked tasks with a deadline, earliest on top ------ */

/* The base heap, generated for task pointers: each task keeps its index
 * (heap_idx), so a wake removes it in O(log n). */
#define EARLIER(loop, a, b) ((void)(loop), (*(a))->deadline < (*(b))->deadline)
#define MOVED(loop, t, i) ((void)(loop), (*(t))->heap_idx = (uint32_t)(i))
TT_HEAP_DEFINE(timers, tt_task *, tt_loop *, EARLIER, MOVED)

static void timer_arm(tt_loop *loop) {
  if (loop->heap_len == 0) {
    if (loop->timer_due >= 0) {
      uv_timer_stop(&loop->timer);
      loop->timer_due = -1;
    }
    return;
  }
  int64_t due = loop->heap[0]->deadline;
  if (due == loop->timer_due)
    return;
  int64_t wait = due - tt_now();
  uint64_t ms = wait <= 0 ? 0 : (uint64_t)((wait + 999999) / 1000000);
  uv_timer_start(&loop->timer, tt__timer_cb, ms, 0);
  loop->timer_due = due;
}

static int heap_insert(tt_loop *loop, tt_task *t) {
  if (loop->heap_len >= TT__NO_HEAP)
    return -ENOMEM; /* heap_idx is 32 bits: four billion timed waits at once */
  int r = timers_push(loop, &loop->heap, &loop->heap_len, &loop->heap_cap, t);
  if (r < 0)
    return r;
  if (t->heap_idx == 0)
    timer_arm(loop);
  return 0;
}

void tt__heap_remove(tt_loop *loop, tt_task *t) {
  size_t i = t->heap_idx;
  if (i == TT__NO_HEAP)
    return;
  t->heap_idx = TT__NO_HEAP;
  timers_remove(loop, loop->heap, &loop->heap_len, i);
  /* The timer is re-armed lazily: an early fire finds nothing due. */
  if (loop->heap_len == 0)
    timer_arm(loop);
}

void tt__timer_cb(uv_timer_t *h) {
  tt_loop *loop = tt__container_of(h, tt_loop, timer);
  loop->timer_due = -1;
  int64_t now = tt_now();
  while (loop->heap_len > 0 && loop->heap[0]->deadline <= now) {
    tt_task *t = loop->heap[0];
    /* A sleep that reaches its deadline succeeded; any other wait timed out. */
    if (t->block_state != TT_STATE_sleep)
      TT__TRACED(tt__emit_wait_timeout(t->id, tt__block_obj(t), t->block_state));
    tt__wake(t, t->block_state == TT_STATE_sleep ? 0 : -ETIMEDOUT, NULL, 0);
  }
  timer_arm(loop);
}

/* ---- Park and wake ------------------------------------------------------ */

int tt__park(tt_task *self, unsigned why, uint64_t obj, const void *ptr, tt__waiter *w,
             tt_deadline deadline) {
  tt_loop *loop = self->loop;
  if (deadline != TT_FOREVER && deadline <= tt_now()) {
    if (w != NULL)
      tt__list_remove(&w->link);
    return why == TT_STATE_sleep ? 0 : -ETIMEDOUT;
  }
  self->state = TT__T_PARKED;
  self->block_state = (uint8_t)why;
  self->block_ptr = ptr;
  self->waiter = w;
  self->deadline = deadline;
  if (deadline != TT_FOREVER && heap_insert(loop, self) < 0) {
    self->state = TT__T_RUNNING;
    self->waiter = NULL;
    if (w != NULL)
      tt__list_remove(&w->link);
    return -ENOMEM;
  }
  tt__switch_out(loop, self, why, obj);
  self->block_ptr = NULL;
  self->cancel_woken = 0;
  return self->wake_result;
}

bool tt__wake(tt_task *t, int result, tt_task *waker, uint64_t obj) {
  return tt__wake_at(t, result, waker, obj, 0);
}

bool tt__wake_at(tt_task *t, int result, tt_task *waker, uint64_t obj, uint64_t ts) {
  if (t->state != TT__T_PARKED)
    return false;
  if (t->waiter != NULL) {
    tt__list_remove(&t->waiter->link);
    t->waiter = NULL;
  }
  if (t->heap_idx != TT__NO_HEAP)
    tt__heap_remove(t->loop, t);
  t->wake_result = result;
  tt__emit_task_wake_at(ts, t->id, waker ? waker->id : 0, obj);
  tt__ready_push(t->loop, t); /* cannot fail: tt_spawn made room */
  return true;
}

tt__waiter *tt__wake_first(tt__list *l, int result, uint64_t obj) {
  return tt__wake_first_at(l, result, obj, 0);
}

tt__waiter *tt__wake_first_at(tt__list *l, int result, uint64_t obj, uint64_t ts) {
  if (tt__list_empty(l))
    return NULL;
  tt__waiter *w = tt__container_of(l->next, tt__waiter, link);
  tt_loop *loop = tt__loop;
  tt__wake_at(w->task, result, loop ? loop->current : NULL, obj, ts);
  return w;
}

tt_task *tt__enter(int *err) {
  tt_loop *loop = tt__loop;
  tt_task *self = loop ? loop->current : NULL;
  if (TT_UNLIKELY(self == NULL)) {
    *err = -EPERM;
    return NULL;
  }
  TT__RACE(step_end, self, tt__call_site);
  if (TT_UNLIKELY(self->cancel_pending)) {
    self->cancel_pending = 0;
    self->cancelled = 1;
    *err = -ECANCELED;
    return NULL;
  }
  if (TT_UNLIKELY(loop->seeded)) {
    tt__seed_delay(loop, self); /* another task may run before this call does */
    if (self->cancel_pending) {
      self->cancel_pending = 0;
      self->cancelled = 1;
      *err = -ECANCELED;
      return NULL;
    }
  }
  *err = 0;
  return self;
}
