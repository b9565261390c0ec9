/* Reading a whole source into a model, with a progress line on stderr when
 * stderr is a terminal (never in pipes, logs or tests). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "source.h"
#include "tt_base.h"

static double now_s(void) { return (double)tt_now_ns() / 1e9; }

static void show(const tt_source *src, const char *label, uint64_t n, double t0) {
  uint64_t done, total;
  tt_source_progress(src, &done, &total);
  double dt = now_s() - t0;
  if (total > 0)
    fprintf(stderr, "\r\033[K%s: %.0f%%, %.1fM events (%.1fM/s)", label,
            100.0 * (double)done / (double)total, (double)n / 1e6, (double)n / 1e6 / dt);
  else
    fprintf(stderr, "\r\033[K%s: %.1fM events (%.1fM/s)", label, (double)n / 1e6,
            (double)n / 1e6 / dt);
}

int tt_model_load(tt_model *m, tt_source *src, const char *label, char *err, size_t errlen) {
  const int tty = isatty(STDERR_FILENO);
  double t0 = tty ? now_s() : 0, next = t0 + 0.5;
  int shown = 0, r, said = 0;
  uint64_t n = 0;
  tt_trace_event ev;
  char why[512] = "";
  while ((r = tt_source_next(src, &ev, why, sizeof why)) > 0) {
    int ar = tt_model_add(m, &ev, why, sizeof why);
    if (ar == -E2BIG) {
      r = ar;
      tt__errf(err, errlen, r, "%s: %s (use --max-tasks to raise the limit)", label, why);
      said = 1;
      break;
    }
    if (ar < 0) {
      r = -ENOMEM;
      tt__errf(err, errlen, r, "%s: out of memory after %llu events", label,
               (unsigned long long)n);
      said = 1;
      break;
    }
    n++;
    /* Look at the clock only every 64k events: it is not free. */
    if (tty && (n & 0xffff) == 0 && now_s() >= next) {
      show(src, label, n, t0);
      shown = 1;
      next = now_s() + 0.5;
    }
  }
  if (shown)
    fprintf(stderr, "\r\033[K");
  if (r < 0 && !said) /* the source's own reason */
    tt__errf(err, errlen, r, "%s", why);
  tt_model_set_unrecorded(m, tt_source_unrecorded(src));
  tt_model_finish(m);
  return r < 0 ? r : 0;
}
