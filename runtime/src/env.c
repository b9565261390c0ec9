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

/* TASKTRACE_SCHED=fifo | random:SEED | pct:SEED:DEPTH[:STEPS] */
static int parse_sched(const char *v, tt__config *c) {
  char buf[96], *f[5] = {0};
  size_t nf = 0;
  if (strlen(v) >= sizeof buf)
    return -EINVAL;
  strcpy(buf, v);
  for (char *p = buf, *q; nf < 5; p = q + 1) {
    f[nf++] = p;
    if ((q = strchr(p, ':')) == NULL)
      break;
    *q = '\0';
  }
  uint64_t n[3] = {0, 0, 0};
  for (size_t i = 1; i < nf; i++)
    if (i > 3 || parse_u64(f[i], &n[i - 1]) < 0)
      return -EINVAL;
  if (strcmp(f[0], "fifo") == 0 && nf == 1) {
    c->policy = TT__POL_FIFO;
    return 0;
  }
  if (strcmp(f[0], "random") == 0 && nf == 2) {
    c->policy = TT__POL_RANDOM;
    c->seed = n[0];
    return 0;
  }
  if (strcmp(f[0], "pct") == 0 && (nf == 3 || nf == 4) && n[1] >= 1 && n[1] <= 64 &&
      (nf == 3 || (n[2] >= 1 && n[2] <= 1000000000))) {
    c->policy = TT__POL_PCT;
    c->seed = n[0];
    c->pct_depth = n[1];
    c->pct_steps = nf == 4 ? n[2] : 1000;
    return 0;
  }
  return -EINVAL;
}

/* The exploration variables (docs/explore.md). */
static int load_explore(tt__config *c) {
  const char *v;
  char e[256];
  bool sched = (v = getenv("TASKTRACE_SCHED")) != NULL && *v != '\0';
  if (sched && c->seeded) {
    fprintf(stderr, "tasktrace: TASKTRACE_SCHED and TASKTRACE_SCHED_SEED are both set: set one\n");
    return -EINVAL;
  }
  if (sched && parse_sched(v, c) < 0) {
    fprintf(stderr,
            "tasktrace: TASKTRACE_SCHED='%s': expected fifo, random:SEED or "
            "pct:SEED:DEPTH[:STEPS] (DEPTH 1-64, STEPS 1-1000000000)\n",
            tt_esc(e, sizeof e, v));
    return -EINVAL;
  }
  if ((v = getenv("TASKTRACE_SCHEDULE")) != NULL && *v != '\0') {
    if (sched || c->seeded) {
      fprintf(stderr, "tasktrace: TASKTRACE_SCHEDULE replays a schedule: unset "
                      "TASKTRACE_SCHED and TASKTRACE_SCHED_SEED\n");
      return -EINVAL;
    }
    c->policy = TT__POL_REPLAY;
    c->replay = v;
  }
  if ((v = getenv("TASKTRACE_SCHEDULE_OUT")) != NULL && *v != '\0')
    c->record = v;
  if ((v = getenv("TASKTRACE_SCHEDULE_LENIENT")) != NULL && *v != '\0') {
    if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0) {
      fprintf(stderr, "tasktrace: TASKTRACE_SCHEDULE_LENIENT='%s': expected 0 or 1\n",
              tt_esc(e, sizeof e, v));
      return -EINVAL;
    }
    c->lenient = v[0] == '1';
  }
  if ((v = getenv("TASKTRACE_VIRTUAL_TIME")) != NULL && *v != '\0') {
    if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0) {
      fprintf(stderr, "tasktrace: TASKTRACE_VIRTUAL_TIME='%s': expected 0 or 1\n",
              tt_esc(e, sizeof e, v));
      return -EINVAL;
    }
    c->virtual_time = v[0] == '1';
  }
  c->seeded = c->policy != TT__POL_FIFO || c->record != NULL;
  c->invariants = c->debug || c->seeded;
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
    c.policy = TT__POL_RANDOM;
  }
  if (load_explore(&c) < 0)
    return -EINVAL;
  tt__cfg = c;
  return 0;
}
