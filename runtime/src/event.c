/* Event: asyncio.Event.
 *
 * set() wakes every task parked in wait() at that moment, each with 0, and
 * takes them off the list right away: a waiter that was woken returns 0
 * even if the event is cleared, or the waiter is cancelled, before it runs
 * (the cancel is then delivered at its next yield point). A waiter that
 * times out or is cancelled before a set() was not woken: tt__park took it
 * off the list, so it has nothing to pass on and no one else loses a
 * wake-up because of it. wait() on a set event returns 0 at once.
 */
#include "internal.h"

int tt_event_init(tt_event *e, const char *name) {
  if (e == NULL)
    return -EINVAL;
  tt__obj_init(&e->obj, TT_KIND_event, name);
  e->is_set = 0;
  tt__list_init(&e->waiters);
  return 0;
}

int tt_event_set(tt_event *e) {
  if (e == NULL)
    return -EINVAL;
  int err = tt__check_owner(&e->obj, "tt_event_set");
  if (err < 0)
    return err;
  e->is_set = 1;
  TT__RACE(release, e);
  /* Everyone on the list is parked (timeouts and cancels leave it), so
   * each pass wakes one and takes it off. */
  uint64_t woken = 0;
  while (tt__wake_first(&e->waiters, 0, e->obj.id) != NULL)
    woken++;
  TT__TRACED(tt__emit_event_set(e->obj.id, tt__self_id(), woken));
  return 0;
}

int tt_event_clear(tt_event *e) {
  if (e == NULL)
    return -EINVAL;
  int err = tt__check_owner(&e->obj, "tt_event_clear");
  if (err < 0)
    return err;
  /* was_set 1: a set that a waiter arriving later never sees (a missed
   * signal shows as event_set, event_clear, then that waiter's wait). */
  TT__TRACED(tt__emit_event_clear(e->obj.id, tt__self_id(), e->is_set));
  e->is_set = 0;
  return 0;
}

int tt_event_is_set(const tt_event *e) {
  if (e == NULL)
    return -EINVAL;
  int err = tt__check_owner(&e->obj, "tt_event_is_set");
  if (err < 0)
    return err;
  return e->is_set;
}

int tt_event_wait(tt_event *e, tt_deadline deadline) {
  int err;
  if (e == NULL)
    return -EINVAL;
  if ((err = tt__check_owner(&e->obj, "tt_event_wait")) < 0)
    return err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  if (e->is_set)
    return tt__race_got(e, 0);
  tt__waiter w = {.task = self};
  tt__list_push(&e->waiters, &w.link);
  /* 0: set() woke us; else we were never woken and left the list. */
  return tt__race_got(e, tt__park(self, TT_STATE_event, e->obj.id, e, &w, deadline));
}

int tt_event_close(tt_event *e) {
  if (e == NULL)
    return -EINVAL;
  int err = tt__check_owner(&e->obj, "tt_event_close");
  if (err < 0)
    return err;
  if (!tt__list_empty(&e->waiters))
    return -EBUSY;
  return 0;
}
