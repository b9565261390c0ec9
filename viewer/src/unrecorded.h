/* Private: what an event type the recording left out makes unknown
 * (unrecorded.c), for the text reports. */
#ifndef TT_VIEWER_UNRECORDED_H
#define TT_VIEWER_UNRECORDED_H

#include <stdbool.h>

#include "tasktrace/viewer.h"

#define TT__BIT(type) (1ull << (type))
/* Whether the model's recording left out event type `type`. */
static inline bool tt__unrec(const tt_model *m, unsigned type) {
  return (tt_model_unrecorded(m) & TT__BIT(type)) != 0;
}
/* The task columns (busy, runnable, blocked, switches, longest) are
 * unknown: no task_switch. Runnable and blocked alone: no task_wake. */
#define TT__UNREC_TASK_TIMES(m) tt__unrec(m, TT_EV_task_switch)
#define TT__UNREC_TASK_SPLIT(m) (tt__unrec(m, TT_EV_task_switch) || tt__unrec(m, TT_EV_task_wake))

#endif
