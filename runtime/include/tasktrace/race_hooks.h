/* tasktrace race hooks — <tasktrace/race_hooks.h>, the runtime's side of
 * the race detector (race/): where the runtime tells it about steps, locks
 * and hand-offs. Not part of the API and not installed; the runtime never
 * depends on race/: the detector installs its table with tt__race_set_hooks
 * and, while none is installed, each hook costs one load and one branch.
 */
#ifndef TASKTRACE_RACE_HOOKS_H
#define TASKTRACE_RACE_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "tasktrace/tasktrace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tt__race_hooks {
  void (*on_switch)(tt_task *next);                  /* next runs now (NULL: the loop) */
  void (*step_end)(tt_task *self, const char *site); /* a yield point, switch or not */
  void (*spawn)(tt_task *parent, tt_task *child);    /* parent NULL: outside tasks */
  void (*finish)(tt_task *t);                        /* t's function returned */
  void (*join)(tt_task *t);                          /* the current task took t's result */
  void (*release)(const void *obj); /* the current task signals through obj */
  void (*acquire)(const void *obj); /* the current task was signalled through obj */
  void (*lock_acquire)(tt_task *t, const tt_lock *l);
  void (*lock_release)(tt_task *t, const tt_lock *l);
} tt__race_hooks;

extern const tt__race_hooks *tt__race; /* hidden: linked statically only */
void tt__race_set_hooks(const tt__race_hooks *h);

/* What the detector may know of a task (the record itself is private). */
typedef struct tt__race_task {
  uint64_t id;
  const char *name;
  const char *site; /* spawn site, file:line */
  const void *stack;
  size_t stack_size;
} tt__race_task;
void tt__race_describe(const tt_task *t, tt__race_task *out);
/* A report as a trace event (the detector cannot emit: emission is the
 * runtime's): task raced with other; read_ts: when the step of its read
 * began (0: unknown); what: the report in one line. */
void tt__race_event(uint64_t task, uint64_t other, uint64_t read_ts, const char *what);
/* The trace's clock while tracing is on, else 0 (no clock read). */
uint64_t tt__race_clock(void);

#define TT__RACE(fn, ...)                                                                          \
  do {                                                                                             \
    if (TT_UNLIKELY(tt__race != NULL))                                                             \
      tt__race->fn(__VA_ARGS__);                                                                   \
  } while (0)
/* A wait that returns r: on success (0) it acquired what obj hands over. */
static inline int tt__race_got(const void *obj, int r) {
  if (TT_UNLIKELY(tt__race != NULL) && r == 0)
    tt__race->acquire(obj);
  return r;
}

#ifdef __cplusplus
}
#endif
#endif /* TASKTRACE_RACE_HOOKS_H */
