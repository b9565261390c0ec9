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
  if (t != NULL)
    fprintf(out, "'%s' (id %llu)", t->name, (unsigned long long)id);
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
    fprintf(out, ": %s\n", x->what);
  }
}

void tt__render_findings(const tt_model *m, FILE *out) {
  section(m, out, TT_EV_race, "races");
  section(m, out, TT_EV_lock_inversion, "lock-order inversions");
}
