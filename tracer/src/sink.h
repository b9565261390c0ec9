/* Private: the sinks an emitted event is handed to. */
#ifndef TT_TRACER_SINK_H
#define TT_TRACER_SINK_H
#include "tasktrace/tracer.h"

/* The native stream (stream.c): encode into this thread's buffer. */
void tt__native_write(unsigned type, uint64_t ts, const uint64_t u[TT_EVENT_FIELDS],
                      const char *const s[TT_EVENT_FIELDS]);

#endif
