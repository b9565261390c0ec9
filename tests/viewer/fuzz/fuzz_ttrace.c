/* Fuzz target: arbitrary bytes as a .ttrace file, read by the collector's
 * reader and the viewer's .ttrace source (per-thread reordering), then
 * through the model and every renderer. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_viewer.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tt_reader *r;
  if (tt_reader_open_mem(&r, data, size) < 0)
    return 0;
  tt_source *src;
  if (tt__source_from_reader(r, "fuzz.ttrace", &src) < 0)
    return 0;
  fuzz_view(src);
  tt_source_close(src);
  return 0;
}
