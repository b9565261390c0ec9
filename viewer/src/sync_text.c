/* The text views' words for deadlocks and for the sync objects that are
 * not locks (events, semaphores, conditions, queues): shared by summary,
 * locks and timeline, so each says the same thing the same way. */
#include <inttypes.h>
#include <stdbool.h>

#include "text.h"
#include "unrecorded.h"

/* "semaphore", not the schema's short "sem": these are for people. */
const char *tt__kind_word(unsigned kind) {
  switch (kind) {
  case TT_KIND_sem: return "semaphore";
  case TT_KIND_cond: return "condition";
  default: return tt_kind_name(kind) ? tt_kind_name(kind) : "object";
  }
}

/* "lock 'acct-a'", "task 'bob'", "object #12" when the trace never named it. */
static void put_object(FILE *out, const tt_model *m, uint32_t pid, uint64_t id) {
  unsigned kind = 0;
  const char *n = tt_model_object_name(m, pid, id, &kind);
  if (n == NULL) {
    fprintf(out, "object #%" PRIu64, id);
    return;
  }
  fprintf(out, "%s '", tt__kind_word(kind));
  tt__put_name(out, n, 0, 40);
  fputc('\'', out);
}

static void put_task(FILE *out, const tt_model *m, uint32_t pid, uint64_t id) {
  const tt_vtask *t = tt_model_find_task(m, pid, id);
  fputc('\'', out);
  if (t != NULL)
    tt__put_name(out, t->name, 0, 40);
  else
    fprintf(out, "task-%" PRIu64, id);
  fputc('\'', out);
}

static void put_deadlock(FILE *out, const tt_model *m, const tt_vdeadlock *d) {
  char b[32];
  fprintf(out, "DEADLOCK at %s: ", tt_fmt_duration(d->ts - tt_model_first_ts(m), b, sizeof b));
  if (d->task != 0) {
    fprintf(out, "%s in task ", d->call);
    put_task(out, m, d->pid, d->task);
    fprintf(out, " would close a cycle of %" PRIu64 " task(s) waiting for each other "
                 "(refused with -EDEADLK):\n",
            d->tasks);
  } else {
    fprintf(out, "%" PRIu64 " task(s) blocked, none can run and nothing is pending:\n", d->tasks);
  }
  for (size_t i = 0; i < d->nedges; i++) {
    fputs("  ", out);
    put_task(out, m, d->pid, d->edges[i].task);
    /* The call that found the cycle was refused: it never waited. */
    bool refused = d->task != 0 && i == 0 && d->edges[i].task == d->task;
    fputs(refused ? " would wait" : " waits", out);
    if (d->edges[i].site[0] != 0) {
      fputs(" at ", out);
      tt__put_name(out, d->edges[i].site, 0, 0);
    }
    fputs(" for ", out);
    put_object(out, m, d->pid, d->edges[i].object);
    unsigned kind = 0;
    tt_model_object_name(m, d->pid, d->edges[i].object, &kind);
    if (d->edges[i].holder != 0 && kind != TT_KIND_task) {
      fputs(", held by ", out);
      put_task(out, m, d->pid, d->edges[i].holder);
    } else if (d->edges[i].holder == 0 && kind != TT_KIND_task) {
      fputs(", which no task can signal", out);
    }
    fputs(refused ? " (refused)\n" : " (never ended)\n", out);
  }
}

void tt__put_deadlocks(FILE *out, const tt_model *m) {
  size_t n = tt_model_ndeadlocks(m);
  for (size_t i = 0; i < n; i++) {
    fputc('\n', out);
    put_deadlock(out, m, tt_model_deadlock(m, i));
  }
}

void tt__put_lock_notes(FILE *out, const tt_model *m, const tt_vlock *l) {
  char b[32];
  /* Without releases (a log-level filter) every lock would look held. */
  if (l->holder != 0 && !tt__unrec(m, TT_EV_lock_released)) {
    fputs("      still held at the end by ", out);
    put_task(out, m, l->pid, l->holder);
    fprintf(out, " (taken at %s, never released)\n",
            tt_fmt_duration(l->held_since - tt_model_first_ts(m), b, sizeof b));
  }
  if (l->unfinished > 0 && !tt__unrec(m, TT_EV_lock_acquired))
    fprintf(out, "      %" PRIu64 " wait(s) unfinished at the end (still waiting after %s)%s\n",
            l->unfinished, tt_fmt_duration(l->unfinished_max, b, sizeof b),
            l->deadlocked ? ": deadlock" : "");
  if (l->timeouts > 0)
    fprintf(out, "      %" PRIu64 " wait(s) timed out\n", l->timeouts);
}

static void obj_header(FILE *out) {
  fprintf(out, "  %-20s %-9s %7s %6s %6s %6s %10s %10s %9s %10s  %s\n", "OBJECT", "KIND", "SIGNALS",
          "TAKES", "WOKEN", "WAITS", "WAIT TOTAL", "WAIT MAX", "TIMED OUT", "UNFINISHED", "NOTE");
}

static void obj_row(FILE *out, const tt_model *m, const tt_vobj *o) {
  const char *n = tt_model_object_name(m, o->pid, o->id, NULL);
  char id[32];
  snprintf(id, sizeof id, "#%" PRIu64, o->id);
  fputs("  ", out);
  tt__put_name(out, n ? n : id, 20, 20);
  fprintf(out, " %-9s %7" PRIu64 " %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " ", tt__kind_word(o->kind),
          o->signals, o->takes, o->woken, o->waits);
  tt__put_dur(out, o->wait_total, 10);
  fputc(' ', out);
  tt__put_dur(out, o->wait_max, 10);
  fprintf(out, " %9" PRIu64 " %10" PRIu64 "  ", o->timeouts, o->unfinished);
  int any = 0;
  if (o->missed > 0)
    any = fprintf(out, "missed signal x%" PRIu64 " (set, then cleared before a waiter saw it)",
                  o->missed);
  if (o->unfinished > 0) {
    char b[32];
    any = fprintf(out, "%sstill waiting after %s%s", any ? "; " : "",
                  tt_fmt_duration(o->unfinished_max, b, sizeof b),
                  o->deadlocked ? " (deadlock)" : "");
  }
  if (!any)
    fputc('-', out);
  fputc('\n', out);
}

void tt__put_objects(FILE *out, const tt_model *m) {
  size_t n = tt_model_nobjs(m), by[TT_KIND_MAX] = {0};
  if (n == 0)
    return;
  for (size_t i = 0; i < n; i++)
    by[tt_model_obj(m, i)->kind < TT_KIND_MAX ? tt_model_obj(m, i)->kind : 0]++;
  fprintf(out, "\nother sync objects: %zu (", n);
  const char *sep = "";
  for (unsigned k = 0; k < TT_KIND_MAX; k++)
    if (by[k] > 0) {
      fprintf(out, "%s%s: %zu", sep, tt__kind_word(k), by[k]);
      sep = ", ";
    }
  fputs(")\n", out);
  obj_header(out);
  for (size_t i = 0; i < n; i++)
    obj_row(out, m, tt_model_obj(m, i));
  fputs("  signals: event sets, semaphore releases, condition notifies, queue puts;\n"
        "  takes: event clears, semaphore acquires, queue gets\n",
        out);
}
