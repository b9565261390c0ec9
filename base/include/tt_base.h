/* tasktrace base — <tt_base.h>: what every component of the tree shares and
 * nothing of tasktrace's own: the clock, escaping of untrusted strings, and
 * the containers. Project-internal: not installed, not part of any API.
 *
 * Errors: functions that can fail return 0 or a negative errno (-ENOMEM);
 * nothing here prints or aborts.
 */
#ifndef TT_BASE_H
#define TT_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tasktrace/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CLOCK_MONOTONIC in nanoseconds: the one clock of every timestamp. */
TT_EXTERN uint64_t tt_now_ns(void);

/* ---- Untrusted strings on a terminal or in a log -------------------------
 * Every string that comes from a trace, a producer, a path or the
 * environment is printed through these (base/src/escape.c): control
 * characters (C0, DEL, C1), invalid UTF-8, bidi overrides and invisible
 * format characters are shown as escapes ("\x1b", "\n", "\u{202e}", a
 * backslash as two) or, with TT_ESC_COMPACT, as one '?' each (for views where
 * a character is a column). */
#define TT_ESC_COMPACT 1
/* Escape len bytes of src (len (size_t)-1: up to its NUL) into dst (cap
 * bytes, always NUL-terminated; what does not fit ends in "..."). Returns
 * the length written. */
TT_EXTERN size_t tt_escape(char *dst, size_t cap, const char *src, size_t len, int flags);
/* tt_escape of a whole string into buf, returned: for one printf argument. */
TT_EXTERN const char *tt_esc(char *buf, size_t cap, const char *s);
/* Length (1..4) of the valid UTF-8 sequence at s (n bytes available) and
 * its code point in *cp, or 0 if the bytes there are not valid UTF-8
 * (overlong forms and surrogates included). */
TT_EXTERN int tt_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Write s escaped, however long it is. */
TT_EXTERN void tt_fput_escaped(FILE *out, const char *s, int flags);

#ifdef __cplusplus
}
#endif
#endif /* TT_BASE_H */
