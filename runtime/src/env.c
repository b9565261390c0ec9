/* The TASKTRACE_* environment variables of the runtime. A bad value is a
 * one-line error naming the variable, never a silent default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

tt__config tt__cfg = {.slow_ns = 100 * 1000000LL, .lock_ns = 1000 * 1000000LL};

/* Parse an unsigned decimal integer that fills the whole string. Leading
 * zeros are fine ("0001" is 1); a sign, a space or anything else is not.
 * Overflow is caught digit by digit, so no length limit is needed. */
static int parse_u64(const char *s, uint64_t *out) {
  if (*s == '\0')
    return -EINVAL;
  uint64_t v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9')
      return -EINVAL;
    uint64_t d = (uint64_t)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) {
      for (; *p; p++) /* garbage after an overflow is still garbage */
        if (*p < '0' || *p > '9')
          return -EINVAL;
      return -ERANGE;
    }
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

int tt__config_load(void) {
  const char *v;
  char e[256]; /* the value, escaped: it comes from the environment */
  uint64_t n;
  tt__config c = {.slow_ns = 100 * 1000000LL, .lock_ns = 1000 * 1000000LL};

  if ((v = getenv("TASKTRACE_DEBUG")) != NULL && *v != '\0') {
    if (strcmp(v, "1") == 0)
      c.debug = true;
    else if (strcmp(v, "0") != 0) {
      fprintf(stderr, "tasktrace: TASKTRACE_DEBUG='%s': expected 0 or 1\n", tt_esc(e, sizeof e, v));
      return -EINVAL;
    }
  }
  if ((v = getenv("TASKTRACE_SLOW_MS")) != NULL) {
    if (parse_u64(v, &n) < 0 || n == 0 || n > 86400000) {
      fprintf(stderr,
              "tasktrace: TASKTRACE_SLOW_MS='%s': expected a whole number of milliseconds "
              "from 1 to 86400000\n",
              tt_esc(e, sizeof e, v));
      return -EINVAL;
    }
    c.slow_ns = (int64_t)n * 1000000;
  }
  if ((v = getenv("TASKTRACE_LOCK_MS")) != NULL) {
    if (parse_u64(v, &n) < 0 || n == 0 || n > 86400000) {
      fprintf(stderr,
              "tasktrace: TASKTRACE_LOCK_MS='%s': expected a whole number of milliseconds "
              "from 1 to 86400000\n",
              tt_esc(e, sizeof e, v));
      return -EINVAL;
    }
    c.lock_ns = (int64_t)n * 1000000;
  }
  if ((v = getenv("TASKTRACE_SCHED_SEED")) != NULL) {
    if (parse_u64(v, &n) < 0) {
      fprintf(stderr,
              "tasktrace: TASKTRACE_SCHED_SEED='%s': expected an unsigned decimal integer\n", tt_esc(e, sizeof e, v));
      return -EINVAL;
    }
    c.seeded = true;
    c.seed = n;
  }
  tt__cfg = c;
  return 0;
}
