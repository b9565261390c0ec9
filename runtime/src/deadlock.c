/* Deadlock cycles in the wait-for graph, caught at the wait that closes one.
 *
 * tt_run's own check (loop.c) fires only when every task is blocked and
 * nothing is pending on the loop: one detached ticker would turn a
 * lock-order deadlock into a silent hang. A cycle of untimed waits (locks
 * held and awaited, joins) is a deadlock whatever else the loop does, so
 * the acquire or join that would close it returns -EDEADLK at once and the
 * cycle is printed: each task, the call it waits in, and for each lock,
 * where its holder took it (call sites in debug mode). The check walks the
 * chain from the task waited for: it runs only on a wait that is about to
 * park, never on the fast paths.
 */
#include "internal.h"

const tt_task *tt__waits_for(const tt_task *t) {
  if (t->state != TT__T_PARKED || t->block_ptr == NULL)
    return NULL;
  if (t->block_state == TT_STATE_lock) {
    const tt_lock *l = t->block_ptr;
    return tt__task_ref(l->holder, l->holder_id);
  }
  if (t->block_state == TT_STATE_join)
    return (const tt_task *)t->block_ptr;
  return NULL;
}

bool tt__closes_cycle(const tt_task *self, const tt_task *first, tt_deadline deadline) {
  if (deadline != TT_FOREVER)
    return false; /* its own timeout breaks it */
  /* Bounded by the task count: a cycle made without this check (a
   * condition's re-acquire) must not trap the walk. */
  size_t left = self->loop->ntasks + 1;
  for (const tt_task *t = first; t != NULL && left-- > 0; t = tt__waits_for(t)) {
    if (t == self)
      return true;
    if (t->state != TT__T_PARKED || t->deadline != TT_FOREVER)
      return false; /* it runs, or its timeout will: it can still act */
  }
  return false;
}

static const char *site_or(const char *site) { return site ? site : "an unknown call"; }

/* "waits for lock 'L' at x.c:12, held by task 'b' (id 3) since x.c:20" */
static void describe_edge(FILE *f, const tt_task *t, const char *verb, const char *site,
                          const tt_lock *l, const tt_task *on) {
  fprintf(f, "  ");
  tt__describe_task(f, t);
  if (l != NULL) {
    fprintf(f, " %s for lock '%s' at %s, held by task '%s' (id %llu)", verb, l->obj.name,
            site_or(site), tt__task_name(on), (unsigned long long)on->id);
    if (l->acquired_site != NULL)
      fprintf(f, " since %s", l->acquired_site);
  } else {
    fprintf(f, " %s for task '%s' (id %llu) at %s", verb, tt__task_name(on), (unsigned long long)on->id,
            site_or(site));
  }
  fputc('\n', f);
}

static const char *site_str(const char *site) { return site ? site : ""; }

/* The cycle as events: a deadlock, then one edge per task of it, self's
 * (the call being made) first. */
static void trace_cycle(const tt_task *self, const char *fn, const tt_lock *l, const tt_task *on,
                        size_t n) {
  tt__emit_deadlock(self->id, n, fn);
  tt__emit_deadlock_edge(self->id, l ? l->obj.id : on->id, on->id, site_str(tt__call_site));
  for (const tt_task *t = on; t != self; t = tt__waits_for(t)) {
    const tt_task *next = tt__waits_for(t);
    tt__emit_deadlock_edge(t->id, tt__block_obj(t), next ? next->id : 0, site_str(t->wait_site));
  }
}

void tt__trace_stuck(tt_loop *loop) {
  if (!tt__trace_on)
    return;
  size_t blocked = 0;
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next)
    blocked += tt__container_of(n, tt_task, all)->state == TT__T_PARKED;
  tt__emit_deadlock(0, blocked, "loop");
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    const tt_task *t = tt__container_of(n, tt_task, all);
    if (t->state != TT__T_PARKED)
      continue;
    const tt_task *h = tt__waits_for(t);
    uint64_t holder = h ? h->id : 0;
    if (h == NULL && t->block_state == TT_STATE_lock && t->block_ptr != NULL)
      holder = ((const tt_lock *)t->block_ptr)->holder_id; /* finished holding it */
    tt__emit_deadlock_edge(t->id, tt__block_obj(t), holder, site_str(t->wait_site));
  }
}

void tt__report_cycle(const tt_task *self, const char *fn, const tt_lock *l, const tt_task *on) {
  size_t n = 1;
  for (const tt_task *t = on; t != self; t = tt__waits_for(t))
    n++;
  trace_cycle(self, fn, l, on, n);
  fprintf(stderr,
          "tasktrace: deadlock: %s would close a cycle of %zu task(s) waiting for each other "
          "with no timeout; refused with -EDEADLK:\n",
          fn, n);
  /* self has not parked yet: its site is the call being made. */
  describe_edge(stderr, self, "would wait", tt__call_site, l, on);
  for (const tt_task *t = on; t != self; t = tt__waits_for(t)) {
    const tt_task *next = tt__waits_for(t);
    describe_edge(stderr, t, "waits", t->wait_site,
                  t->block_state == TT_STATE_lock ? (const tt_lock *)t->block_ptr : NULL, next);
  }
  fprintf(stderr, "  cycle: '%s'", tt__task_name(self));
  for (const tt_task *t = on; t != self; t = tt__waits_for(t))
    fprintf(stderr, " -> '%s'", tt__task_name(t));
  fprintf(stderr, " -> '%s'\n", tt__task_name(self));
}
