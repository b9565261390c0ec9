/* Private: the sinks an emitted event is handed to. */
#ifndef TT_TRACER_SINK_H
#define TT_TRACER_SINK_H
#include "tasktrace/tracer.h"

/* The native stream (stream.c): encode into this thread's buffer. */
void tt__native_write(unsigned type, uint64_t ts, const uint64_t u[TT_EVENT_FIELDS],
                      const char *const s[TT_EVENT_FIELDS]);
/* Connect to the collector at path and turn the native sink on. Returns 0
 * (also when the collector is absent: a warning is printed and nothing is
 * recorded) or a negative errno for a bad path, message printed. */
int tt__native_init(const char *path);
/* Hand this thread's buffer over and wait (at most a second) until the
 * sender has written everything queued. */
void tt__native_flush(void);

#endif
