/* Private: helpers for the plain-text renderers. */
#ifndef TT_VIEWER_TEXT_H
#define TT_VIEWER_TEXT_H

#include <stdio.h>

#include "tt_base.h"
#include "tasktrace/viewer.h"

/* Print a name from a trace on a terminal through tt_escape, compact:
 * every unsafe character (C0/C1 controls, ESC, bidi overrides, invalid
 * UTF-8) is one '?', one column per character kept, padded with spaces to width columns (left
 * aligned; 0: no padding), cut to max columns with a '~' (0: no limit). */
void tt__put_name(FILE *out, const char *s, int width, int max);
/* A short duration column: tt_fmt_duration right-aligned in width. */
void tt__put_dur(FILE *out, uint64_t ns, int width);

#endif
