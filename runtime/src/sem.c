/* Semaphore and BoundedSemaphore: asyncio.Semaphore / BoundedSemaphore.
 *
 * Permits are handed off, never left for grabs: release() with waiters
 * gives its permit straight to the first one (the value stays 0, the
 * waiter's acquire has succeeded before it even runs), so a newcomer, or
 * the releaser acquiring again, queues behind it, and every release makes
 * exactly one transfer. Hence value > 0 only while nobody waits, and
 * value + permits held == the initial value, always.
 *
 * A waiter that times out or is cancelled was not woken: tt__park took it
 * off the list, so it holds no permit and has nothing to pass on. A woken
 * waiter's acquire returns 0 even if a cancel arrives before it runs (the
 * cancel is delivered at its next yield point): it owns the permit.
 *
 * A BoundedSemaphore refuses a release that would take the value above the
 * initial one with -EOVERFLOW (asyncio raises ValueError), and nothing
 * changes.
 */
#include "internal.h"

static int init(tt_sem *s, long value, long bound, const char *name) {
  if (s == NULL || value < 0)
    return -EINVAL;
  tt__obj_init(&s->obj, TT_KIND_sem, name);
  s->value = value;
  s->bound = bound;
  tt__list_init(&s->waiters);
  return 0;
}

int tt_sem_init(tt_sem *s, long value, const char *name) { return init(s, value, -1, name); }
int tt_bsem_init(tt_sem *s, long value, const char *name) { return init(s, value, value, name); }

int tt_sem_acquire(tt_sem *s, tt_deadline deadline) {
  int err;
  if (s == NULL)
    return -EINVAL;
  if ((err = tt__check_owner(&s->obj, "tt_sem_acquire")) < 0)
    return err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  if (s->value > 0) {
    /* value > 0 means nobody waits (hand-off), so this jumps no queue. */
    s->value--;
    TT__TRACED(tt__emit_sem_acquired(s->obj.id, self->id, (uint64_t)s->value));
    if (TT_UNLIKELY(tt__cfg.debug) && s->bound >= 0)
      tt__debug_sem_took(s, self);
    return tt__race_got(s, 0);
  }
  tt__waiter w = {.task = self};
  tt__list_push(&s->waiters, &w.link);
  /* 0: a release handed us its permit; else we were never woken. */
  int r = tt__park(self, TT_STATE_sem, s->obj.id, s, &w, deadline);
  if (r == 0)
    TT__TRACED(tt__emit_sem_acquired(s->obj.id, self->id, (uint64_t)s->value));
  if (TT_UNLIKELY(tt__cfg.debug) && s->bound >= 0 && r == 0)
    tt__debug_sem_took(s, self);
  return tt__race_got(s, r);
}

int tt_sem_release(tt_sem *s) {
  if (s == NULL)
    return -EINVAL;
  int err = tt__check_owner(&s->obj, "tt_sem_release");
  if (err < 0)
    return err;
  /* Debug mode: name a release by a task that holds no permit, at the
   * call (the -EOVERFLOW below falls on whichever release comes last). */
  if (TT_UNLIKELY(tt__cfg.debug) && s->bound >= 0 && tt__loop->current != NULL)
    tt__debug_sem_gave(s, tt__loop->current, tt__call_site);
  if (s->bound >= 0 && s->value >= s->bound)
    return -EOVERFLOW;
  TT__RACE(release, s);
  bool handed = tt__wake_first(&s->waiters, 0, s->obj.id) != NULL;
  if (!handed)
    s->value++;
  TT__TRACED(
      tt__emit_sem_released(s->obj.id, tt__self_id(), (uint64_t)s->value, handed));
  return 0;
}

long tt_sem_value(const tt_sem *s) {
  if (s == NULL)
    return -EINVAL;
  int err = tt__check_owner(&s->obj, "tt_sem_value");
  if (err < 0)
    return err;
  return s->value;
}

int tt_sem_close(tt_sem *s) {
  if (s == NULL)
    return -EINVAL;
  int err = tt__check_owner(&s->obj, "tt_sem_close");
  if (err < 0)
    return err;
  if (!tt__list_empty(&s->waiters))
    return -EBUSY;
  return 0;
}
