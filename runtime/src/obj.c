/* Object ids and names: every task, lock, queue... has a process-wide id,
 * the key the trace uses, and a name for reports. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Atomic uint64_t next_id = 1;

uint64_t tt__next_id(void) { return atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed); }

void tt__obj_init(tt__obj *o, unsigned kind, const char *name) {
  o->id = tt__next_id();
  o->loop = tt__loop;
  if (name != NULL)
    snprintf(o->name, sizeof o->name, "%s", name);
  else
    snprintf(o->name, sizeof o->name, "%s-%llu", tt_kind_name(kind), (unsigned long long)o->id);
  tt__emit_object_name(o->id, kind, o->name);
}

/* Under virtual time (vtime.c) the loop's own clock, on its thread. */
int64_t tt_now(void) {
  tt_loop *loop = tt__loop;
  if (TT_UNLIKELY(loop != NULL && loop->vt))
    return loop->vnow;
  return (int64_t)tt_now_ns();
}

int tt__check_owner(const tt__obj *o, const char *fn) {
  if (TT_LIKELY(o->loop == tt__loop && o->loop != NULL))
    return 0;
  if (tt__cfg.debug)
    tt__debug_wrong_thread(o, fn);
  return -EPERM;
}
