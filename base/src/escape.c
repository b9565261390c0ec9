/* The one escaping routine for untrusted strings on their way to a terminal
 * or a log: names and paths from traces, producers' program names, file
 * names, environment values. A terminal obeys what it is sent, so an
 * attacker who names a task "\e[2J" clears the victim's screen, one who puts
 * a newline in a program name writes a fake log line, and U+202E (right-to-
 * left override) makes "exe.txt" read as something else. Everything that is
 * not plainly printable is shown as an escape (visible mode) or as one '?'
 * (compact mode, for column-aligned views where a character is a column).
 * HTML and JSON have escapers of their own in the viewer. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tt_base.h"

int tt_utf8_decode(const char *str, size_t n, uint32_t *cp_out) {
  const unsigned char *s = (const unsigned char *)str;
  if (n == 0)
    return 0;
  unsigned c = s[0];
  int len;
  uint32_t cp;
  if (c < 0x80)
    len = 1, cp = c;
  else if ((c & 0xe0) == 0xc0)
    len = 2, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0)
    len = 3, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0)
    len = 4, cp = c & 0x07;
  else
    return 0;
  if ((size_t)len > n)
    return 0;
  for (int i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  *cp_out = cp;
  return len;
}

/* Code points that reorder or hide text: C1 controls, bidi embeddings,
 * overrides and isolates, zero-width and line/paragraph separators, BOM. */
static int invisible(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

size_t tt_escape(char *dst, size_t cap, const char *src, size_t len, int flags) {
  const unsigned char *s = (const unsigned char *)(src ? src : "");
  size_t o = 0, i = 0;
  if (cap == 0)
    return 0;
  if (len == (size_t)-1)
    len = strlen((const char *)s);
  while (i < len) {
    char piece[16];
    size_t plen;
    uint32_t cp = 0;
    int n = tt_utf8_decode((const char *)s + i, len - i, &cp);
    if (n == 1 && cp >= 0x20 && cp < 0x7f) {
      if (cp == '\\' && !(flags & TT_ESC_COMPACT))
        memcpy(piece, "\\\\", plen = 2);
      else
        piece[0] = (char)cp, plen = 1;
    } else if (n > 1 && !invisible(cp)) {
      memcpy(piece, s + i, plen = (size_t)n);
    } else if (flags & TT_ESC_COMPACT) {
      piece[0] = '?', plen = 1;
    } else if (n == 1 && (cp == '\n' || cp == '\t' || cp == '\r')) {
      piece[0] = '\\', piece[1] = cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r', plen = 2;
    } else if (n > 1) {
      plen = (size_t)snprintf(piece, sizeof piece, "\\u{%x}", (unsigned)cp);
    } else {
      plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", s[i]);
      n = 1; /* an invalid byte is escaped alone; decoding resumes after it */
    }
    /* Each piece leaves room for "..." after it, unless it is the last. */
    int last = i + (size_t)n >= len;
    if (o + plen + (last ? 0 : 3) + 1 > cap) {
      if (last && o + plen + 1 <= cap) {
        memcpy(dst + o, piece, plen);
        o += plen;
      } else if (o + 4 <= cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
      }
      break;
    }
    memcpy(dst + o, piece, plen);
    o += plen;
    i += (size_t)n;
  }
  dst[o] = '\0';
  return o;
}

const char *tt_esc(char *buf, size_t cap, const char *s) {
  tt_escape(buf, cap, s, (size_t)-1, 0);
  return buf;
}

void tt_fput_escaped(FILE *out, const char *s, int flags) {
  char buf[256];
  const char *p = s ? s : "";
  size_t len = strlen(p);
  /* A byte expands to at most 4 ("\\xHH"), so chunks of up to 36 bytes fit
   * buf; a chunk ends at a character boundary so that a multi-byte
   * character is judged whole. */
  while (len > 0) {
    size_t n = len < 32 ? len : 32;
    while (n < len && n < 36 && ((unsigned char)p[n] & 0xc0) == 0x80)
      n++;
    tt_escape(buf, sizeof buf, p, n, flags);
    fputs(buf, out);
    p += n, len -= n;
  }
}
