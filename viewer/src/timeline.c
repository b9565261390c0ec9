/* The terminal timeline: one row per task (and per loop), one character per
 * time slice. A slice shows the state that took most of its time, except
 * that lost data ('?') always shows: a gap is never bridged. Memory is a
 * fixed grid per lane, and at most MAX_LANES lanes are drawn. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "model.h"
#include "text.h"
#include "vmap.h"

#define MAX_LANES 1000
#define LABEL 22

enum { C_RUN, C_READY, C_BLOCK, C_GAP, C_POLL, C_N };

typedef struct cell {
  uint64_t t[C_N];     /* ns spent in each class within the slice */
  uint64_t why_ns;     /* the longest blocked piece, and why */
  uint8_t why;
} cell;

typedef struct lane {
  uint32_t pid, tid; /* tid != 0: a loop lane */
  uint64_t task;
  size_t order;
  cell *cells;
  char *notes;      /* marks, regions, timeouts, deadlocks: a row under the lane (NULL: none) */
  int region_depth; /* regions open on the lane */
  unsigned region_col; /* where the outermost open one began */
} lane;

struct tt_timeline {
  tt_timeline_opts o; /* from/to made absolute at the first interval */
  int based;
  lane *lanes;
  size_t nlanes, cap, hidden;
  tt__vmap map;
  tt__vmap hidden_map; /* lanes past MAX_LANES, counted once each */
  int err;
};

int tt_timeline_new(const tt_timeline_opts *opts, tt_timeline **out, char *err, size_t errlen) {
  if (opts->to <= opts->from || opts->width == 0) {
    if (err != NULL && errlen > 0)
      snprintf(err, errlen, "%s", opts->width == 0 ? "no columns" : "an empty time range");
    return -EINVAL;
  }
  tt_timeline *tl = calloc(1, sizeof *tl);
  if (tl == NULL)
    return -ENOMEM;
  tl->o = *opts;
  tt__vmap_init(&tl->map);
  tt__vmap_init(&tl->hidden_map);
  *out = tl;
  return 0;
}

void tt_timeline_free(tt_timeline *tl) {
  if (tl == NULL)
    return;
  for (size_t i = 0; i < tl->nlanes; i++) {
    free(tl->lanes[i].cells);
    free(tl->lanes[i].notes);
  }
  free(tl->lanes);
  tt__vmap_free(&tl->map);
  tt__vmap_free(&tl->hidden_map);
  free(tl);
}

static lane *get_lane(tt_timeline *tl, uint32_t pid, uint32_t tid, uint64_t task) {
  uint64_t key = tid ? ((uint64_t)1 << 63) | tid : task;
  uint32_t i = tt__vmap_get(&tl->map, pid, key);
  if (i != UINT32_MAX)
    return &tl->lanes[i];
  if (tl->nlanes >= MAX_LANES) {
    if (tt__vmap_get(&tl->hidden_map, pid, key) == UINT32_MAX &&
        tt__vmap_put(&tl->hidden_map, pid, key, 0) == 0)
      tl->hidden++;
    return NULL;
  }
  if (tt__grow(&tl->lanes, &tl->cap, tl->nlanes + 1, sizeof *tl->lanes, 64) < 0)
    return NULL;
  lane *l = &tl->lanes[tl->nlanes];
  l->cells = calloc(tl->o.width, sizeof *l->cells);
  if (l->cells == NULL || tt__vmap_put(&tl->map, pid, key, (uint32_t)tl->nlanes) < 0) {
    free(l->cells);
    tl->err = -ENOMEM;
    return NULL;
  }
  l->pid = pid;
  l->tid = tid;
  l->task = task;
  l->notes = NULL;
  l->region_depth = 0;
  l->order = tl->nlanes++;
  return l;
}

static int class_of(const tt_interval *iv) {
  switch (iv->state) {
  case TT_VS_RUNNING: return C_RUN;
  case TT_VS_RUNNABLE: return C_READY;
  case TT_VS_BLOCKED: return C_BLOCK;
  case TT_VS_GAP: return C_GAP;
  default: return C_POLL;
  }
}

static void base(tt_timeline *tl, const tt_model *m) {
  if (!tl->based) {
    tl->based = 1;
    tl->o.from += tt_model_first_ts(m);
    tl->o.to += tt_model_first_ts(m);
  }
}

static void on_interval(void *arg, const tt_model *m, const tt_interval *iv) {
  tt_timeline *tl = arg;
  base(tl, m);
  uint64_t from = tl->o.from, to = tl->o.to;
  if (iv->end <= from || iv->begin >= to)
    return;
  lane *l = get_lane(tl, iv->pid, iv->tid, iv->task);
  if (l == NULL)
    return;
  uint64_t b = iv->begin < from ? from : iv->begin, e = iv->end > to ? to : iv->end;
  /* Column c covers [from + c*span/w, from + (c+1)*span/w). */
  const unsigned w = tl->o.width;
  const double span = (double)(to - from);
  unsigned c0 = (unsigned)((double)(b - from) * w / span);
  unsigned c1 = (unsigned)((double)(e - 1 - from) * w / span);
  if (c1 >= w)
    c1 = w - 1;
  int k = class_of(iv);
  for (unsigned c = c0; c <= c1; c++) {
    uint64_t cb = from + (uint64_t)((double)c * span / w);
    uint64_t ce = from + (uint64_t)((double)(c + 1) * span / w);
    uint64_t lo = b > cb ? b : cb, hi = e < ce ? e : ce;
    uint64_t d = hi > lo ? hi - lo : 1; /* rounding: a piece is at least 1 ns */
    cell *x = &l->cells[c];
    x->t[k] += d;
    if (k == C_BLOCK && d > x->why_ns) {
      x->why_ns = d;
      x->why = iv->why;
    }
  }
}

/* Marks, regions, timed-out waits and deadlocks go on a row of their own
 * under the task's lane: '*' a mark, '[===]' a region, 'T' a wait that
 * timed out, 'X' the call that found a deadlock. A later note in the same
 * column wins, except that a region never hides a mark. */
static void on_instant(void *arg, const tt_model *m, const tt_trace_event *ev) {
  tt_timeline *tl = arg;
  base(tl, m);
  char ch;
  switch (ev->type) {
  case TT_EV_mark: ch = '*'; break;
  case TT_EV_region_begin: ch = '['; break;
  case TT_EV_region_end: ch = ']'; break;
  case TT_EV_wait_timeout: ch = 'T'; break;
  case TT_EV_deadlock: ch = 'X'; break;
  default: return;
  }
  if (ev->u[0] == 0 || ev->ts >= tl->o.to)
    return;
  lane *l = get_lane(tl, ev->pid, 0, ev->u[0]);
  if (l == NULL)
    return;
  if (l->notes == NULL && (l->notes = calloc(tl->o.width, 1)) == NULL) {
    tl->err = -ENOMEM;
    return;
  }
  const unsigned w = tl->o.width;
  unsigned c = ev->ts < tl->o.from ? 0
                                   : (unsigned)((double)(ev->ts - tl->o.from) * w /
                                                (double)(tl->o.to - tl->o.from));
  if (c >= w)
    c = w - 1;
  if (ev->type == TT_EV_region_begin && l->region_depth++ > 0)
    return; /* nested: the outermost region is drawn */
  if (ev->type == TT_EV_region_begin)
    l->region_col = ev->ts < tl->o.from ? 0 : c;
  if (ev->type == TT_EV_region_end) {
    if (l->region_depth == 0 || --l->region_depth > 0)
      return;
    for (unsigned k = l->region_col + 1; k < c; k++)
      if (l->notes[k] == 0)
        l->notes[k] = '=';
    if (l->notes[l->region_col] == 0 && ev->ts >= tl->o.from)
      l->notes[l->region_col] = '[';
  }
  if (ev->ts < tl->o.from)
    return;
  if (l->notes[c] == 0 || l->notes[c] == '=' || l->notes[c] == '[' || ch != ']')
    l->notes[c] = ch;
}

void tt_timeline_hooks(tt_timeline *tl, tt_model_hooks *hooks) {
  memset(hooks, 0, sizeof *hooks);
  hooks->arg = tl;
  hooks->interval = on_interval;
  hooks->instant = on_instant;
}

/* A blocked slice's letter: the schema's (TT_STATES), '.' for a reason
 * that has none. */
static char why_char(unsigned why) {
  char c = tt_state_letter(why);
  return c ? c : '.';
}

void tt_timeline_legend(FILE *out, const char *sep, unsigned wrap, int indent) {
  unsigned col = (unsigned)indent;
  int first = 1;
  for (unsigned s = 0; s < TT_STATE_MAX; s++) {
    char letter = tt_state_letter(s), name[32];
    if (letter == 0)
      continue;
    snprintf(name, sizeof name, "%s", tt_state_name(s));
    for (char *q = name; *q; q++)
      *q = *q == '_' ? ' ' : *q;
    unsigned len = (unsigned)(strlen(name) + 2 + (first ? 0 : strlen(sep)));
    if (!first && wrap && col + len > wrap) {
      fprintf(out, "%s\n%*s", sep[0] == ',' ? "," : "", indent, "");
      col = (unsigned)indent;
      len -= (unsigned)strlen(sep);
    } else if (!first) {
      fputs(sep, out);
    }
    fprintf(out, "%c %s", letter, name);
    col += len;
    first = 0;
  }
}

/* The character of one slice and its colour (an SGR code or NULL). */
static char cell_char(const cell *x, int loop, const char **color) {
  *color = NULL;
  if (x->t[C_GAP] > 0) {
    *color = "35;7";
    return '?';
  }
  int best = -1;
  uint64_t bt = 0;
  for (int k = 0; k < C_N; k++)
    if (x->t[k] > bt) {
      bt = x->t[k];
      best = k;
    }
  switch (best) {
  case C_RUN: *color = "32;1"; return '#';
  case C_READY: *color = "33"; return '-';
  case C_BLOCK: *color = x->why == TT_STATE_lock ? "31;1" : "34"; return why_char(x->why);
  case C_POLL: return loop ? '_' : ' ';
  default: return ' ';
  }
}

static int lane_cmp(const void *a, const void *b) {
  const lane *x = a, *y = b;
  if (x->pid != y->pid)
    return x->pid < y->pid ? -1 : 1;
  if ((x->tid != 0) != (y->tid != 0))
    return x->tid != 0 ? -1 : 1; /* loops first */
  return x->order < y->order ? -1 : x->order > y->order;
}

static int selected(const tt_timeline *tl, const tt_model *m, const lane *l) {
  if (tl->o.task == NULL)
    return 1;
  if (l->tid != 0)
    return 0;
  char id[24];
  snprintf(id, sizeof id, "%" PRIu64, l->task);
  const tt_vtask *t = tt_model_find_task(m, l->pid, l->task);
  return strcmp(tl->o.task, id) == 0 || (t != NULL && strcmp(tl->o.task, t->name) == 0);
}

/* Tasks in the order the model first saw them (spawn order), not the
 * order their first interval happened to close; loops first. */
static void order_lanes(tt_timeline *tl, const tt_model *m) {
  for (size_t i = 0; i < tl->nlanes; i++) {
    lane *l = &tl->lanes[i];
    const tt_vtask *t = l->tid ? NULL : tt_model_find_task(m, l->pid, l->task);
    if (t != NULL)
      l->order = (size_t)(t - tt_model_task(m, 0));
  }
  if (tl->nlanes > 1)
    qsort(tl->lanes, tl->nlanes, sizeof *tl->lanes, lane_cmp);
}

/* The axis: where the window starts, its middle and its end, relative to
 * the start of the trace. */
static void put_axis(const tt_timeline *tl, uint64_t t0, FILE *out) {
  char b1[32], b2[32], b3[32];
  const unsigned w = tl->o.width;
  tt_fmt_duration(tl->o.from - t0, b1, sizeof b1);
  tt_fmt_duration((tl->o.from + tl->o.to) / 2 - t0, b2, sizeof b2);
  tt_fmt_duration(tl->o.to - t0, b3, sizeof b3);
  fprintf(out, "%*s", LABEL + 1, "");
  int left = (int)w - (int)strlen(b1) - (int)strlen(b3);
  int mid = (int)strlen(b2);
  if (left >= mid + 2)
    fprintf(out, "%s%*s%s%*s%s\n", b1, (left - mid) / 2, "", b2, left - mid - (left - mid) / 2, "",
            b3);
  else
    fprintf(out, "%s .. %s\n", b1, b3);
  fprintf(out, "%*s+", LABEL, "");
  for (unsigned c = 0; c < w; c++)
    fputc(c == 0 || c == w - 1 || c == w / 2 ? '|' : '-', out);
  fputs("+\n", out);
}

/* One lane: its label, then a character per column. */
static void put_lane(const tt_timeline *tl, const tt_model *m, const lane *l, FILE *out) {
  if (l->tid != 0) {
    char name[32];
    snprintf(name, sizeof name, "loop (tid %u)", l->tid);
    tt__put_name(out, name, LABEL, LABEL);
  } else {
    const tt_vtask *t = tt_model_find_task(m, l->pid, l->task);
    tt__put_name(out, t ? t->name : "?", LABEL, LABEL);
  }
  fputc('|', out);
  const char *cur = NULL;
  for (unsigned c = 0; c < tl->o.width; c++) {
    const char *col;
    char ch = cell_char(&l->cells[c], l->tid != 0, &col);
    if (tl->o.color && col != cur) {
      fprintf(out, "\033[0%s%sm", col ? ";" : "", col ? col : "");
      cur = col;
    }
    fputc(ch, out);
  }
  if (tl->o.color && cur != NULL)
    fputs("\033[0m", out);
  fputs("|\n", out);
  if (l->notes == NULL)
    return;
  tt__put_name(out, "  ^ marks, regions", LABEL, LABEL);
  fputc('|', out);
  for (unsigned c = 0; c < tl->o.width; c++)
    fputc(l->notes[c] ? l->notes[c] : ' ', out);
  fputs("|\n", out);
}

int tt_timeline_render(tt_timeline *tl, const tt_model *m, FILE *out) {
  if (tl->err)
    return tl->err;
  char b1[32];
  uint64_t t0 = tt_model_first_ts(m);
  if (!tl->based) { /* nothing in the window */
    tl->based = 1;
    tl->o.from += t0;
    tl->o.to += t0;
  }
  order_lanes(tl, m);
  put_axis(tl, t0, out);
  uint32_t last_pid = 0;
  size_t shown = 0;
  int notes = 0;
  int findings = 0;
  for (size_t i = 0; i < tl->nlanes; i++) {
    const lane *l = &tl->lanes[i];
    if (!selected(tl, m, l))
      continue;
    notes |= l->notes != NULL;
    if (tt_model_nprocs(m) > 1 && (shown == 0 || l->pid != last_pid))
      fprintf(out, "process %u\n", l->pid);
    last_pid = l->pid;
    shown++;
    put_lane(tl, m, l, out);
    if (l->tid == 0)
      findings += tt__timeline_findings(out, m, l->pid, l->task, tl->o.from, tl->o.to,
                                        tl->o.width, LABEL);
  }
  if (shown == 0)
    fprintf(out, "%*s(no task %s in this window)\n", LABEL + 1, "",
            tl->o.task ? "of that name or id was seen" : "was active");
  if (tl->hidden > 0)
    fprintf(out, "... %zu more lanes not drawn (choose one with --task)\n", tl->hidden);
  fprintf(out, "%*s%s per column.  # running  - runnable  blocked: ", LABEL + 1, "",
          tt_fmt_duration((tl->o.to - tl->o.from) / tl->o.width, b1, sizeof b1));
  tt_timeline_legend(out, "  ", 0, 0);
  fputs("  . other  ? events lost  _ loop idle\n", out);
  if (notes)
    fprintf(out, "%*s^ marks, regions: * mark  [==] region  T wait timed out (not woken)  "
                 "X deadlock found\n", LABEL + 1, "");
  tt__put_deadlocks(out, m);
  if (findings > 0)
    fprintf(out, "%*s! a race or lock-order inversion reported  = the race's window, from the "
                 "step of its read ('tasktrace summary' has the sites)\n",
            LABEL + 1, "");
  return ferror(out) ? -EIO : 0;
}
