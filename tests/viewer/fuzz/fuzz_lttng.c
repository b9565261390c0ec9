/* Fuzz target: arbitrary bytes as the stream file of a CTF 1.8 trace whose
 * metadata (fixed, valid: a clock, three tasktrace:* event classes) sits
 * next to it in a fresh directory; the viewer's LTTng source reads it
 * through libbabeltrace2, then the model and every renderer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_viewer.h"
#include "source.h"

static const char metadata[] =
    "/* CTF 1.8 */\n"
    "typealias integer { size = 32; align = 8; signed = false; byte_order = le; } := uint32_t;\n"
    "typealias integer { size = 64; align = 8; signed = false; byte_order = le; } := uint64_t;\n"
    "typealias integer { size = 64; align = 8; signed = true; byte_order = le; } := int64_t;\n"
    "typealias integer { size = 64; align = 8; signed = false; byte_order = le;"
    " map = clock.monotonic.value; } := clock_u64;\n"
    "trace { major = 1; minor = 8; byte_order = le;\n"
    "  packet.header := struct { uint32_t magic; uint32_t stream_id; }; };\n"
    "clock { name = \"monotonic\"; freq = 1000000000; offset_s = 0; };\n"
    "stream { id = 0; event.header := struct { uint32_t id; clock_u64 timestamp; };\n"
    "  event.context := struct { uint32_t _vpid; uint32_t _vtid; }; };\n"
    "event { name = \"tasktrace:task_create\"; id = 1; stream_id = 0;\n"
    "  fields := struct { uint64_t task; uint64_t parent; string name; string site; }; };\n"
    "event { name = \"tasktrace:task_switch\"; id = 2; stream_id = 0;\n"
    "  fields := struct { uint64_t prev; uint64_t next; uint64_t prev_state; uint64_t object; }; };\n"
    "event { name = \"tasktrace:task_exit\"; id = 3; stream_id = 0;\n"
    "  fields := struct { uint64_t task; uint64_t status; int64_t result; }; };\n";

/* libbabeltrace2 and glib keep a few allocations for the process's life
 * (plugin and type registries): not ours, not per input. */
const char *__lsan_default_suppressions(void);
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void) {
  return "leak:libglib-2.0.so\nleak:libbabeltrace2\nleak:babeltrace2/plugins\n";
}

static int put(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return -1;
  int ok = fwrite(data, 1, size, f) == size;
  return fclose(f) == 0 && ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char dir[256], path[300];
  const char *t = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/tt-fuzz-lttng.XXXXXX", t && *t ? t : "/tmp");
  if (mkdtemp(dir) == NULL)
    return 0;
  snprintf(path, sizeof path, "%s/metadata", dir);
  int ok = put(path, metadata, sizeof metadata - 1) == 0;
  snprintf(path, sizeof path, "%s/stream_0", dir);
  ok = ok && put(path, data, size) == 0;
  tt_source *src;
  char err[512];
  if (ok && tt_source_open_lttng(dir, &src, err, sizeof err) == 0) {
    fuzz_view(src);
    tt_source_close(src);
  }
  unlink(path);
  snprintf(path, sizeof path, "%s/metadata", dir);
  unlink(path);
  rmdir(dir);
  return 0;
}
