/* Parking and waking: the one way a task blocks, with deadlines and
 * cancellation. See the contract in internal.h. */
#include <stdlib.h>

#include "internal.h"

/* ---- The timer heap: parked tasks with a deadline, earliest on top ------ */

static inline bool earlier(const tt_task *a, const tt_task *b) { return a->deadline < b->deadline; }

static void heap_set(tt_loop *loop, size_t i, tt_task *t) {
  loop->heap[i] = t;
  t->heap_idx = i;
}

static void heap_up(tt_loop *loop, size_t i) {
  tt_task *t = loop->heap[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!earlier(t, loop->heap[p]))
      break;
    heap_set(loop, i, loop->heap[p]);
    i = p;
  }
  heap_set(loop, i, t);
}

static void heap_down(tt_loop *loop, size_t i) {
  tt_task *t = loop->heap[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= loop->heap_len)
      break;
    if (c + 1 < loop->heap_len && earlier(loop->heap[c + 1], loop->heap[c]))
      c++;
    if (!earlier(loop->heap[c], t))
      break;
    heap_set(loop, i, loop->heap[c]);
    i = c;
  }
  heap_set(loop, i, t);
}

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
  if (loop->heap_len == loop->heap_cap) {
    size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
    tt_task **h = realloc(loop->heap, cap * sizeof *h);
    if (h == NULL)
      return -ENOMEM;
    loop->heap = h;
    loop->heap_cap = cap;
  }
  heap_set(loop, loop->heap_len++, t);
  heap_up(loop, t->heap_idx);
  if (t->heap_idx == 0)
    timer_arm(loop);
  return 0;
}

void tt__heap_remove(tt_loop *loop, tt_task *t) {
  size_t i = t->heap_idx;
  if (i == SIZE_MAX)
    return;
  t->heap_idx = SIZE_MAX;
  tt_task *last = loop->heap[--loop->heap_len];
  if (i < loop->heap_len) {
    heap_set(loop, i, last);
    heap_up(loop, i);
    heap_down(loop, last->heap_idx);
  }
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
  self->block_obj = obj;
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
  if (t->state != TT__T_PARKED)
    return false;
  if (t->waiter != NULL) {
    tt__list_remove(&t->waiter->link);
    t->waiter = NULL;
  }
  if (t->heap_idx != SIZE_MAX)
    tt__heap_remove(t->loop, t);
  t->wake_result = result;
  tt__emit_task_wake(t->id, waker ? waker->id : 0, obj);
  if (tt__ready_push(t->loop, t) < 0) {
    /* Out of memory for the ready ring: nothing sane is left to do. */
    abort();
  }
  return true;
}

tt__waiter *tt__wake_first(tt__list *l, int result, uint64_t obj) {
  if (tt__list_empty(l))
    return NULL;
  tt__waiter *w = tt__container_of(l->next, tt__waiter, link);
  tt_loop *loop = tt__loop;
  tt__wake(w->task, result, loop ? loop->current : NULL, obj);
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
  if (TT_UNLIKELY(loop->seeded) && (tt__rng_next(&loop->rng) & 3) == 0) {
    /* A seeded extra yield: another task may run before this call does.
     * The switch consumes the call's site; keep it for the real wait that
     * follows, or the seed would cost the report its location. */
    const char *site = tt__call_site;
    tt__ready_push(loop, self);
    tt__switch_out(loop, self, TT_STATE_yield, 0);
    tt__call_site = site;
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
