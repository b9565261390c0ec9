/* Private: what the model says about itself, for tests/viewer. */
#ifndef TT_VIEWER_MODEL_H
#define TT_VIEWER_MODEL_H

/* 1: the model has a handler for event type `type`; 0: an explicit "no
 * effect" entry (the event only goes to the renderers); -1: none (a type
 * past the schema). */
int tt__model_handles(unsigned type);


#include <stdio.h>
#include "tasktrace/viewer.h"

/* The findings (findings.c): race and lock_inversion events. */
#define TT_MODEL_FINDINGS_KEEP 1000 /* kept; more are only counted */
typedef struct tt_vfinding {
  uint32_t pid, type;       /* TT_EV_race or TT_EV_lock_inversion */
  uint64_t ts, task, other; /* the reporting task, the other one (0: unknown) */
  uint64_t arg;             /* race: read_ts; lock_inversion: the lock */
  char *what;               /* the report in one line */
} tt_vfinding;
typedef struct tt__findings {
  tt_vfinding *v;
  size_t n, cap;
  uint64_t count[2]; /* races, inversions (all, kept or not) */
} tt__findings;
int tt__findings_add(tt__findings *f, const tt_trace_event *ev); /* -1: out of memory */
void tt__findings_free(tt__findings *f);
const tt__findings *tt__model_findings(const tt_model *m);
/* The "races" and "lock-order inversions" sections of the summary
 * (nothing when there are none). */
void tt__render_findings(const tt_model *m, FILE *out);
/* The terminal timeline's rows under task's lane: one per race or
 * inversion it is part of, reported within [from, to): '!' at the report,
 * and for a race, '=' from the step of the read on the reading task's
 * lane. label: the label column's width. Returns the rows printed. */
int tt__timeline_findings(FILE *out, const tt_model *m, uint32_t pid, uint64_t task,
                          uint64_t from, uint64_t to, unsigned width, int label);

#endif
