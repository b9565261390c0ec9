/* Queue: asyncio.Queue of void *, FIFO, bounded by maxsize (0: unbounded).
 *
 * Items and free slots are handed off, never left for grabs:
 *  - put() when getters wait (the queue is then empty) gives the item
 *    straight to the first getter (its waiter->data) and wakes it;
 *  - get() from a full queue while putters wait moves the first putter's
 *    item in behind the others and wakes it: its put has succeeded;
 * so a newcomer never takes an item or a slot meant for a woken task, and
 * every put/get makes exactly one transfer. Hence getters wait only while
 * the queue is empty and putters only while it is full.
 *
 * A waiter that times out or is cancelled was not woken: tt__park took it
 * off its list, so no item or slot was given to it and none is lost (a
 * putter whose put failed still owns its item). A woken waiter's call
 * returns 0 even if a cancel arrives before it runs (the cancel is then
 * delivered at its next yield point): its item was delivered or queued.
 *
 * unfinished counts items put and not yet task_done'd; join() waits until
 * it is 0 (the waiters are woken by the task_done that brings it there).
 */
#include <stdlib.h>

#include "internal.h"

#define FIRST_CAP 16

int tt_queue_init(tt_queue *q, size_t maxsize, const char *name) {
  if (q == NULL)
    return -EINVAL;
  tt__obj_init(&q->obj, TT_KIND_queue, name);
  /* The ring grows on demand (up to maxsize): a big bound costs nothing
   * until it is used. */
  q->buf = NULL;
  q->cap = 0;
  q->maxsize = maxsize;
  q->head = q->count = 0;
  q->unfinished = 0;
  tt__list_init(&q->getters);
  tt__list_init(&q->putters);
  tt__list_init(&q->joiners);
  return 0;
}

static inline bool full(const tt_queue *q) { return q->maxsize != 0 && q->count >= q->maxsize; }

/* Room for one more item in the ring, or -ENOMEM. */
static int reserve(tt_queue *q) {
  if (q->count < q->cap)
    return 0;
  size_t cap = q->cap ? q->cap * 2 : FIRST_CAP;
  if (q->maxsize != 0 && cap > q->maxsize)
    cap = q->maxsize;
  if (cap <= q->cap || cap > SIZE_MAX / sizeof(void *))
    return -ENOMEM;
  void **b = malloc(cap * sizeof *b);
  if (b == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < q->count; i++)
    b[i] = q->buf[(q->head + i) % q->cap];
  free(q->buf);
  q->buf = b;
  q->cap = cap;
  q->head = 0;
  return 0;
}

static inline void push_tail(tt_queue *q, void *item) {
  q->buf[(q->head + q->count) % q->cap] = item;
  q->count++;
  q->unfinished++;
}

static inline void *pop_head(tt_queue *q) {
  void *item = q->buf[q->head];
  q->head = (q->head + 1) % q->cap;
  q->count--;
  return item;
}

static inline tt__waiter *first(tt__list *l) {
  return tt__list_empty(l) ? NULL : tt__container_of(l->next, tt__waiter, link);
}

static inline tt_task *current(void) { return tt__loop ? tt__loop->current : NULL; }

/* put without blocking: 0, -EAGAIN (full), -ENOMEM. */
static int put_now(tt_queue *q, void *item) {
  TT__RACE(release, q);
  tt__waiter *g = first(&q->getters);
  if (g != NULL) {
    /* The queue is empty: the item goes to the first getter directly. */
    g->data = item;
    q->unfinished++;
    tt__wake(g->task, 0, current(), q->obj.id);
    TT__TRACED(tt__emit_queue_put(q->obj.id, tt__self_id(), 0));
    /* handed over: the getter has it */
    TT__TRACED(tt__emit_queue_get(q->obj.id, g->task->id, 0));
    return 0;
  }
  if (full(q))
    return -EAGAIN;
  int err = reserve(q);
  if (err < 0)
    return err;
  push_tail(q, item);
  TT__TRACED(tt__emit_queue_put(q->obj.id, tt__self_id(), q->count));
  return 0;
}

/* get without blocking: 0, -EAGAIN (empty). */
static int get_now(tt_queue *q, void **item) {
  if (q->count == 0)
    return -EAGAIN;
  *item = pop_head(q);
  TT__TRACED(tt__emit_queue_get(q->obj.id, tt__self_id(), q->count));
  tt__waiter *p = first(&q->putters);
  if (p != NULL) {
    /* The queue was full: the slot just freed goes to the first putter. */
    push_tail(q, p->data);
    tt__wake(p->task, 0, current(), q->obj.id);
    /* the putter's item is in: its wait is over */
    TT__TRACED(tt__emit_queue_put(q->obj.id, p->task->id, q->count));
  }
  return 0;
}

int tt_queue_put(tt_queue *q, void *item, tt_deadline deadline) {
  int err;
  if (q == NULL)
    return -EINVAL;
  if ((err = tt__check_owner(&q->obj, "tt_queue_put")) < 0)
    return err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  err = put_now(q, item);
  if (err != -EAGAIN)
    return err;
  tt__waiter w = {.task = self, .data = item};
  tt__list_push(&q->putters, &w.link);
  /* 0: a get moved our item in; else it was never taken and is ours. */
  return tt__park(self, TT_STATE_queue_put, q->obj.id, q, &w, deadline);
}

int tt_queue_get(tt_queue *q, void **item, tt_deadline deadline) {
  int err;
  if (q == NULL || item == NULL)
    return -EINVAL;
  if ((err = tt__check_owner(&q->obj, "tt_queue_get")) < 0)
    return err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  if (get_now(q, item) == 0)
    return tt__race_got(q, 0);
  tt__waiter w = {.task = self};
  tt__list_push(&q->getters, &w.link);
  err = tt__park(self, TT_STATE_queue_get, q->obj.id, q, &w, deadline);
  if (err == 0)
    *item = w.data; /* handed over by put */
  return tt__race_got(q, err);
}

int tt_queue_put_nowait(tt_queue *q, void *item) {
  if (q == NULL)
    return -EINVAL;
  int err = tt__check_owner(&q->obj, "tt_queue_put_nowait");
  if (err < 0)
    return err;
  return put_now(q, item);
}

int tt_queue_get_nowait(tt_queue *q, void **item) {
  if (q == NULL || item == NULL)
    return -EINVAL;
  int err = tt__check_owner(&q->obj, "tt_queue_get_nowait");
  if (err < 0)
    return err;
  return tt__race_got(q, get_now(q, item));
}

int tt_queue_task_done(tt_queue *q) {
  if (q == NULL)
    return -EINVAL;
  int err = tt__check_owner(&q->obj, "tt_queue_task_done");
  if (err < 0)
    return err;
  if (q->unfinished == 0)
    return -EINVAL;
  if (--q->unfinished == 0)
    while (tt__wake_first(&q->joiners, 0, q->obj.id) != NULL)
      ;
  return 0;
}

int tt_queue_join(tt_queue *q, tt_deadline deadline) {
  int err;
  if (q == NULL)
    return -EINVAL;
  if ((err = tt__check_owner(&q->obj, "tt_queue_join")) < 0)
    return err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  if (q->unfinished == 0)
    return 0;
  tt__waiter w = {.task = self};
  tt__list_push(&q->joiners, &w.link);
  return tt__park(self, TT_STATE_queue_join, q->obj.id, q, &w, deadline);
}

size_t tt_queue_size(const tt_queue *q) {
  if (q == NULL || tt__check_owner(&q->obj, "tt_queue_size") < 0)
    return 0;
  return q->count;
}

int tt_queue_close(tt_queue *q) {
  if (q == NULL)
    return -EINVAL;
  int err = tt__check_owner(&q->obj, "tt_queue_close");
  if (err < 0)
    return err;
  if (!tt__list_empty(&q->getters) || !tt__list_empty(&q->putters) ||
      !tt__list_empty(&q->joiners))
    return -EBUSY;
  /* Items still queued are the caller's (they are plain pointers). */
  free(q->buf);
  q->buf = NULL;
  q->cap = q->head = q->count = 0;
  return 0;
}
