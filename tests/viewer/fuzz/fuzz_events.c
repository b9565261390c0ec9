/* Fuzz target: arbitrary bytes as a sequence of decoded events, the way a
 * well-formed but hostile (or simply strange) trace reaches the model from
 * either reader: any order, any ids, any values, names with markup and
 * control bytes. 24 bytes an event: type, pid, tid (small, so that ids
 * collide), a timestamp step, four field values; strings come from a small
 * table. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_viewer.h"

static const char *const strs[] = {"", "main", "<script>alert(1)</script>", "\x1b[31mred",
                                   "caf\xc3\xa9", "\xff\xfe", "a\"b\\c", "x.c:1"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t n = size / 24;
  if (n > 100000)
    n = 100000;
  tt_trace_event *ev = calloc(n ? n : 1, sizeof *ev);
  if (ev == NULL)
    return 0;
  uint64_t ts = 1000;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = data + i * 24;
    ev[i].type = p[0] % (TT_EV_MAX + 1);
    ev[i].pid = p[1] % 3;
    ev[i].tid = p[2] % 3;
    /* Mostly forward in time, sometimes back (merged sources, clamping). */
    ts = p[3] == 0xff ? ts - (ts > 500 ? 500 : 0) : ts + p[3] * 97u;
    ev[i].ts = ts;
    for (int k = 0; k < TT_EVENT_FIELDS; k++) {
      uint32_t v;
      memcpy(&v, p + 4 + 4 * k, 4);
      /* Small values (ids, states, kinds) most of the time, and huge ones. */
      ev[i].u[k] = (v & 0x80000000u) ? (uint64_t)v << 32 | v : v % 16;
    }
    const tt_ev_desc *d = tt_ev_describe(ev[i].type);
    for (int k = 0; d && k < TT_EVENT_FIELDS; k++)
      if (d->kind[k] == TT_FIELD_STR)
        ev[i].s[k] = (p[20 + k] & 8) ? NULL : strs[p[20 + k] % 8];
  }
  tt_source *src;
  if (tt_source_from_array(ev, n, &src) == 0) {
    fuzz_view(src);
    tt_source_close(src);
  }
  free(ev);
  return 0;
}
