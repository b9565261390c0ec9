/* The self-contained HTML timeline: one file, no network. The intervals
 * are streamed into a JSON array inside a <script type="application/json">
 * as they close (six numbers a record), the lane names and object names
 * follow in a second block once the whole trace is read, and page.js
 * (embedded at build time) draws them on a canvas. Every string from the
 * trace goes through tt_json_escape, which also escapes '<' so that
 * nothing can close the <script> element. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "tasktrace/viewer.h"
#include "text.h"
#include "vmap.h"

extern const unsigned char tt__asset_css[], tt__asset_js[];
extern const size_t tt__asset_css_len, tt__asset_js_len;

typedef struct hlane {
  uint32_t pid, tid; /* tid != 0: a loop lane */
  uint64_t task;
} hlane;

typedef struct hobj {
  uint32_t pid;
  uint64_t id;
} hobj;

struct tt_html {
  FILE *out;
  uint64_t base;
  int based, first;
  hlane *lanes;
  size_t nlanes, clanes;
  hobj *objs;
  size_t nobjs, cobjs;
  tt__vmap lane_map, obj_map;
  uint64_t intervals;
  int err;
};

/* Lane index of a task (tid == 0) or a loop thread; -1 when out of memory. */
static long lane_of(tt_html *h, uint32_t pid, uint32_t tid, uint64_t task) {
  uint64_t key = tid ? ((uint64_t)1 << 63) | tid : task;
  uint32_t i = tt__vmap_get(&h->lane_map, pid, key);
  if (i != UINT32_MAX)
    return i;
  if (tt__grow(&h->lanes, &h->clanes, h->nlanes + 1, sizeof *h->lanes, 64) < 0 ||
      tt__vmap_put(&h->lane_map, pid, key, (uint32_t)h->nlanes) < 0) {
    h->err = -ENOMEM;
    return -1;
  }
  h->lanes[h->nlanes] = (hlane){pid, tid, task};
  return (long)h->nlanes++;
}

/* 1-based index of an object, 0 for none. */
static uint64_t obj_of(tt_html *h, uint32_t pid, uint64_t id) {
  if (id == 0)
    return 0;
  uint32_t i = tt__vmap_get(&h->obj_map, pid, id);
  if (i != UINT32_MAX)
    return i + 1;
  if (tt__grow(&h->objs, &h->cobjs, h->nobjs + 1, sizeof *h->objs, 64) < 0 ||
      tt__vmap_put(&h->obj_map, pid, id, (uint32_t)h->nobjs) < 0) {
    h->err = -ENOMEM;
    return 0;
  }
  h->objs[h->nobjs] = (hobj){pid, id};
  return ++h->nobjs;
}

static void rec_start(tt_html *h, const tt_model *m, int kind) {
  if (!h->based) {
    h->base = tt_model_first_ts(m);
    h->based = 1;
  }
  fprintf(h->out, "%s%d", h->first ? "" : ",\n", kind);
  h->first = 0;
}

static int64_t rel(const tt_html *h, uint64_t ts) { return (int64_t)(ts - h->base); }

/* An interval's state and reason share one number: the state in the low 4
 * bits, the reason above (page.js: s & 15, s >> 4); the page's table of
 * reasons (tt-meta "states") has one entry per value that fits. */
_Static_assert(TT_VS_MAX <= 16, "tt_vstate must fit the 4 bits html.c packs it in");
_Static_assert(TT_STATE_MAX <= 16, "the wait reasons must fit html.c's packing and state table");

static void on_interval(void *arg, const tt_model *m, const tt_interval *iv) {
  tt_html *h = arg;
  long lane = lane_of(h, iv->pid, iv->tid, iv->task);
  if (lane < 0)
    return;
  uint64_t obj = iv->state == TT_VS_BLOCKED ? obj_of(h, iv->pid, iv->object) : 0;
  rec_start(h, m, 0);
  fprintf(h->out, ",%ld,%" PRId64 ",%" PRIu64 ",%u,%" PRIu64, lane, rel(h, iv->begin),
          iv->end - iv->begin, (unsigned)iv->state | (unsigned)iv->why << 4, obj);
  h->intervals++;
}

static void on_flow(void *arg, const tt_model *m, const tt_flow *f) {
  tt_html *h = arg;
  long from = lane_of(h, f->pid, 0, f->from), to = lane_of(h, f->pid, 0, f->to);
  if (from < 0 || to < 0)
    return;
  uint64_t obj = obj_of(h, f->pid, f->object);
  rec_start(h, m, 1);
  fprintf(h->out, ",%ld,%ld,%" PRId64 ",%d,%" PRIu64, from, to, rel(h, f->ts), f->handoff ? 1 : 0,
          obj);
}

static void put_mark(tt_html *h, const tt_model *m, long lane, uint64_t ts, unsigned type,
                     const char *text, uint64_t num) {
  if (lane < -1 || h->err)
    return;
  rec_start(h, m, 2);
  fprintf(h->out, ",%ld,%" PRId64 ",%u,\"", lane, rel(h, ts), type);
  tt_json_escape(h->out, text);
  fprintf(h->out, "\",%" PRIu64, num);
}

/* A race or a lock-order inversion: a mark on the reporting task's lane
 * and one on the other task's. A race's mark carries where its window
 * began (the step of the read, relative to the page's start, plus one: 0
 * is "unknown"), which page.js draws as a span to the report. */
static void finding_marks(tt_html *h, const tt_model *m, const tt_trace_event *ev) {
  const char *what = ev->s[3] ? ev->s[3] : "";
  uint64_t from = 0;
  if (!h->based) {
    h->base = tt_model_first_ts(m);
    h->based = 1;
  }
  if (ev->type == TT_EV_race && ev->u[2] >= h->base && ev->u[2] <= ev->ts)
    from = ev->u[2] - h->base + 1;
  put_mark(h, m, lane_of(h, ev->pid, 0, ev->u[0]), ev->ts, ev->type, what, from);
  if (ev->u[1] != 0 && ev->u[1] != ev->u[0])
    put_mark(h, m, lane_of(h, ev->pid, 0, ev->u[1]), ev->ts, ev->type, what, 0);
}

static void on_instant(void *arg, const tt_model *m, const tt_trace_event *ev) {
  tt_html *h = arg;
  long lane = -1;
  const char *text = "";
  uint64_t num = 0;
  char buf[128];
  switch (ev->type) {
  case TT_EV_mark:
  case TT_EV_region_begin:
  case TT_EV_region_end:
    lane = lane_of(h, ev->pid, 0, ev->u[0]);
    text = ev->s[1];
    break;
  case TT_EV_slow_step:
    if (ev->u[0] == 0)
      return; /* a plain callback: no lane to put it on */
    lane = lane_of(h, ev->pid, 0, ev->u[0]);
    text = ev->s[2];
    num = ev->u[1];
    break;
  case TT_EV_lock_contended: {
    lane = lane_of(h, ev->pid, 0, ev->u[1]);
    const char *n = tt_model_object_name(m, ev->pid, ev->u[0], NULL);
    text = n ? n : "";
    break;
  }
  case TT_EV_wait_timeout: {
    lane = lane_of(h, ev->pid, 0, ev->u[0]);
    snprintf(buf, sizeof buf, "timed out: %s", tt_state_word((unsigned)ev->u[2]));
    text = buf;
    num = obj_of(h, ev->pid, ev->u[1]); /* page.js: the object's name */
    break;
  }
  case TT_EV_deadlock:
    lane = ev->u[0] ? lane_of(h, ev->pid, 0, ev->u[0]) : -1;
    snprintf(buf, sizeof buf, "deadlock of %" PRIu64 " task(s), found by %.32s", ev->u[1],
             ev->s[2] ? ev->s[2] : "?");
    text = buf;
    num = ev->u[1];
    break;
  case TT_EV_lost:
    snprintf(buf, sizeof buf, "%" PRIu64 " events lost", ev->u[0]);
    text = buf;
    num = ev->u[0];
    break;
  case TT_EV_race:
  case TT_EV_lock_inversion:
    finding_marks(h, m, ev);
    return;
  default:
    return;
  }
  if (lane < -1 || h->err)
    return;
  rec_start(h, m, 2);
  fprintf(h->out, ",%ld,%" PRId64 ",%u,\"", lane, rel(h, ev->ts), ev->type);
  tt_json_escape(h->out, text);
  fprintf(h->out, "\",%" PRIu64, num);
}

static void legend_item(FILE *out, const char *colour, const char *what) {
  fprintf(out, "<span><i style=\"background:%s\"></i>%s</span>", colour, what);
}

/* The legend: the task states, then every wait reason a task parks for
 * (TT_STATES, with the colours page.js draws from the same table). */
static void put_legend(FILE *out) {
  legend_item(out, "#2ca02c", "running");
  legend_item(out, "#f2c12e", "runnable");
  fputs("<span>blocked:</span>", out);
  for (unsigned s = 0; s < TT_STATE_MAX; s++)
    if (tt_state_letter(s) != 0) {
      char what[32];
      snprintf(what, sizeof what, "%s", tt_state_name(s));
      for (char *q = what; *q; q++)
        *q = *q == '_' ? ' ' : *q;
      legend_item(out, tt_state_colour(s), what);
    }
  legend_item(out, TT_STATE_COLOUR_OTHER, "other");
  legend_item(out, "#b000b0", "events lost");
  legend_item(out, "#e4e4e4", "loop idle");
  fputs("<span>red arrows: lock hand-offs; drag to pan, wheel to zoom</span></span>\n", out);
}

int tt_html_begin(FILE *out, const char *title, tt_html **hp) {
  tt_html *h = calloc(1, sizeof *h);
  if (h == NULL)
    return -ENOMEM;
  h->out = out;
  h->first = 1;
  tt__vmap_init(&h->lane_map);
  tt__vmap_init(&h->obj_map);
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width\">\n<title>tasktrace: ",
        out);
  tt_html_escape(out, title);
  fputs("</title>\n<style>\n", out);
  fwrite(tt__asset_css, 1, tt__asset_css_len, out);
  fputs("</style></head><body>\n<div id=\"bar\"><h1>", out);
  tt_html_escape(out, title);
  fputs("</h1><button id=\"zin\" title=\"zoom in (+, wheel)\">+</button>"
        "<button id=\"zout\" title=\"zoom out (-, wheel)\">&minus;</button>"
        "<button id=\"fit\" title=\"whole trace (0)\">fit</button>"
        "<label><input type=\"checkbox\" id=\"wakes\"> wake-ups</label>\n"
        "<span id=\"legend\">",
        out);
  put_legend(out);
  fputs("<span id=\"status\">loading&hellip;</span></div>\n"
        "<div id=\"wrap\"><canvas id=\"tl\"></canvas></div><div id=\"tip\"></div>\n"
        "<ul id=\"lanes\"></ul>\n"
        "<script type=\"application/json\" id=\"tt-data\">[",
        out);
  *hp = h;
  return 0;
}

void tt_html_hooks(tt_html *h, tt_model_hooks *hooks) {
  memset(hooks, 0, sizeof *hooks);
  hooks->arg = h;
  hooks->interval = on_interval;
  hooks->flow = on_flow;
  hooks->instant = on_instant;
}

static void jstr(FILE *o, const char *key, const char *s) {
  fprintf(o, ",\"%s\":\"", key);
  tt_json_escape(o, s ? s : "");
  fputc('"', o);
}

/* The wait reasons as data, indexed by value: the page takes names and
 * colours from here (TT_STATES), never from a list of its own. */
static void put_states(FILE *o) {
  for (unsigned i = 0; i < TT_STATE_MAX; i++)
    fprintf(o, "%s\n{\"name\":\"%s\",\"colour\":\"%s\",\"letter\":\"%c\"}", i ? "," : "",
            tt_state_name(i), tt_state_colour(i), tt_state_letter(i) ? tt_state_letter(i) : ' ');
}

/* The events by id: name, flags (TT_EVF_*) and meaning, for the marks. */
static void put_events(FILE *o) {
  for (unsigned i = 1; i < TT_EV_MAX; i++) {
    const tt_ev_desc *d = tt_ev_describe(i);
    if (d == NULL)
      continue;
    fprintf(o, "%s\"%u\":{\"name\":\"%s\",\"flags\":%u,\"meaning\":\"", i > 1 ? "," : "", i,
            d->name, d->flags);
    tt_json_escape(o, d->meaning);
    fputs("\"}", o);
  }
}

/* The deadlocks, in the words of the text views (tasktrace summary), for
 * the page to show above the timeline. */
static void put_deadlock_text(FILE *o, const tt_model *m) {
  if (tt_model_ndeadlocks(m) == 0)
    return;
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (f == NULL)
    return;
  tt__put_deadlocks(f, m);
  if (fclose(f) == 0 && text != NULL) {
    fputs(",\"deadlock\":\"", o);
    tt_json_escape(o, text[0] == '\n' ? text + 1 : text);
    fputc('"', o);
  }
  free(text);
}

int tt_html_end(tt_html *h, const tt_model *m) {
  FILE *o = h->out;
  int err = h->err;
  fputs("]</script>\n<script type=\"application/json\" id=\"tt-meta\">{", o);
  fprintf(o, "\"t1\":%" PRId64 ",\"procs\":%zu,\"intervals\":%" PRIu64,
          h->based ? rel(h, tt_model_last_ts(m)) : 0, tt_model_nprocs(m), h->intervals);
  fputs(",\"other\":\"" TT_STATE_COLOUR_OTHER "\",\"states\":[", o);
  put_states(o);
  fputs("],\"events\":{", o);
  put_events(o);
  fputs("},\n\"lanes\":[", o);
  for (size_t i = 0; i < h->nlanes; i++) {
    const hlane *l = &h->lanes[i];
    fprintf(o, "%s\n{\"pid\":%u", i ? "," : "", l->pid);
    if (l->tid != 0) {
      fprintf(o, ",\"loop\":1,\"tid\":%u,\"order\":0}", l->tid);
      continue;
    }
    const tt_vtask *t = tt_model_find_task(m, l->pid, l->task);
    fprintf(o, ",\"id\":%" PRIu64 ",\"order\":%zu", l->task, t ? (size_t)(t - tt_model_task(m, 0)) : 0);
    if (t == NULL) {
      fputs(",\"name\":\"?\"}", o);
      continue;
    }
    jstr(o, "name", t->name);
    jstr(o, "site", t->site);
    const tt_vtask *pt = t->parent ? tt_model_find_task(m, t->pid, t->parent) : NULL;
    jstr(o, "parent", pt ? pt->name : "");
    fprintf(o, ",\"busy\":%" PRIu64 ",\"runnable\":%" PRIu64 ",\"blocked\":%" PRIu64
               ",\"switches\":%" PRIu64,
            t->busy, t->runnable, t->blocked, t->switches);
    char res[64];
    if (t->deadlocked)
      snprintf(res, sizeof res, "deadlock (waits that never ended)");
    else if (!t->exited)
      snprintf(res, sizeof res, "unfinished");
    else if (t->status == TT_EXIT_OK)
      snprintf(res, sizeof res, "finished, result %" PRId64, t->result);
    else
      snprintf(res, sizeof res, "%s (%" PRId64 ")",
               t->status == TT_EXIT_CANCELLED ? "cancelled" : "failed", t->result);
    jstr(o, "result", res);
    fputc('}', o);
  }
  fputs("],\n\"objects\":[", o);
  for (size_t i = 0; i < h->nobjs; i++) {
    unsigned kind = 0;
    const char *n = tt_model_object_name(m, h->objs[i].pid, h->objs[i].id, &kind);
    fprintf(o, "%s\"", i ? "," : "");
    if (n != NULL) {
      fprintf(o, "%s ", tt_kind_name(kind));
      tt_json_escape(o, n);
    } else {
      fprintf(o, "#%" PRIu64, h->objs[i].id);
    }
    fputc('"', o);
  }
  fputc(']', o);
  put_deadlock_text(o, m);
  fputs("}</script>\n<script>\n", o);
  fwrite(tt__asset_js, 1, tt__asset_js_len, o);
  fputs("</script>\n</body></html>\n", o);
  if (ferror(o))
    err = -EIO;
  tt_html_free(h);
  return err;
}

void tt_html_free(tt_html *h) {
  if (h == NULL)
    return;
  free(h->lanes);
  free(h->objs);
  tt__vmap_free(&h->lane_map);
  tt__vmap_free(&h->obj_map);
  free(h);
}
