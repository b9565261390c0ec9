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

/* sync_text.c: deadlocks and the sync objects other than locks. */
const char *tt__kind_word(unsigned kind); /* "event", "semaphore", ... */
/* Each deadlock the runtime reported, with its edges (nothing if none). */
void tt__put_deadlocks(FILE *out, const tt_model *m);
/* Lines under a lock's row: held at the end, waits unfinished or timed out. */
void tt__put_lock_notes(FILE *out, const tt_model *m, const tt_vlock *l);
/* The events, semaphores, conditions and queues (nothing if none). */
void tt__put_objects(FILE *out, const tt_model *m);

#endif
