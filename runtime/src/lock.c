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
  l->holder_id = 0;
  tt__list_init(&l->waiters);
  l->acquired_at = 0;
  l->acquired_site = NULL;
  tt__list_init(&l->held_link);
  return 0;
}

static inline void took(tt_lock *l, tt_task *t, int64_t wait_ns, tt_deadline deadline) {
  l->holder = t;
  l->holder_id = t->id;
  TT__RACE(lock_acquire, t, l);
  if (TT_UNLIKELY(tt__trace_on | tt__cfg.debug)) {
    int64_t now = tt__obs_now(); /* the hold's start and the event's time: one read */
    l->acquired_at = now;
    if (tt__cfg.debug) {
      if (deadline != TT_NOWAIT) /* a try-acquire never waits: no order to learn */
        tt__lockdep_acquire(l, t, tt__call_site);
      tt__debug_lock_took(l, t, tt__call_site);
    }
    /* Every acquire, the free ones too (wait 0): a lock taken and never
     * released must show in the trace. */
    tt__emit_lock_acquired_at((uint64_t)now, l->obj.id, t->id, wait_ns > 0 ? (uint64_t)wait_ns : 0);
  }
}

static int acquire(tt_lock *l, tt_task *self, tt_deadline deadline, bool check_cycle);

int tt_lock_acquire(tt_lock *l, tt_deadline deadline) {
  int err;
  if (l == NULL)
    return -EINVAL;
  if ((err = tt__check_owner(&l->obj, "tt_lock_acquire")) < 0)
    return err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  return acquire(l, self, deadline, true);
}

/* For tt_cond_wait: take the lock back, waiting as long as it takes, and
 * let no cancellation interrupt it (one that arrives meanwhile stays
 * pending for the next yield point). Skips tt__enter on purpose: it would
 * deliver a pending cancellation instead of taking the lock. */
void tt__lock_reacquire(tt_lock *l, tt_task *self) {
  uint8_t saved = self->uncancellable;
  self->uncancellable = 1;
  /* The park in tt_cond_wait consumed the call's site: it is the site of
   * this wait too (and where the lock is taken again). */
  tt__call_site = self->wait_site;
  /* No cycle check: it must end holding the lock, whatever it costs. */
  int r = acquire(l, self, TT_FOREVER, false);
  self->uncancellable = saved;
  (void)r; /* 0: no deadline, no cancellation, and the caller released it */
}

static int acquire(tt_lock *l, tt_task *self, tt_deadline deadline, bool check_cycle) {
  if (l->holder == NULL && tt__list_empty(&l->waiters)) {
    took(l, self, -1, deadline);
    return 0;
  }
  if (tt__lock_held_by(l, self))
    return -EDEADLK;
  if (deadline == TT_NOWAIT)
    return -ETIMEDOUT;
  const tt_task *h = tt__task_ref(l->holder, l->holder_id);
  if (check_cycle && h != NULL && tt__closes_cycle(self, h, deadline)) {
    tt__report_cycle(self, "tt_lock_acquire", l, h);
    return -EDEADLK;
  }
  /* It will wait holding what it holds: the order counts even if the
   * wait times out (the hand-off in release() learns nothing more). */
  if (TT_UNLIKELY(tt__cfg.debug))
    tt__lockdep_acquire(l, self, tt__call_site);
  uint64_t holder0 = l->holder ? l->holder_id : 0;
  /* The park's switch follows at once: one read for both (sched.c). */
  int64_t t_c = 0;
  if (TT_UNLIKELY(tt__trace_on)) {
    t_c = tt__obs_now();
    self->loop->switch_at = t_c;
  }
  tt__emit_lock_contended_at((uint64_t)t_c, l->obj.id, self->id, holder0);
  /* The wait's time comes from the step clock's reads at the switches
   * (parked_at when it parked, step_start when it ran again): no read of
   * its own. parked_at unchanged: tt__park returned without parking. */
  int64_t p0 = self->parked_at;
  tt__waiter w = {.task = self};
  tt__list_push(&l->waiters, &w.link);
  int r = tt__park(self, TT_STATE_lock, l->obj.id, l, &w, deadline);
  self->loop->switch_at = 0; /* not parked (a deadline already past): no switch took it */
  if (TT_UNLIKELY(tt__trace_on | tt__cfg.debug)) {
    int parked = self->parked_at != p0;
    int64_t waited = parked ? self->step_start - self->parked_at : 0;
    if (waited < 0)
      waited = 0;
    if (tt__cfg.debug)
      tt__debug_lock_waited(l, self, holder0, waited, r);
    /* Woken by release(): the lock was handed to us. Nothing ran on this
     * thread since the switch that resumed us, so its time (step_start)
     * is this event's too: no read of its own. */
    if (r == 0)
      tt__emit_lock_acquired_at(parked ? (uint64_t)self->step_start : 0, l->obj.id, self->id,
                                (uint64_t)waited);
  }
  return r; /* < 0: not woken, so not the holder: nothing to pass on */
}

int tt_lock_release(tt_lock *l) {
  if (l == NULL)
    return -EINVAL;
  int err = tt__check_owner(&l->obj, "tt_lock_release");
  if (err < 0)
    return err;
  tt_loop *loop = tt__loop;
  tt_task *self = loop ? loop->current : NULL;
  if (!tt__lock_held_by(l, self))
    return -EPERM;
  int64_t now = 0;
  if (TT_UNLIKELY(tt__trace_on | tt__cfg.debug)) {
    /* One read for the release, the hold time and the hand-off's wake. */
    now = tt__obs_now();
    int64_t held = now > l->acquired_at ? now - l->acquired_at : 0;
    tt__emit_lock_released_at((uint64_t)now, l->obj.id, self->id, (uint64_t)held);
    if (tt__cfg.debug)
      tt__debug_lock_held(l, self, held);
    l->acquired_at = now;
  }
  TT__RACE(lock_release, self, l);
  tt__waiter *w = tt__wake_first_at(&l->waiters, 0, l->obj.id, (uint64_t)now);
  if (w != NULL)
    TT__RACE(lock_acquire, w->task, l); /* handed over: it holds it from now */
  l->holder = w ? w->task : NULL;
  l->holder_id = w ? w->task->id : 0;
  if (TT_UNLIKELY(tt__cfg.debug)) {
    tt__debug_lock_dropped(l);
    if (w != NULL) /* handed over: it took the lock where it waits */
      tt__debug_lock_took(l, w->task, w->task->wait_site);
  }
  return 0;
}

int tt_lock_locked(const tt_lock *l) { return l != NULL && l->holder != NULL; }

int tt_lock_close(tt_lock *l) {
  if (l == NULL)
    return -EINVAL;
  int err = tt__check_owner(&l->obj, "tt_lock_close");
  if (err < 0)
    return err;
  if (!tt__list_empty(&l->waiters))
    return -EBUSY;
  return 0;
}
