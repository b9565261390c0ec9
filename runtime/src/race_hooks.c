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
