/* Chrome trace event JSON, as Perfetto's UI and chrome://tracing open it:
 * one track (tid) per task, complete slices for running / runnable /
 * blocked, flow arrows for wake-ups and lock hand-offs, process and task
 * names as metadata. Streamed: nothing is kept per event.
 * https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tasktrace/viewer.h"
#include "tt_base.h"

/* Loop lanes get their own tids, clear of task ids (pid_max <= 2^22). */
#define LOOP_TID_BASE 1000000000u

struct tt_perfetto {
  FILE *out;
  uint64_t *loops; /* (pid << 32 | tid) of each loop lane seen, for names */
  size_t nloops, cloops;
  uint64_t base; /* ts 0 of the JSON */
  int based;
  uint64_t nflow;
  int first;
};

/* Timestamps in microseconds with ns precision, relative to base. */
static void put_us(tt_perfetto *p, const char *key, uint64_t ts) {
  int64_t d = (int64_t)(ts - p->base);
  fprintf(p->out, ",\"%s\":%s%" PRId64 ".%03d", key, d < 0 ? "-" : "",
          (d < 0 ? -d : d) / 1000, (int)((d < 0 ? -d : d) % 1000));
}

static void open_event(tt_perfetto *p, const tt_model *m, const char *ph, uint32_t pid,
                       uint64_t tid) {
  if (!p->based) {
    p->base = tt_model_first_ts(m);
    p->based = 1;
  }
  fprintf(p->out, "%s\n{\"ph\":\"%s\",\"pid\":%u,\"tid\":%" PRIu64, p->first ? "" : ",", ph, pid,
          tid);
  p->first = 0;
}

static void put_object(FILE *out, const tt_model *m, uint32_t pid, uint64_t obj) {
  unsigned kind;
  const char *n = tt_model_object_name(m, pid, obj, &kind);
  if (n != NULL) {
    fprintf(out, "%s ", tt_kind_name(kind));
    tt_json_escape(out, n);
  } else {
    fprintf(out, "#%" PRIu64, obj);
  }
}

static void on_interval(void *arg, const tt_model *m, const tt_interval *iv) {
  tt_perfetto *p = arg;
  FILE *o = p->out;
  if (iv->tid != 0) {
    /* A loop lane: remember it to name it at the end (loops are few). */
    uint64_t key = (uint64_t)iv->pid << 32 | iv->tid;
    size_t i = 0;
    while (i < p->nloops && p->loops[i] != key)
      i++;
    if (i == p->nloops) {
      if (tt_grow(&p->loops, &p->cloops, p->nloops + 1, sizeof *p->loops, 4) == 0)
        p->loops[p->nloops++] = key;
    }
  }
  open_event(p, m, "X", iv->pid, iv->tid ? LOOP_TID_BASE + iv->tid : iv->task);
  put_us(p, "ts", iv->begin);
  put_us(p, "dur", iv->end + p->base - iv->begin);
  if (iv->state == TT_VS_BLOCKED) {
    /* Name and colour from the schema's list of reasons (TT_STATES). */
    fprintf(o, ",\"cat\":\"blocked\",\"name\":\"%s\",\"cname\":\"%s\",\"args\":{\"on\":\"",
            tt_state_name(iv->why), tt_state_cname(iv->why));
    if (iv->object != 0 || tt_state_on(iv->why) == TT_KIND_task)
      put_object(o, m, iv->pid, iv->object);
    fputs("\"}}", o);
  } else {
    const char *name = iv->tid && iv->state == TT_VS_RUNNING ? "busy" : tt_vstate_name(iv->state);
    fprintf(o, ",\"cat\":\"%s\",\"name\":\"%s\"}", name, name);
  }
}

static void on_flow(void *arg, const tt_model *m, const tt_flow *f) {
  tt_perfetto *p = arg;
  FILE *o = p->out;
  const char *name = f->handoff ? "lock hand-off" : "wake";
  uint64_t id = ++p->nflow;
  open_event(p, m, "s", f->pid, f->from);
  put_us(p, "ts", f->ts);
  fprintf(o, ",\"id\":%" PRIu64 ",\"cat\":\"%s\",\"name\":\"%s\"}", id, name, name);
  open_event(p, m, "f", f->pid, f->to);
  put_us(p, "ts", f->ts);
  fprintf(o, ",\"bp\":\"e\",\"id\":%" PRIu64 ",\"cat\":\"%s\",\"name\":\"%s\"}", id, name, name);
}

/* A race or a lock-order inversion: an instant on the reporting task's
 * track, the report in its args. */
static void perfetto_finding(tt_perfetto *p, const tt_model *m, const tt_trace_event *ev) {
  FILE *o = p->out;
  open_event(p, m, "i", ev->pid, ev->u[0]);
  put_us(p, "ts", ev->ts);
  fprintf(o, ",\"s\":\"t\",\"cat\":\"%s\",\"name\":\"%s\",\"args\":{\"other\":%" PRIu64
             ",\"what\":\"",
          ev->type == TT_EV_race ? "race" : "lock", ev->type == TT_EV_race ? "race" : "lock-order inversion",
          ev->u[1]);
  tt_json_escape(o, ev->s[3] ? ev->s[3] : "");
  fputs("\"}}", o);
}

static void on_instant(void *arg, const tt_model *m, const tt_trace_event *ev) {
  tt_perfetto *p = arg;
  FILE *o = p->out;
  switch (ev->type) {
  case TT_EV_mark:
    open_event(p, m, "i", ev->pid, ev->u[0]);
    put_us(p, "ts", ev->ts);
    fputs(",\"s\":\"t\",\"cat\":\"mark\",\"name\":\"", o);
    tt_json_escape(o, ev->s[1]);
    fputs("\"}", o);
    break;
  case TT_EV_region_begin:
  case TT_EV_region_end:
    open_event(p, m, ev->type == TT_EV_region_begin ? "b" : "e", ev->pid, ev->u[0]);
    put_us(p, "ts", ev->ts);
    fprintf(o, ",\"cat\":\"region\",\"id\":\"%" PRIu64 "\",\"name\":\"", ev->u[0]);
    tt_json_escape(o, ev->s[1]);
    fputs("\"}", o);
    break;
  case TT_EV_slow_step:
    open_event(p, m, "i", ev->pid, ev->u[0]);
    put_us(p, "ts", ev->ts);
    fprintf(o, ",\"s\":\"t\",\"cat\":\"slow\",\"name\":\"slow step\",\"args\":{\"duration_ns\":%" PRIu64
               ",\"site\":\"",
            ev->u[1]);
    tt_json_escape(o, ev->s[2]);
    fputs("\"}}", o);
    break;
  case TT_EV_lock_contended:
    open_event(p, m, "i", ev->pid, ev->u[1]);
    put_us(p, "ts", ev->ts);
    fputs(",\"s\":\"t\",\"cat\":\"lock\",\"name\":\"contended\",\"args\":{\"lock\":\"", o);
    put_object(o, m, ev->pid, ev->u[0]);
    fputs("\",\"holder\":\"", o);
    put_object(o, m, ev->pid, ev->u[2]);
    fputs("\"}}", o);
    break;
  case TT_EV_wait_timeout:
    open_event(p, m, "i", ev->pid, ev->u[0]);
    put_us(p, "ts", ev->ts);
    fprintf(o, ",\"s\":\"t\",\"cat\":\"wait\",\"name\":\"timed out\",\"args\":{\"%s\":\"",
            tt_state_name((unsigned)ev->u[2]));
    put_object(o, m, ev->pid, ev->u[1]);
    fputs("\"}}", o);
    break;
  case TT_EV_deadlock:
    open_event(p, m, "i", ev->pid, ev->u[0]);
    put_us(p, "ts", ev->ts);
    fprintf(o, ",\"s\":\"%s\",\"cat\":\"deadlock\",\"name\":\"deadlock\",\"args\":{\"tasks\":%" PRIu64
               ",\"call\":\"",
            ev->u[0] ? "t" : "p", ev->u[1]);
    tt_json_escape(o, ev->s[2]);
    fputs("\"}}", o);
    break;
  case TT_EV_race:
  case TT_EV_lock_inversion:
    perfetto_finding(p, m, ev);
    break;
  case TT_EV_lost:
    open_event(p, m, "i", ev->pid, 0);
    put_us(p, "ts", ev->ts);
    fprintf(o, ",\"s\":\"p\",\"cat\":\"lost\",\"name\":\"%" PRIu64 " events lost\"}", ev->u[0]);
    break;
  }
}

int tt_perfetto_begin(FILE *out, tt_perfetto **pp) {
  tt_perfetto *p = calloc(1, sizeof *p);
  if (p == NULL)
    return -ENOMEM;
  p->out = out;
  p->first = 1;
  fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
  *pp = p;
  return 0;
}

void tt_perfetto_hooks(tt_perfetto *p, tt_model_hooks *hooks) {
  memset(hooks, 0, sizeof *hooks);
  hooks->arg = p;
  hooks->interval = on_interval;
  hooks->flow = on_flow;
  hooks->instant = on_instant;
}

static void meta(tt_perfetto *p, const tt_model *m, const char *what, uint32_t pid, uint64_t tid) {
  open_event(p, m, "M", pid, tid);
  fprintf(p->out, ",\"name\":\"%s\",\"args\":{", what);
}

int tt_perfetto_end(tt_perfetto *p, const tt_model *m) {
  FILE *o = p->out;
  for (size_t i = 0; i < tt_model_nprocs(m); i++) {
    const tt_vproc *pr = tt_model_proc(m, i);
    meta(p, m, "process_name", pr->pid, 0);
    fprintf(o, "\"name\":\"process %u\"}}", pr->pid);
  }
  for (size_t i = 0; i < tt_model_ntasks(m); i++) {
    const tt_vtask *t = tt_model_task(m, i);
    meta(p, m, "thread_name", t->pid, t->id);
    fputs("\"name\":\"", o);
    tt_json_escape(o, t->name);
    fprintf(o, " #%" PRIu64 "\"}}", t->id);
    meta(p, m, "thread_sort_index", t->pid, t->id);
    fprintf(o, "\"sort_index\":%zu}}", i + 1);
  }
  for (size_t i = 0; i < p->nloops; i++) {
    uint32_t pid = (uint32_t)(p->loops[i] >> 32), tid = (uint32_t)p->loops[i];
    meta(p, m, "thread_name", pid, LOOP_TID_BASE + tid);
    fprintf(o, "\"name\":\"loop (tid %u)\"}}", tid);
    meta(p, m, "thread_sort_index", pid, LOOP_TID_BASE + tid);
    fputs("\"sort_index\":0}}", o);
  }
  fputs("\n]}\n", o);
  tt_perfetto_free(p);
  return ferror(o) ? -EIO : 0;
}

void tt_perfetto_free(tt_perfetto *p) {
  if (p == NULL)
    return;
  free(p->loops);
  free(p);
}
