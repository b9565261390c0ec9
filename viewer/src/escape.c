/* Escaping of names from traces, which are untrusted: a task may be named
 * "</script><script>alert(1)</script>" or hold invalid UTF-8. */
#include <stdint.h>
#include <stdio.h>

#include "tasktrace/viewer.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static int utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  if (c < 0x80)
    return 1;
  int n;
  uint32_t cp;
  if ((c & 0xe0) == 0xc0)
    n = 2, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0)
    n = 3, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0)
    n = 4, cp = c & 0x07;
  else
    return 0;
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

void tt_json_escape(FILE *out, const char *str) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  while (*s) {
    unsigned c = *s;
    if (c == '"' || c == '\\') {
      fputc('\\', out);
      fputc((int)c, out);
      s++;
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
      fprintf(out, "\\u%04x", c);
      s++;
    } else if (c < 0x80) {
      fputc((int)c, out);
      s++;
    } else {
      int n = utf8_len(s);
      if (n == 0) {
        fputs("\\ufffd", out);
        s++;
      } else if (n == 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9)) {
        /* U+2028/9 end a line in older JavaScript. */
        fprintf(out, "\\u%04x", s[2] == 0xa8 ? 0x2028 : 0x2029);
        s += 3;
      } else {
        fwrite(s, 1, (size_t)n, out);
        s += n;
      }
    }
  }
}

/* C1 controls (U+0080..9F) and the bidi controls that reorder text
 * (U+200E/F, U+202A..E, U+2066..9) at s: their length in bytes, or 0. */
static int bidi_or_c1(const unsigned char *s) {
  if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
    return 2;
  if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae)))
    return 3;
  if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
    return 3;
  return 0;
}

void tt_html_escape(FILE *out, const char *str) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  for (; *s; s++) {
    int skip = bidi_or_c1(s);
    if (skip > 0) {
      fputs("&#xfffd;", out);
      s += skip - 1;
      continue;
    }
    switch (*s) {
    case '&': fputs("&amp;", out); break;
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&#39;", out); break;
    default:
      if (*s < 0x20 && *s != '\t' && *s != '\n')
        fputs("&#xfffd;", out);
      else
        fputc(*s, out);
    }
  }
}
