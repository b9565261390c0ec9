/* Escaping of names from traces, which are untrusted: a task may be named
 * "</script><script>alert(1)</script>" or hold invalid UTF-8. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tt_base.h"
#include "tasktrace/viewer.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static int utf8_len(const unsigned char *s) {
  uint32_t cp;
  return tt_utf8_decode((const char *)s, strnlen((const char *)s, 4), &cp);
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
