/* tasktrace viewer — the one public header of the viewer component:
 * trace sources, the timeline model, analyses and renderers. */
#ifndef TASKTRACE_VIEWER_H
#define TASKTRACE_VIEWER_H

#include <stddef.h>
#include <stdint.h>

#include "tasktrace/tracer.h"

/* Format a duration in ns for people: "850 ns", "12.3 us", "4.56 ms",
 * "1.234 s". Writes at most len bytes to buf (NUL included); returns buf. */
TT_EXTERN char *tt_fmt_duration(uint64_t ns, char *buf, size_t len);

#endif
