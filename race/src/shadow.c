/* Shadow state per accessed address (up to 8 bytes: a granule) and the rules (docs/race.md):
 *   a read R by A in step s, not followed by A's write in that step, then
 *   A's write W' in a later step is a window; another task's write W
 *   - inside the window is an observed race;
 *   - before R (not ordered before it by a hand-off) or after W' (not
 *     ordered after it), with no lock held by A across the whole window
 *     also held by B at W, is a predicted one.
 * The table is bounded: 4-way sets, the least recently used granule of a
 * full set is recycled (what it knew is forgotten: fewer reports, never
 * false ones). An entry made before its memory was freed or allocated
 * again (rt_gen) is of a dead object: taken as empty. */
#include <stdlib.h>
#include <string.h>

#include "rt.h"

#define READERS 8
#define WINDOWS 2
#define WAYS 4
#define SETS (1u << 13) /* 32768 granules */

typedef struct rd {
  uint32_t step;
  uint8_t valid;
  uint8_t prior_unordered; /* the last write then was another task's, unordered */
  uint16_t n;              /* reads of it in that step (saturating) */
  uint64_t seq;
  uintptr_t pc;
} rd;

typedef struct reader {
  uint32_t slot1; /* slot+1; 0: free */
  rd cur;         /* first read of the latest step that read */
  rd pend;        /* the one before: a read of an earlier step */
} reader;

typedef struct wr {
  uint32_t slot1, stamp, step;
  uint64_t seq;
  uintptr_t pc;
  const void *locks[RT_WLOCKS];
} wr;

typedef struct window {
  uint32_t slot1, stamp; /* A and its stamp at W' */
  uint32_t r_step;       /* the step of R */
  int kind;
  uintptr_t r_pc, w2_pc;
  const char *y_site;
  const void *locks[RT_WLOCKS]; /* held by A from R to W' */
} window;

typedef struct gran {
  uintptr_t key; /* granule address; 0: free */
  uint64_t used;
  uint32_t gen; /* rt_gen(key) when made: another means a dead object's */
  wr w;
  reader r[READERS];
  window win[WINDOWS];
} gran;

static gran *table;

static gran *lookup(uintptr_t g) {
  if (TT_UNLIKELY(table == NULL)) {
    table = rt_xcalloc((size_t)SETS * WAYS, sizeof *table);
  }
  size_t set = (size_t)((g >> 3) * 0x9E3779B97F4A7C15ull >> 40) & (SETS - 1);
  gran *s = &table[set * WAYS], *victim = s;
  uint32_t gen = rt_gen(g);
  for (int i = 0; i < WAYS; i++) {
    if (s[i].key == g) {
      if (TT_UNLIKELY(s[i].gen != gen)) {
        victim = &s[i]; /* memory freed and allocated again since: a new variable */
        break;
      }
      s[i].used = rt_seq;
      return &s[i];
    }
    if (s[i].used < victim->used)
      victim = &s[i];
  }
  memset(victim, 0, sizeof *victim);
  victim->key = g;
  victim->used = rt_seq;
  victim->gen = gen;
  return victim;
}

static reader *reader_of(gran *g, uint32_t slot, bool make) {
  reader *victim = NULL;
  for (int i = 0; i < READERS; i++) {
    if (g->r[i].slot1 == slot + 1)
      return &g->r[i];
    if (victim == NULL || (victim->slot1 != 0 && (g->r[i].slot1 == 0 || g->r[i].cur.seq < victim->cur.seq)))
      victim = &g->r[i];
  }
  if (!make)
    return NULL;
  memset(victim, 0, sizeof *victim);
  victim->slot1 = slot + 1;
  return victim;
}

static bool foreign_write(const gran *g, const rt_task *t) {
  return g->w.slot1 != 0 && g->w.slot1 != t->slot + 1;
}

void rt_read(uintptr_t addr, uintptr_t pc) {
  rt_task *t = rt_cur;
  gran *g = lookup(addr);
  if (g->w.slot1 == t->slot + 1 && g->w.step == t->step)
    return; /* its own write of this step: a later write from it is as blind as that one */
  reader *r = reader_of(g, t->slot, true);
  if (r->cur.valid && r->cur.step == t->step) {
    r->cur.n += r->cur.n != UINT16_MAX; /* the first read is the one that counts */
    return;
  }
  if (r->cur.valid)
    r->pend = r->cur;
  r->cur.step = t->step;
  r->cur.valid = 1;
  r->cur.seq = ++rt_seq;
  r->cur.pc = pc;
  r->cur.n = 1;
  r->cur.prior_unordered = foreign_write(g, t) && !rt_hb(t, g->w.slot1 - 1, g->w.stamp);
}

/* The locks t holds now and held since before seq. */
static void span_locks(const rt_task *t, uint64_t since, const void **out) {
  int n = 0;
  memset(out, 0, RT_WLOCKS * sizeof *out);
  for (int i = 0; i < t->nheld && n < RT_WLOCKS; i++)
    if (t->held[i].seq < since)
      out[n++] = t->held[i].lock;
}

static bool common_lock(const void *const *a, const void *const *b) {
  for (int i = 0; i < RT_WLOCKS && a[i] != NULL; i++)
    for (int j = 0; j < RT_WLOCKS && b[j] != NULL; j++)
      if (a[i] == b[j])
        return true;
  return false;
}

static void report(int kind, bool predicted, uintptr_t addr, const rt_task *a, uintptr_t r_pc,
                   uint32_t r_step, const char *y, uintptr_t w2_pc, uint32_t b_slot,
                   uintptr_t w_pc) {
  rt_race race = {.kind = kind, .predicted = predicted, .addr = addr, .a = a,
                  .b = rt_task_at(b_slot), .r_pc = r_pc, .w2_pc = w2_pc, .w_pc = w_pc,
                  .y_site = y, .read_ts = rt_step_time(a, r_step)};
  rt_report(&race);
}

/* t writes at pc and its pending read r (if any) closes a window. */
static void close_window(gran *g, rt_task *t, reader *r, uintptr_t pc) {
  const rd *R = NULL;
  int kind = RT_LOST_UPDATE;
  if (r->cur.valid && r->cur.step < t->step) {
    R = &r->cur;
  } else if (r->cur.valid && r->pend.valid && r->cur.n == 1) {
    /* Read again only by the update itself (`balance -= amount`): the
     * check of an earlier step is what went stale. Two reads or more in
     * this step mean the task checked again after the yield (the loop
     * `while (items == 0) tt_cond_wait(...)`): validated, not a race. */
    R = &r->pend;
    kind = RT_STALE_CHECK;
  }
  if (R == NULL)
    return;
  const char *y = rt_yield_site(t, R->step);
  const void *locks[RT_WLOCKS];
  span_locks(t, R->seq, locks);
  if (foreign_write(g, t) && !common_lock(locks, g->w.locks)) {
    if (g->w.seq > R->seq)
      report(kind, false, g->key, t, R->pc, R->step, y, pc, g->w.slot1 - 1, g->w.pc);
    else if (R->prior_unordered)
      report(kind, true, g->key, t, R->pc, R->step, y, pc, g->w.slot1 - 1, g->w.pc);
  }
  window *w = &g->win[WINDOWS - 1]; /* full of others' windows: replace the last */
  for (int i = 0; i < WINDOWS; i++)
    if (g->win[i].slot1 == t->slot + 1 || g->win[i].slot1 == 0) {
      w = &g->win[i];
      break;
    }
  *w = (window){.slot1 = t->slot + 1, .stamp = rt_stamp(t), .r_step = R->step, .kind = kind, .r_pc = R->pc,
                .w2_pc = pc, .y_site = y};
  memcpy(w->locks, locks, sizeof locks);
}

void rt_write(uintptr_t addr, uintptr_t pc) {
  rt_task *t = rt_cur;
  gran *g = lookup(addr);
  reader *r = reader_of(g, t->slot, false);
  if (r != NULL) {
    close_window(g, t, r, pc);
    r->cur.valid = r->pend.valid = 0; /* the write consumes the reads */
  }
  const void *held[RT_WLOCKS];
  span_locks(t, UINT64_MAX, held);
  /* Another task's window that this write is not ordered after. */
  for (int i = 0; i < WINDOWS; i++) {
    window *w = &g->win[i];
    if (w->slot1 != 0 && w->slot1 != t->slot + 1 && !rt_hb(t, w->slot1 - 1, w->stamp) &&
        !common_lock(w->locks, held))
      report(w->kind, true, g->key, rt_task_at(w->slot1 - 1), w->r_pc, w->r_step, w->y_site,
             w->w2_pc, t->slot, pc);
  }
  g->w = (wr){.slot1 = t->slot + 1, .stamp = rt_stamp(t), .step = t->step, .seq = ++rt_seq, .pc = pc};
  memcpy(g->w.locks, held, sizeof held);
}
