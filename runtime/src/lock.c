/* Lock: asyncio.Lock with FIFO hand-off.
 *
 * release() with waiters hands the lock straight to the first one (holder
 * is set before it even runs), so nobody can barge in between — not a
 * newcomer, not the releaser re-acquiring — and every release makes exactly
 * one new holder. A waiter that times out or is cancelled is still on the
 * list (it was not woken), so it just leaves; a woken waiter already holds
 * the lock and its acquire succeeds, whatever happens to it later.
 */
#include "internal.h"

int tt_lock_init(tt_lock *l, const char *name) {
  if (l == NULL)
    return -EINVAL;
  tt__obj_init(&l->obj, TT_KIND_lock, name);
  l->holder = NULL;
  tt__list_init(&l->waiters);
  l->acquired_at = 0;
  return 0;
}

static inline void took(tt_lock *l, tt_task *t, int64_t wait_ns) {
  l->holder = t;
  if (TT_UNLIKELY(tt__trace_on | tt__cfg.debug)) {
    l->acquired_at = tt_now();
    if (wait_ns >= 0)
      tt__emit_lock_acquired(l->obj.id, t->id, (uint64_t)wait_ns);
  }
}

int tt_lock_acquire(tt_lock *l, tt_deadline deadline) {
  int err;
  if (l == NULL)
    return -EINVAL;
  if ((err = tt__check_owner(&l->obj, "tt_lock_acquire")) < 0)
    return err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  if (l->holder == NULL && tt__list_empty(&l->waiters)) {
    took(l, self, -1);
    return 0;
  }
  if (l->holder == self)
    return -EDEADLK;
  if (deadline == TT_NOWAIT)
    return -ETIMEDOUT;
  tt__emit_lock_contended(l->obj.id, self->id, l->holder ? l->holder->id : 0);
  int64_t t0 = TT_UNLIKELY(tt__trace_on | tt__cfg.debug) ? tt_now() : 0;
  tt__waiter w = {.task = self};
  tt__list_push(&l->waiters, &w.link);
  int r = tt__park(self, TT_STATE_lock, l->obj.id, l, &w, deadline);
  if (r < 0)
    return r; /* not woken, so not the holder: nothing to pass on */
  /* Woken by release(): the lock was handed to us. */
  if (TT_UNLIKELY(tt__trace_on | tt__cfg.debug))
    tt__emit_lock_acquired(l->obj.id, self->id, (uint64_t)(tt_now() - t0));
  return 0;
}

int tt_lock_release(tt_lock *l) {
  if (l == NULL)
    return -EINVAL;
  int err = tt__check_owner(&l->obj, "tt_lock_release");
  if (err < 0)
    return err;
  tt_loop *loop = tt__loop;
  tt_task *self = loop ? loop->current : NULL;
  if (self == NULL || l->holder != self)
    return -EPERM;
  if (TT_UNLIKELY(tt__trace_on | tt__cfg.debug)) {
    int64_t now = tt_now();
    tt__emit_lock_released(l->obj.id, self->id, (uint64_t)(now - l->acquired_at));
    l->acquired_at = now;
  }
  tt__waiter *w = tt__wake_first(&l->waiters, 0, l->obj.id);
  l->holder = w ? w->task : NULL;
  return 0;
}

int tt_lock_locked(const tt_lock *l) { return l != NULL && l->holder != NULL; }

int tt_lock_close(tt_lock *l) {
  if (l == NULL)
    return -EINVAL;
  if (!tt__list_empty(&l->waiters))
    return -EBUSY;
  return 0;
}
