/* Number formatting shared by the renderers. */
#include <stdio.h>

#include "tasktrace/viewer.h"

char *tt_fmt_duration(uint64_t ns, char *buf, size_t len) {
  if (ns < 1000)
    snprintf(buf, len, "%llu ns", (unsigned long long)ns);
  else if (ns < 1000000)
    snprintf(buf, len, "%.1f us", (double)ns / 1e3);
  else if (ns < 1000000000)
    snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
  else
    snprintf(buf, len, "%.3f s", (double)ns / 1e9);
  return buf;
}
