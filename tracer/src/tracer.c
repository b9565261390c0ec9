/* Tracer set-up: which sinks are on for this process. */
#include <stdlib.h>

#include "sink.h"

int tt_tracer_init(void) { return 0; }
void tt_tracer_flush(void) {}
void tt__native_write(unsigned type, uint64_t ts, const uint64_t u[TT_EVENT_FIELDS],
                      const char *const s[TT_EVENT_FIELDS]) {
  (void)type, (void)ts, (void)u, (void)s;
}
