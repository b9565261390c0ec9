/* Plain-text helpers: names from traces are untrusted, terminals obey
 * escape sequences, so every name goes out through tt_escape. */
#include "text.h"

void tt__put_name(FILE *out, const char *str, int width, int max) {
  /* The shared routine, compact: one '?' per unsafe character, so that a
   * kept character is one column (what does not fit buf ends in "..."). */
  char buf[1024];
  tt_escape(buf, sizeof buf, str ? str : "", (size_t)-1, TT_ESC_COMPACT);
  const unsigned char *s = (const unsigned char *)buf;
  int total = 0;
  for (const unsigned char *q = s; *q; q++)
    total += (*q & 0xc0) != 0x80; /* count characters, not bytes */
  int keep = max > 0 && total > max ? max - 1 : total, cols = 0;
  for (; *s; s++) {
    if ((*s & 0xc0) == 0x80) { /* continuation byte of a kept character */
      fputc(*s, out);
      continue;
    }
    if (cols == keep)
      break;
    fputc(*s, out);
    cols++;
  }
  if (keep < total) {
    fputc('~', out);
    cols++;
  }
  for (; cols < width; cols++)
    fputc(' ', out);
}

void tt__put_dur(FILE *out, uint64_t ns, int width) {
  char b[32];
  fprintf(out, "%*s", width, tt_fmt_duration(ns, b, sizeof b));
}
