/* Plain-text helpers: names from traces are untrusted, terminals obey
 * escape sequences, so every name is filtered on its way out. */
#include "text.h"

void tt__put_name(FILE *out, const char *str, int width, int max) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
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
    fputc(*s < 0x20 || *s == 0x7f ? '?' : *s, out);
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
