/* Durations typed by people: "1200", "1200ns", "3.5us", "12ms", "2s". */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tasktrace/viewer.h"

int tt_parse_duration(const char *s, uint64_t *ns) {
  static const struct {
    const char *unit;
    double scale;
  } units[] = {{"", 1}, {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  if (s == NULL || *s == 0 || *s == '-' || *s == '+')
    return -EINVAL;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || !isfinite(v) || v < 0)
    return -EINVAL;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(end, units[i].unit) == 0) {
      double x = v * units[i].scale;
      if (x >= 1.8e19)
        return -EINVAL;
      *ns = (uint64_t)(x + 0.5);
      return 0;
    }
  return -EINVAL;
}
