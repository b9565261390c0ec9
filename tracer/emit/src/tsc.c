/* Whether the native path may read the TSC (sink.h, tt__tsc_trusted).
 *
 * The rule (README, "Environment variables", TASKTRACE_CLOCK):
 *  - the kernel's clocksource is `tsc`: the kernel checked the TSC is
 *    constant and synchronised across CPUs, and watches it: trusted;
 *  - else (a VM on kvm-clock or hyperv_clocksource, say) the TSC is trusted
 *    when all of: the kernel still lists `tsc` in available_clocksource (it
 *    drops it once it has marked the TSC unstable), the CPU says
 *    constant_tsc and nonstop_tsc, and our own check passes: a helper
 *    thread, moved onto each CPU this process may run on, twice, 2 ms
 *    apart, reads the TSC between two CLOCK_MONOTONIC reads there; every
 *    reading, scaled by the rate the first CPU's two readings give, must
 *    fall within its CLOCK_MONOTONIC bracket to CHECK_TOL_NS, so that
 *    time-stamps taken on different CPUs (threads migrate) compare.
 *    It costs about 2 ms once, at the start of recording.
 *  - TASKTRACE_CLOCK=monotonic: never (clock_gettime for every event);
 *    TASKTRACE_CLOCK=tsc: the second case's checks whatever the kernel's
 *    clocksource (they still must pass).
 * Readings stay CLOCK_MONOTONIC nanoseconds either way (stream.c re-anchors
 * each thread's TSC scale with clock_gettime at every buffer), so threads
 * and processes share one timeline. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink.h"

#define CHECK_TOL_NS 2000 /* a TSC offset between CPUs that no event order would show */
#define CHECK_CPUS 256    /* CPUs checked at most (the first ones allowed) */
#define CHECK_GAP_NS 2000000

/* Whether file holds word (space- or newline-separated). */
static int file_has_word(const char *path, const char *word, int whole_line) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  char line[16384]; /* a flags line is about 1.5 KiB */
  int found = 0;
  size_t wl = strlen(word);
  while (!found && fgets(line, sizeof line, f) != NULL) {
    if (whole_line && strncmp(line, "flags", 5) != 0)
      continue; /* /proc/cpuinfo: only the flags lines */
    for (char *p = line; (p = strstr(p, word)) != NULL; p += wl) {
      int start = p == line || p[-1] == ' ' || p[-1] == '\t';
      int stop = p[wl] == ' ' || p[wl] == '\n' || p[wl] == 0;
      if (start && stop) {
        found = 1;
        break;
      }
    }
  }
  fclose(f);
  return found;
}

#if defined(__x86_64__)
typedef struct sample {
  uint64_t ns1, tsc, ns2;
  int ok;
} sample;

typedef struct probe {
  int cpus[CHECK_CPUS];
  int n;
  sample s[2][CHECK_CPUS];
} probe;

static uint64_t mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The tightest of a few brackets, on the CPU the thread is on. */
static sample take(void) {
  sample best = {0, 0, UINT64_MAX, 1};
  uint64_t width = UINT64_MAX;
  for (int i = 0; i < 7; i++) {
    uint64_t a = mono(), t = __rdtsc(), b = mono();
    if (b - a < width)
      width = b - a, best = (sample){a, t, b, 1};
  }
  return best;
}

static void *probe_main(void *arg) {
  probe *pr = arg;
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < pr->n; i++) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(pr->cpus[i], &one);
      pr->s[pass][i].ok = 0;
      if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0)
        continue;
      for (int tries = 0; tries < 3 && sched_getcpu() != pr->cpus[i]; tries++)
        sched_yield();
      if (sched_getcpu() != pr->cpus[i])
        continue;
      pr->s[pass][i] = take();
    }
    if (pass == 0) {
      struct timespec gap = {0, CHECK_GAP_NS};
      nanosleep(&gap, NULL);
    }
  }
  return NULL;
}

/* 1 when every CPU's TSC reads as one clock with CLOCK_MONOTONIC. */
static int cross_cpu_check(const char **why) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    *why = "cannot list the CPUs";
    return 0;
  }
  probe *pr = calloc(1, sizeof *pr);
  if (pr == NULL) {
    *why = "out of memory";
    return 0;
  }
  for (int c = 0; c < CPU_SETSIZE && pr->n < CHECK_CPUS; c++)
    if (CPU_ISSET(c, &allowed))
      pr->cpus[pr->n++] = c;
  pthread_t th;
  if (tt_thread_start_nosig(&th, probe_main, pr) < 0) {
    free(pr);
    *why = "cannot start the check's thread";
    return 0;
  }
  pthread_join(th, NULL);
  int ok = 1;
  const sample *a = &pr->s[0][0], *b = &pr->s[1][0];
  if (pr->n == 0 || !a->ok || !b->ok || b->tsc <= a->tsc || b->ns1 <= a->ns2) {
    *why = "the TSC did not advance";
    ok = 0;
  }
  /* The line through the first CPU's two readings (bracket midpoints). */
  double mid_a = ((double)a->ns1 + (double)a->ns2) / 2, mid_b = ((double)b->ns1 + (double)b->ns2) / 2;
  double rate = ok ? (mid_b - mid_a) / (double)(b->tsc - a->tsc) : 0;
  for (int pass = 0; ok && pass < 2; pass++)
    for (int i = 0; ok && i < pr->n; i++) {
      const sample *s = &pr->s[pass][i];
      if (!s->ok)
        continue; /* could not run there: nor will our threads */
      double at = mid_a + ((double)s->tsc - (double)a->tsc) * rate;
      if (at < (double)s->ns1 - CHECK_TOL_NS || at > (double)s->ns2 + CHECK_TOL_NS) {
        *why = "the CPUs' TSCs disagree";
        ok = 0;
      }
    }
  free(pr);
  return ok;
}
#endif

int tt__tsc_trusted(void) {
#if defined(__x86_64__)
  const char *env = getenv("TASKTRACE_CLOCK"), *why = NULL;
  int force = 0;
  if (env != NULL && strcmp(env, "monotonic") == 0)
    return 0;
  if (env != NULL && strcmp(env, "tsc") == 0) {
    force = 1;
  } else if (env != NULL && strcmp(env, "auto") != 0) {
    char e[256];
    fprintf(stderr, "tasktrace: TASKTRACE_CLOCK=%s: want auto, tsc or monotonic: using auto\n",
            tt_esc(e, sizeof e, env));
  }
  const char *cs = "/sys/devices/system/clocksource/clocksource0/";
  char path[128];
  snprintf(path, sizeof path, "%scurrent_clocksource", cs);
  if (!force && file_has_word(path, "tsc", 0))
    return 1;
  snprintf(path, sizeof path, "%savailable_clocksource", cs);
  if (!file_has_word(path, "tsc", 0))
    why = "the kernel does not offer the TSC as a clocksource (or marked it unstable)";
  else if (!file_has_word("/proc/cpuinfo", "constant_tsc", 1) ||
           !file_has_word("/proc/cpuinfo", "nonstop_tsc", 1))
    why = "the CPU does not say constant_tsc and nonstop_tsc";
  else if (cross_cpu_check(&why))
    return 1;
  if (force)
    fprintf(stderr, "tasktrace: TASKTRACE_CLOCK=tsc: %s: using clock_gettime\n", why);
  return 0;
#else
  const char *env = getenv("TASKTRACE_CLOCK");
  if (env != NULL && strcmp(env, "tsc") == 0)
    fprintf(stderr, "tasktrace: TASKTRACE_CLOCK=tsc: no TSC on this CPU: using clock_gettime\n");
  return 0;
#endif
}
