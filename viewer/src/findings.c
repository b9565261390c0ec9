/* Findings: the race detector's races and debug mode's lock-order
 * inversions (race, lock_inversion events), kept by the model in trace
 * order and listed by `tasktrace summary`. Each is a report the program
 * already printed on stderr; the trace keeps it next to what the tasks
 * were doing then. */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "text.h"

int tt__findings_add(tt__findings *f, const tt_trace_event *ev) {
  f->count[ev->type == TT_EV_race ? 0 : 1]++;
  if (f->n == TT_MODEL_FINDINGS_KEEP)
    return 0; /* counted, not kept: the first ones are the ones to read */
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 16;
    tt_vfinding *a = realloc(f->v, cap * sizeof *a);
    if (a == NULL)
      return -1;
    f->v = a;
    f->cap = cap;
  }
  const char *what = ev->s[3] ? ev->s[3] : "";
  char *w = strdup(what);
  if (w == NULL)
    return -1;
  f->v[f->n++] = (tt_vfinding){.pid = ev->pid, .type = ev->type, .ts = ev->ts,
                               .task = ev->u[0], .other = ev->u[1], .arg = ev->u[2],
                               .what = w};
  return 0;
}

void tt__findings_free(tt__findings *f) {
  for (size_t i = 0; i < f->n; i++)
    free(f->v[i].what);
  free(f->v);
}

static void task_name(FILE *out, const tt_model *m, uint32_t pid, uint64_t id) {
  const tt_vtask *t = id ? tt_model_find_task(m, pid, id) : NULL;
  if (t != NULL) { /* names from a trace: through tt_escape, as every text view */
    fputc('\'', out);
    tt__put_name(out, t->name, 0, 0);
    fprintf(out, "' (id %llu)", (unsigned long long)id);
  }
  else if (id != 0)
    fprintf(out, "task id %llu", (unsigned long long)id);
  else
    fputs("?", out);
}

static void section(const tt_model *m, FILE *out, unsigned type, const char *title) {
  const tt__findings *f = tt__model_findings(m);
  uint64_t n = f->count[type == TT_EV_race ? 0 : 1];
  if (n == 0)
    return;
  fprintf(out, "\n%s: %llu\n", title, (unsigned long long)n);
  for (size_t i = 0; i < f->n; i++) {
    const tt_vfinding *x = &f->v[i];
    if (x->type != type)
      continue;
    char b[32];
    fprintf(out, "  %12s  ", tt_fmt_duration(x->ts - tt_model_first_ts(m), b, sizeof b));
    task_name(out, m, x->pid, x->task);
    fputs(type == TT_EV_race ? " raced with " : " inverts the order of ", out);
    task_name(out, m, x->pid, x->other);
    fputs(": ", out);
    tt__put_name(out, x->what, 0, 0);
    fputc('\n', out);
  }
}

/* ---- The terminal timeline's rows (timeline.c) ---- */

/* "race 'balance'" from "stale check on 'balance' (observed): ...";
 * "lock order 'L1'" from "'L1' at ...". */
static void row_label(const tt_vfinding *x, char *buf, size_t cap) {
  const char *q = strchr(x->what, '\'');
  const char *e = q ? strchr(q + 1, '\'') : NULL;
  int n = e ? (int)(e - q - 1) : 0;
  snprintf(buf, cap, "  ^ %s '%.*s'", x->type == TT_EV_race ? "race" : "lock order", n,
           q ? q + 1 : "");
}

static unsigned column(uint64_t ts, uint64_t from, uint64_t to, unsigned width) {
  unsigned c = (unsigned)((double)(ts - from) * width / (double)(to - from));
  return c >= width ? width - 1 : c;
}

int tt__timeline_findings(FILE *out, const tt_model *m, uint32_t pid, uint64_t task,
                          uint64_t from, uint64_t to, unsigned width, int label) {
  const tt__findings *f = tt__model_findings(m);
  int rows = 0;
  for (size_t i = 0; i < f->n && to > from && width > 0; i++) {
    const tt_vfinding *x = &f->v[i];
    if (x->pid != pid || (x->task != task && x->other != task) || x->ts < from || x->ts >= to)
      continue;
    char lab[64];
    row_label(x, lab, sizeof lab);
    tt__put_name(out, lab, label, label);
    unsigned end = column(x->ts, from, to, width), start = end;
    /* The window, on the lane of the task whose read it is. */
    if (x->type == TT_EV_race && x->task == task && x->arg != 0 && x->arg <= x->ts)
      start = column(x->arg < from ? from : x->arg, from, to, width);
    fputc('|', out);
    for (unsigned c = 0; c < width; c++)
      fputc(c == end ? '!' : c >= start && c < end ? '=' : ' ', out);
    fputs("|\n", out);
    rows++;
  }
  return rows;
}

void tt__render_findings(const tt_model *m, FILE *out) {
  section(m, out, TT_EV_race, "races");
  section(m, out, TT_EV_lock_inversion, "lock-order inversions");
}
