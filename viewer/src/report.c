/* The text reports: summary, locks, slow steps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "text.h"
#include "unrecorded.h"

static const char *status_name(const tt_vtask *t) {
  if (t->deadlocked)
    return "deadlock"; /* cancelled at exit only because it could never go on */
  if (!t->exited)
    return "alive";
  switch (t->status) {
  case TT_EXIT_OK: return "ok";
  case TT_EXIT_CANCELLED: return "cancelled";
  default: return "error";
  }
}

/* Tasks by busy time, longest first (ties: order of appearance). */
static const tt_model *sort_model;
static int by_busy(const void *a, const void *b) {
  const tt_vtask *x = tt_model_task(sort_model, *(const size_t *)a);
  const tt_vtask *y = tt_model_task(sort_model, *(const size_t *)b);
  if (x->busy != y->busy)
    return x->busy < y->busy ? 1 : -1;
  return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int by_wait(const void *a, const void *b) {
  const tt_vlock *x = tt_model_lock(sort_model, *(const size_t *)a);
  const tt_vlock *y = tt_model_lock(sort_model, *(const size_t *)b);
  if (x->wait_total != y->wait_total)
    return x->wait_total < y->wait_total ? 1 : -1;
  if (x->contended != y->contended)
    return x->contended < y->contended ? 1 : -1;
  /* Then the ones a run ended stuck on: waited for, or held, at the end. */
  int sx = x->unfinished > 0 || x->holder != 0, sy = y->unfinished > 0 || y->holder != 0;
  if (sx != sy)
    return sx ? -1 : 1;
  return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static size_t *sorted_locks(const tt_model *m) {
  size_t n = tt_model_nlocks(m);
  size_t *ix = malloc((n ? n : 1) * sizeof *ix);
  if (ix == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
    ix[i] = i;
  sort_model = m;
  qsort(ix, n, sizeof *ix, by_wait);
  return ix;
}

static void task_ref(FILE *out, const tt_model *m, uint32_t pid, uint64_t id) {
  const tt_vtask *t = tt_model_find_task(m, pid, id);
  if (id == 0)
    fputs("(loop)", out);
  else if (t != NULL)
    tt__put_name(out, t->name, 0, 40);
  else
    fprintf(out, "task-%llu", (unsigned long long)id);
}

/* n durations in columns of 10, a space between them; '?' for those whose
 * bit is in unknown (their events were not recorded). */
static void put_dur_cols(FILE *out, size_t n, const uint64_t *ns, unsigned unknown) {
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      fputc(' ', out);
    if (unknown & (1u << i))
      fprintf(out, "%10s", "?");
    else
      tt__put_dur(out, ns[i], 10);
  }
}

/* A count column, or '?' when its events were not recorded. */
static void put_count(FILE *out, int width, uint64_t n, bool unknown) {
  if (unknown)
    fprintf(out, "%*s", width, "?");
  else
    fprintf(out, "%*llu", width, (unsigned long long)n);
}

static void lock_header(FILE *out) {
  fprintf(out, "  %-20s %8s %9s %10s %10s %10s %10s %6s  %s\n", "LOCK", "ACQUIRES", "CONTENDED",
          "WAIT TOTAL", "WAIT MAX", "HOLD TOTAL", "HOLD MAX", "QUEUE", "WAITED FOR");
}

static void lock_row(FILE *out, const tt_model *m, const tt_vlock *l, int with_pid) {
  fputs("  ", out);
  tt__put_name(out, l->name, 20, 20);
  /* Every acquire is a lock_acquired now; older traces have them for
   * contended acquires only, and a release for every one: the larger.
   * Unknown only when the recording left out both. */
  bool no_rel = tt__unrec(m, TT_EV_lock_released), no_cont = tt__unrec(m, TT_EV_lock_contended);
  bool no_acq = no_rel && tt__unrec(m, TT_EV_lock_acquired);
  fputc(' ', out);
  put_count(out, 8, l->acquires > l->releases ? l->acquires : l->releases, no_acq);
  fputc(' ', out);
  put_count(out, 9, l->contended, no_cont);
  fputc(' ', out);
  put_dur_cols(out, 4, (const uint64_t[]){l->wait_total, l->wait_max, l->hold_total, l->hold_max},
               (tt__unrec(m, TT_EV_lock_acquired) ? 3u : 0u) | (no_rel ? 12u : 0u));
  fputc(' ', out);
  put_count(out, 6, l->max_waiters, no_cont);
  fputs("  ", out);
  int any = 0;
  for (int i = 0; i < TT_VLOCK_HOLDERS && l->holders[i].count > 0; i++) {
    fputs(any++ ? ", " : "", out);
    task_ref(out, m, l->pid, l->holders[i].task);
    fprintf(out, " x%llu", (unsigned long long)l->holders[i].count);
  }
  if (l->holders_other)
    fprintf(out, ", others x%llu", (unsigned long long)l->holders_other);
  if (!any)
    fputs(no_cont ? "?" : "-", out);
  if (with_pid && tt_model_nprocs(m) > 1)
    fprintf(out, "  [pid %u]", l->pid);
  fputc('\n', out);
  tt__put_lock_notes(out, m, l);
}

static void slow_header(FILE *out) {
  fprintf(out, "  %12s %10s  %-20s %s\n", "AT", "DURATION", "TASK", "SITE");
}

static void slow_row(FILE *out, const tt_model *m, const tt_vslow *s) {
  char b[32];
  fprintf(out, "  %12s ", tt_fmt_duration(s->ts - tt_model_first_ts(m), b, sizeof b));
  tt__put_dur(out, s->duration, 10);
  fputs("  ", out);
  const tt_vtask *t = tt_model_find_task(m, s->pid, s->task);
  if (s->task == 0)
    tt__put_name(out, "(loop callback)", 20, 20);
  else if (t != NULL)
    tt__put_name(out, t->name, 20, 20);
  else
    fprintf(out, "task-%-15llu", (unsigned long long)s->task);
  fputc(' ', out);
  tt__put_name(out, s->site && *s->site ? s->site : "-", 0, 0);
  fputc('\n', out);
}

#define SUMMARY_TASKS 30
#define SUMMARY_LOCKS 5
#define SUMMARY_SLOW 5

/* The first lines: what the trace holds, and a hint when it holds nothing. */
static void summary_totals(const tt_model *m, FILE *out) {
  char b1[32];
  uint64_t span = tt_model_last_ts(m) - tt_model_first_ts(m);
  fprintf(out, "trace: %llu events, %zu process%s, %zu tasks, %zu locks, span %s\n",
          (unsigned long long)tt_model_events(m), tt_model_nprocs(m),
          tt_model_nprocs(m) == 1 ? "" : "es", tt_model_ntasks(m), tt_model_nlocks(m),
          tt_fmt_duration(span, b1, sizeof b1));
  char why[1024];
  if (tt_model_unrecorded(m) != 0 && *tt_unrecorded_describe(tt_model_unrecorded(m), why, sizeof why))
    fprintf(out, "%s\n", why);
  if (tt_model_events(m) == 0)
    fputs("(no tasktrace events: was the program run under `tasktrace record`, or for LTTng\n"
          " with `lttng enable-event -u 'tasktrace:*'` (scripts/lttng-record.sh)?)\n",
          out);
}

/* A process's heading: its totals, loop utilisation, scheduling latency
 * and lost events. */
static void proc_heading(const tt_model *m, size_t pi, FILE *out) {
  char b1[32];
  const tt_vproc *p = tt_model_proc(m, pi);
  fprintf(out, "\nprocess %u: %llu tasks (%llu unfinished at the end), %llu events, span %s\n",
          p->pid, (unsigned long long)p->ntasks, (unsigned long long)p->nlive,
          (unsigned long long)p->events,
          tt_fmt_duration(p->last_ts - p->first_ts, b1, sizeof b1));
  if (p->loop_span_ns > 0) {
    fprintf(out, "  loop: busy %.1f%% (", 100.0 * (double)(p->loop_span_ns - p->poll_ns) /
                                               (double)p->loop_span_ns);
    tt__put_dur(out, p->poll_ns, 0);
    fputs(" idle in poll of ", out);
    tt__put_dur(out, p->loop_span_ns, 0);
    fputs(")\n", out);
  }
  fprintf(out, "  scheduling latency (runnable to running): ");
  if (TT__UNREC_TASK_SPLIT(m))
    fputs("? (task_switch or task_wake not recorded)\n", out);
  else if (tt_model_latency_count(m, pi) == 0)
    fputs("no samples\n", out);
  else {
    fputs("p50 ", out);
    tt__put_dur(out, tt_model_latency(m, pi, 0.5), 0);
    fputs("  p99 ", out);
    tt__put_dur(out, tt_model_latency(m, pi, 0.99), 0);
    fputs("  max ", out);
    tt__put_dur(out, tt_model_latency(m, pi, 1.0), 0);
    fprintf(out, "  (%llu samples)\n", (unsigned long long)tt_model_latency_count(m, pi));
  }
  if (p->lost > 0)
    fprintf(out, "  LOST EVENTS: %llu (in %llu gaps, shown as '?' in the timeline)\n",
            (unsigned long long)p->lost, (unsigned long long)p->lost_records);
  else
    fputs("  lost events: 0\n", out);
}

static void task_row(FILE *out, const tt_model *m, const tt_vtask *t) {
  fprintf(out, "  %6llu ", (unsigned long long)t->id);
  tt__put_name(out, t->name, 20, 20);
  fputc(' ', out);
  bool no_switch = TT__UNREC_TASK_TIMES(m);
  put_dur_cols(out, 3, (const uint64_t[]){t->busy, t->runnable, t->blocked},
               no_switch ? 7u : TT__UNREC_TASK_SPLIT(m) ? 6u : 0u);
  fputc(' ', out);
  put_count(out, 8, t->switches, no_switch);
  fputc(' ', out);
  put_dur_cols(out, 1, &t->longest_step, no_switch);
  fputc(' ', out);
  /* A failed task shows its errno's name (ETIMEDOUT), short and exact. */
  const char *en = t->exited && !t->deadlocked && t->status == TT_EXIT_ERROR && t->result < 0 && t->result > -4096
                       ? strerrorname_np((int)-t->result)
                       : NULL;
  fprintf(out, "%-9s", en ? en : status_name(t));
  fputc(' ', out);
  tt__put_name(out, t->site ? t->site : "-", 0, 0);
  if (t->gap > 0) {
    fputs("  (lost: ", out);
    tt__put_dur(out, t->gap, 0);
    fputc(')', out);
  }
  fputc('\n', out);
}

/* The tasks of process p, busiest first (the first SUMMARY_TASKS); ix has
 * room for every task of the model. */
static void proc_tasks(const tt_model *m, const tt_vproc *p, size_t *ix, FILE *out) {
  size_t n = 0, nt = tt_model_ntasks(m);
  for (size_t i = 0; i < nt; i++)
    if (tt_model_task(m, i)->pid == p->pid)
      ix[n++] = i;
  sort_model = m;
  qsort(ix, n, sizeof *ix, by_busy);
  fprintf(out, "  %6s %-20s %10s %10s %10s %8s %10s %-9s %s\n", "ID", "TASK", "BUSY",
          "RUNNABLE", "BLOCKED", "SWITCHES", "LONGEST", "RESULT", "SPAWNED AT");
  size_t shown = n < SUMMARY_TASKS ? n : SUMMARY_TASKS;
  for (size_t k = 0; k < shown; k++)
    task_row(out, m, tt_model_task(m, ix[k]));
  if (shown < n)
    fprintf(out, "  ... %zu more tasks (busiest shown first)\n", n - shown);
  if (p->slow_steps > 0)
    fprintf(out, "  slow steps: %llu\n", (unsigned long long)p->slow_steps);
  uint64_t timeouts = 0;
  for (size_t k = 0; k < n; k++)
    timeouts += tt_model_task(m, ix[k])->timeouts;
  if (timeouts > 0)
    fprintf(out, "  waits that timed out (ended by their deadline, not woken): %llu\n",
            (unsigned long long)timeouts);
}

/* The most contended locks (the first SUMMARY_LOCKS by wait). */
static int summary_locks(const tt_model *m, FILE *out) {
  size_t nl = tt_model_nlocks(m);
  size_t *lx = sorted_locks(m);
  if (lx == NULL)
    return -ENOMEM;
  size_t ncont = 0;
  for (size_t i = 0; i < nl; i++) {
    const tt_vlock *l = tt_model_lock(m, i);
    ncont += l->contended > 0 || l->holder != 0 || l->unfinished > 0;
  }
  fprintf(out, "\ncontended locks: %zu of %zu", ncont, nl);
  if (ncont > 0) {
    fputs(ncont > SUMMARY_LOCKS ? " (top 5 by wait; 'tasktrace locks' for all)\n" : "\n", out);
    lock_header(out);
    for (size_t i = 0; i < ncont && i < SUMMARY_LOCKS; i++)
      lock_row(out, m, tt_model_lock(m, lx[i]), 1);
  } else {
    fputc('\n', out);
  }
  free(lx);
  return 0;
}

/* The slowest steps (the first SUMMARY_SLOW). */
static void summary_slow(const tt_model *m, FILE *out) {
  uint64_t nslow = 0;
  for (size_t pi = 0; pi < tt_model_nprocs(m); pi++)
    nslow += tt_model_proc(m, pi)->slow_steps;
  fprintf(out, "\nslow steps: %llu", (unsigned long long)nslow);
  if (nslow > 0) {
    fputs(nslow > SUMMARY_SLOW ? " (slowest 5; 'tasktrace slow' for more)\n" : "\n", out);
    slow_header(out);
    for (size_t i = 0; i < tt_model_nslow(m) && i < SUMMARY_SLOW; i++)
      slow_row(out, m, tt_model_slow(m, i));
  } else {
    fputc('\n', out);
  }
}

int tt_render_summary(const tt_model *m, FILE *out) {
  summary_totals(m, out);
  tt__put_deadlocks(out, m);
  size_t nt = tt_model_ntasks(m);
  size_t *ix = malloc((nt ? nt : 1) * sizeof *ix);
  if (ix == NULL)
    return -ENOMEM;
  for (size_t pi = 0; pi < tt_model_nprocs(m); pi++) {
    proc_heading(m, pi, out);
    proc_tasks(m, tt_model_proc(m, pi), ix, out);
  }
  free(ix);
  if (summary_locks(m, out) < 0)
    return -ENOMEM;
  tt__put_objects(out, m);
  summary_slow(m, out);
  tt__render_findings(m, out);
  return ferror(out) ? -EIO : 0;
}

int tt_render_locks(const tt_model *m, FILE *out) {
  size_t nl = tt_model_nlocks(m);
  size_t *lx = sorted_locks(m);
  if (lx == NULL)
    return -ENOMEM;
  fprintf(out, "locks: %zu (most waited-for first)\n", nl);
  tt__put_deadlocks(out, m);
  if (tt_model_ndeadlocks(m) > 0)
    fputc('\n', out);
  if (nl > 0)
    lock_header(out);
  for (size_t i = 0; i < nl; i++)
    lock_row(out, m, tt_model_lock(m, lx[i]), 1);
  free(lx);
  tt__put_objects(out, m);
  return ferror(out) ? -EIO : 0;
}

int tt_render_slow(const tt_model *m, FILE *out, size_t limit) {
  uint64_t nslow = 0;
  for (size_t pi = 0; pi < tt_model_nprocs(m); pi++)
    nslow += tt_model_proc(m, pi)->slow_steps;
  size_t n = tt_model_nslow(m);
  if (limit > 0 && n > limit)
    n = limit;
  fprintf(out, "slow steps: %llu", (unsigned long long)nslow);
  if (n < nslow)
    fprintf(out, " (the %zu slowest)", n);
  fputc('\n', out);
  if (n > 0)
    slow_header(out);
  for (size_t i = 0; i < n; i++)
    slow_row(out, m, tt_model_slow(m, i));
  return ferror(out) ? -EIO : 0;
}
