/* The race detector's hook table (tasktrace/race_hooks.h): NULL unless the
 * race runtime (race/) installed one. */
#include "internal.h"

const tt__race_hooks *tt__race;

void tt__race_set_hooks(const tt__race_hooks *h) { tt__race = h; }

void tt__race_describe(const tt_task *t, tt__race_task *out) {
  out->id = t->id;
  out->name = tt__task_name(t);
  out->site = t->site;
  out->stack = t->stack;
  out->stack_size = t->stack_size;
}

void tt__race_event(uint64_t task, uint64_t other, uint64_t read_ts, const char *what) {
  tt__emit_race(task, other, read_ts, what);
}

uint64_t tt__race_clock(void) { return TT_UNLIKELY(tt__trace_on) ? (uint64_t)tt__obs_now() : 0; }
