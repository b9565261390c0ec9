/* Event types a recording left out (an LTTng session's log level or event
 * rule), and what the viewer cannot know without them. A trace recorded
 * with `--loglevel=TRACE_INFO` has no task_switch: every task would show
 * busy 0 ns and fully runnable, which is wrong, not zero; the reports show
 * '?' there and this line says why. */
#include <stdio.h>
#include <string.h>

#include "unrecorded.h"

_Static_assert(TT_EV_MAX <= 64, "tt_source_unrecorded is a 64-bit mask of event types");

/* What each event feeds; types absent here feed nothing a report counts
 * (the state dump, marks: their absence loses nothing that is shown as a
 * number). */
static const char *feeds(unsigned type) {
  switch (type) {
  case TT_EV_task_create: return "task names and spawn sites";
  case TT_EV_task_switch: return "busy/runnable/blocked times, switches, longest steps, the timeline";
  case TT_EV_task_wake: return "runnable vs blocked, scheduling latency";
  case TT_EV_task_exit: return "task results";
  case TT_EV_slow_step: return "slow steps";
  case TT_EV_lock_contended: return "lock contention and whom it waited for";
  case TT_EV_lock_acquired: return "lock wait times";
  case TT_EV_lock_released: return "lock acquires and hold times";
  case TT_EV_loop_poll_begin: return "loop busy time";
  case TT_EV_object_name: return "object names";
  case TT_EV_lost: return "lost-event counts";
  default: return NULL;
  }
}

char *tt_unrecorded_describe(uint64_t mask, char *buf, size_t len) {
  size_t n = 0;
  buf[0] = 0;
  for (unsigned t = 1; t < TT_EV_MAX && n < len; t++)
    if ((mask & TT__BIT(t)) && feeds(t) != NULL)
      n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "not recorded: ",
                            tt_ev_describe(t)->name);
  if (n == 0 || n >= len)
    return buf;
  n += (size_t)snprintf(buf + n, len - n, " (the session's log level or event rule left them out);"
                                         " unknown, shown as '?':");
  const char *sep = " ";
  for (unsigned t = 1; t < TT_EV_MAX && n < len; t++)
    if ((mask & TT__BIT(t)) && feeds(t) != NULL) {
      n += (size_t)snprintf(buf + n, len - n, "%s%s", sep, feeds(t));
      sep = "; ";
    }
  return buf;
}
