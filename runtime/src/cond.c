/* Condition: asyncio.Condition, over a given Lock or its own.
 *
 * wait() needs the lock (-EPERM otherwise): it releases it (handing it to
 * the lock's first waiter, see lock.c), parks until notified, and then
 * ALWAYS takes the lock back before returning — after a notify (0), a
 * timeout (-ETIMEDOUT) or a cancellation (-ECANCELED) alike. Taking it back
 * cannot be cancelled: a cancel that arrives meanwhile stays pending and is
 * delivered at the task's next yield point, so the caller's critical
 * section never runs without the lock.
 *
 * notify(n) hands its notifications to the first n waiters at once, taking
 * them off the list: a notified waiter's wait returns 0 even if it is
 * cancelled or its deadline passes before it runs (the cancel is then
 * pending). A waiter that times out or is cancelled first was not notified:
 * tt__park took it off the list, so notify(1) reaches the next waiter
 * instead and no notification is lost or given twice. notify returns how
 * many waiters it woke.
 */
#include <limits.h>

#include "internal.h"

int tt_cond_init(tt_cond *c, tt_lock *lock, const char *name) {
  if (c == NULL)
    return -EINVAL;
  tt__obj_init(&c->obj, TT_KIND_cond, name);
  if (lock == NULL) {
    int err = tt_lock_init(&c->own_lock, name);
    if (err < 0)
      return err;
    lock = &c->own_lock;
  }
  c->lock = lock;
  tt__list_init(&c->waiters);
  return 0;
}

tt_lock *tt_cond_lock(tt_cond *c) { return c ? c->lock : NULL; }

/* The running task if it holds c's lock, else NULL. */
static tt_task *holder_self(const tt_cond *c) {
  tt_task *self = tt__loop ? tt__loop->current : NULL;
  return tt__lock_held_by(c->lock, self) ? self : NULL;
}

int tt_cond_wait(tt_cond *c, tt_deadline deadline) {
  int err;
  if (c == NULL)
    return -EINVAL;
  if ((err = tt__check_owner(&c->obj, "tt_cond_wait")) < 0)
    return err;
  if (holder_self(c) == NULL)
    return -EPERM;
  /* A pending cancellation is delivered here, with the lock still held. */
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  tt__waiter w = {.task = self};
  tt__list_push(&c->waiters, &w.link);
  err = tt_lock_release(c->lock);
  if (err < 0) {
    /* Only a lock of another loop gets here: nothing was released. */
    tt__list_remove(&w.link);
    return err;
  }
  int r = tt__park(self, TT_STATE_cond, c->obj.id, c, &w, deadline);
  tt__lock_reacquire(c->lock, self);
  return tt__race_got(c, r);
}

int tt_cond_notify(tt_cond *c, int n) {
  if (c == NULL || n < 0)
    return -EINVAL;
  int err = tt__check_owner(&c->obj, "tt_cond_notify");
  if (err < 0)
    return err;
  if (holder_self(c) == NULL)
    return -EPERM;
  int woken = 0;
  TT__RACE(release, c);
  while (woken < n && tt__wake_first(&c->waiters, 0, c->obj.id) != NULL)
    woken++;
  TT__TRACED(
      tt__emit_cond_notify(c->obj.id, tt__self_id(), n == INT_MAX ? -1 : n, (uint64_t)woken));
  return woken;
}

int tt_cond_notify_all(tt_cond *c) { return tt_cond_notify(c, INT_MAX); }

int tt_cond_close(tt_cond *c) {
  if (c == NULL)
    return -EINVAL;
  int err = tt__check_owner(&c->obj, "tt_cond_close");
  if (err < 0)
    return err;
  if (!tt__list_empty(&c->waiters))
    return -EBUSY;
  if (c->lock == &c->own_lock)
    return tt_lock_close(&c->own_lock);
  return 0;
}
