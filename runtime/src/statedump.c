/* The state dump, as LTTng's own statedump does for the kernel: an LTTng
 * session that begins while the program runs would otherwise see tasks
 * that were spawned before it as bare ids ("task-3", no spawn site) and
 * locks without names. So at the loop's next iteration after the
 * tasktrace tracepoints become enabled (poll.c, from the loop's prepare
 * handle: the tasks are all stopped there), each live task is described
 * (id, parent, name, spawn site) with its state (runnable, finished, or
 * parked: why, on what), and each object a task waits on or, in debug
 * mode, holds (id, kind, name, a lock's holder).
 *
 * Only objects reachable from a task are dumped: the runtime keeps no
 * list of every object (they live in the program's memory, which it may
 * free without telling us), so a free lock nobody waits on is named at its
 * next acquire only if its object_name was recorded. Debug mode knows the
 * locks each task holds, so there every held lock is dumped too.
 *
 * The events go to every active sink (a collector too, where they repeat
 * what it has already seen: harmless, the viewer takes them as names).
 */
#include "internal.h"

/* The object a parked task waits on, if it is one of ours (TT_STATES' last
 * column: every primitive starts with its tt__obj; join parks on a task,
 * I/O and sleep on nothing that has a name). */
static const tt__obj *waited_obj(const tt_task *t, int *kind) {
  *kind = tt_state_on(t->block_state);
  if (t->state != TT__T_PARKED || t->block_ptr == NULL || *kind < 0 || *kind == TT_KIND_task ||
      *kind == TT_KIND_io)
    return NULL;
  return t->block_ptr;
}

static void dump_lock(const tt_lock *l) {
  tt__emit_statedump_object(l->obj.id, TT_KIND_lock, l->obj.name,
                            l->holder != NULL ? l->holder_id : 0);
}

static void dump_task(const tt_task *t) {
  tt__emit_statedump_task(t->id, t->parent, t->name, t->site ? t->site : "");
  unsigned state = TT_STATE_yield; /* ready (none runs: we are in the loop) */
  uint64_t obj = 0;
  if (t->state == TT__T_PARKED) {
    state = t->block_state;
    obj = t->block_obj;
  } else if (t->state == TT__T_DONE) {
    state = TT_STATE_done;
  }
  tt__emit_statedump_task_state(t->id, state, obj);
  int kind;
  const tt__obj *o = waited_obj(t, &kind);
  if (o != NULL && kind == TT_KIND_lock)
    dump_lock((const tt_lock *)o);
  else if (o != NULL)
    tt__emit_statedump_object(o->id, (uint64_t)kind, o->name, 0);
  /* Debug mode: the locks it holds (see debug.c, the held list). */
  if (t->held.next != NULL)
    for (const tt__list *n = t->held.next; n != &t->held; n = n->next)
      dump_lock(tt__container_of(n, tt_lock, held_link));
}

void tt__statedump(tt_loop *loop) {
  loop->dumped = __atomic_load_n(&tt__lttng_sessions, __ATOMIC_ACQUIRE);
  if (!(tt__trace_on & TT__TRACE_LTTNG))
    return; /* it ended again before we got here */
  tt__emit_statedump_begin(loop->ntasks);
  uint64_t n = 0;
  for (const tt__list *l = loop->tasks.next; l != &loop->tasks; l = l->next) {
    const tt_task *t = tt__container_of(l, tt_task, all);
    if (t->state == TT__T_FREE)
      continue;
    dump_task(t);
    n++;
  }
  tt__emit_statedump_end(n);
}
