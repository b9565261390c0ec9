/* libFuzzer target: the .ttrace reader over any bytes. It must return an
 * error or events, never crash, hang or leak (ASan/UBSan watch). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tasktrace/ttrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tt_reader *r;
  if (tt_reader_open_mem(&r, data, size) < 0)
    return 0;
  tt_trace_event ev;
  int n;
  size_t sum = 0;
  while ((n = tt_reader_next(r, &ev)) > 0) {
    const tt_ev_desc *d = tt_ev_describe(ev.type);
    if (d == NULL)
      __builtin_trap(); /* the reader must only return known events */
    for (int i = 0; i < TT_EVENT_FIELDS; i++)
      if (d->kind[i] == TT_FIELD_STR)
        sum += strlen(ev.s[i]); /* every string resolves */
  }
  /* Seeking (index or chunk walk) over the same bytes. */
  if (n == 0 && size > 8 && tt_reader_seek(r, (uint64_t)data[size - 1] << 20) == 0)
    while (tt_reader_next(r, &ev) > 0)
      ;
  (void)tt_reader_error(r);
  (void)tt_reader_lost(r);
  tt_reader_close(r);
  return (int)(sum & 0);
}
