/* Tracer set-up: which sinks are on for this process. Each sink has its
 * own init (native stream: stream.c); this file only reads the switches. */
#include <stdlib.h>

#include "lttng.h"
#include "sink.h"

int tt_tracer_init(void) {
  static int done, result;
  if (done)
    return result;
  done = 1;
  const char *path = getenv("TASKTRACE_COLLECTOR");
  if (path != NULL && (result = tt__native_init(path)) < 0)
    return result;
  result = tt__lttng_init(); /* LTTng-UST provider (lttng.c) */
  return result;
}

void tt_tracer_fork_server(void) {
  const char *v = getenv("TASKTRACE_LTTNG_PROVIDER");
  if (v != NULL && *v == '\0')
    tt__lttng_retire();
}

void tt_tracer_flush(void) {
  if (tt__trace_on & TT__TRACE_NATIVE)
    tt__native_flush();
}
