/* Lock-order inversions (debug mode): lockdep for tasks.
 *
 * The Linux kernel's lockdep, for tt_lock. Each time a task asks for a
 * lock while it holds others, the order "held before asked" is an edge of
 * a graph whose nodes are locks, kept for the loop's lifetime with where
 * it was first seen (the task, the site that took the held lock, the site
 * that asked for the new one). A new edge that closes a cycle is an order
 * two schedules can take against each other: a deadlock waiting for the
 * right interleaving, even when this run (FIFO, say) never overlapped the
 * two. It is reported once per distinct cycle (its set of locks), at the
 * acquire that closes it.
 *
 * Why here and not in the race detector: it needs no compiler
 * instrumentation, only what the runtime already knows in debug mode (the
 * locks each task holds, where each was taken); every debug-mode program
 * gets it, race-built or not. The cost is paid only in debug mode, only by
 * an acquire made while holding another lock: one lookup per lock held,
 * and a walk of the graph when the edge is new.
 *
 * A try-acquire (TT_NOWAIT) adds no edge: it never waits, so it cannot
 * close a deadlock (as lockdep's trylock). Locks taken after it still
 * order against it.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LD_MAX_EDGES 65536 /* beyond: new orders are no longer learnt (said once) */

typedef struct ld_node {
  uint64_t id;      /* the lock's object id (never reused) */
  int32_t first;    /* its first out-edge, -1: none */
  uint32_t mark;    /* walk generation that visited it */
  int32_t via;      /* the edge the walk reached it by */
  char name[32];
} ld_node;

typedef struct ld_edge {
  int32_t from, to, next; /* nodes; next out-edge of `from` */
  uint64_t task_id;
  char task[32];
  const char *spawn;     /* the task's spawn site (static) */
  const char *held_site; /* where it took `from` */
  const char *take_site; /* where it asked for `to` */
} ld_edge;

struct tt__lockdep {
  ld_node *nodes;
  size_t nnodes, nodes_cap;
  uint32_t *index; /* open addressing, lock id -> node + 1 */
  size_t index_cap;
  ld_edge *edges;
  size_t nedges, edges_cap;
  uint32_t gen;
  int32_t *stack; /* the walk's */
  uint64_t *seen; /* reported cycles, by a hash of their sorted lock ids */
  size_t nseen;
  bool full;
};

static const char *site_or(const char *s) { return s ? s : "an unknown call"; }

void tt__lockdep_free(struct tt__lockdep *g) {
  if (g == NULL)
    return;
  free(g->nodes);
  free(g->index);
  free(g->edges);
  free(g->stack);
  free(g->seen);
  free(g);
}

static size_t index_slot(const struct tt__lockdep *g, uint64_t id) {
  size_t mask = g->index_cap - 1, i = (size_t)(id * 0x9E3779B97F4A7C15ull >> 17) & mask;
  while (g->index[i] != 0 && g->nodes[g->index[i] - 1].id != id)
    i = (i + 1) & mask;
  return i;
}

static int index_grow(struct tt__lockdep *g) {
  size_t cap = g->index_cap ? g->index_cap * 2 : 64;
  uint32_t *ix = calloc(cap, sizeof *ix);
  if (ix == NULL)
    return -ENOMEM;
  free(g->index);
  g->index = ix;
  g->index_cap = cap;
  for (size_t n = 0; n < g->nnodes; n++)
    g->index[index_slot(g, g->nodes[n].id)] = (uint32_t)n + 1;
  return 0;
}

/* The node of lock l, made on first sight; -1 when out of memory. */
static int32_t node_of(struct tt__lockdep *g, const tt_lock *l) {
  if ((g->nnodes + 1) * 2 > g->index_cap && index_grow(g) < 0)
    return -1;
  size_t i = index_slot(g, l->obj.id);
  if (g->index[i] != 0)
    return (int32_t)g->index[i] - 1;
  if (g->nnodes == g->nodes_cap) {
    size_t cap = g->nodes_cap ? g->nodes_cap * 2 : 32;
    ld_node *n = realloc(g->nodes, cap * sizeof *n);
    int32_t *s = realloc(g->stack, cap * sizeof *s);
    if (n != NULL)
      g->nodes = n;
    if (s != NULL)
      g->stack = s;
    if (n == NULL || s == NULL)
      return -1;
    g->nodes_cap = cap;
  }
  ld_node *n = &g->nodes[g->nnodes];
  *n = (ld_node){.id = l->obj.id, .first = -1};
  snprintf(n->name, sizeof n->name, "%s", l->obj.name);
  g->index[i] = (uint32_t)++g->nnodes;
  return (int32_t)g->nnodes - 1;
}

static bool has_edge(const struct tt__lockdep *g, int32_t from, int32_t to) {
  for (int32_t e = g->nodes[from].first; e >= 0; e = g->edges[e].next)
    if (g->edges[e].to == to)
      return true;
  return false;
}

/* A path from `from` to `to` along the edges: true, with each node's
 * `via` leading back to `from`. Depth first, each node once. */
static bool path(struct tt__lockdep *g, int32_t from, int32_t to) {
  uint32_t gen = ++g->gen;
  size_t sp = 0;
  g->nodes[from].mark = gen;
  g->stack[sp++] = from;
  while (sp > 0) {
    int32_t n = g->stack[--sp];
    for (int32_t e = g->nodes[n].first; e >= 0; e = g->edges[e].next) {
      ld_node *m = &g->nodes[g->edges[e].to];
      if (m->mark == gen)
        continue;
      m->mark = gen;
      m->via = e;
      if (g->edges[e].to == to)
        return true;
      g->stack[sp++] = g->edges[e].to;
    }
  }
  return false;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Whether the cycle closed by from -> to (the path to ... from, through
 * `via`) was reported before; remembers it if not. */
static bool cycle_seen(struct tt__lockdep *g, int32_t from, int32_t to) {
  size_t n = 1;
  for (int32_t v = from; v != to; v = g->edges[g->nodes[v].via].from)
    n++;
  uint64_t *ids = malloc(n * sizeof *ids);
  if (ids == NULL)
    return true; /* no memory to say it well: say nothing */
  size_t k = 0;
  ids[k++] = g->nodes[to].id;
  for (int32_t v = from; v != to; v = g->edges[g->nodes[v].via].from)
    ids[k++] = g->nodes[v].id;
  qsort(ids, n, sizeof *ids, cmp_u64);
  uint64_t h = 1469598103934665603ull; /* FNV-1a over the sorted ids */
  for (size_t i = 0; i < n; i++)
    h = (h ^ ids[i]) * 1099511628211ull;
  free(ids);
  for (size_t i = 0; i < g->nseen; i++)
    if (g->seen[i] == h)
      return true;
  uint64_t *s = realloc(g->seen, (g->nseen + 1) * sizeof *s);
  if (s == NULL)
    return true;
  g->seen = s;
  g->seen[g->nseen++] = h;
  return false;
}

static void print_edge(const struct tt__lockdep *g, const ld_edge *e) {
  fprintf(stderr,
          "  task '%s' (id %llu, spawned at %s) took lock '%s' at %s while holding lock '%s' "
          "(taken at %s)\n",
          e->task, (unsigned long long)e->task_id, e->spawn ? e->spawn : "?",
          g->nodes[e->to].name, site_or(e->take_site), g->nodes[e->from].name,
          site_or(e->held_site));
}

/* t asks for l at site while holding h (taken at hsite), closing the
 * cycle h -> l -> ... -> h found by path(l, h). */
static void report(struct tt__lockdep *g, const tt_task *t, const tt_lock *l, const tt_lock *h,
                   int32_t ln, int32_t hn, const char *site) {
  /* The path's edges, from l to h: collected backwards through `via`. */
  size_t n = 0;
  for (int32_t v = hn; v != ln; v = g->edges[g->nodes[v].via].from)
    n++;
  int32_t *order = malloc(n * sizeof *order);
  if (order == NULL)
    return;
  size_t k = n;
  for (int32_t v = hn; v != ln; v = g->edges[g->nodes[v].via].from)
    order[--k] = g->nodes[v].via;
  fprintf(stderr, "tasktrace: lock-order inversion: ");
  tt__describe_task(stderr, t);
  fprintf(stderr, " takes lock '%s' at %s while holding lock '%s' (taken at %s), but the "
                  "opposite order was seen before:\n",
          l->obj.name, site_or(site), h->obj.name, site_or(h->acquired_site));
  for (size_t i = 0; i < n; i++)
    print_edge(g, &g->edges[order[i]]);
  fprintf(stderr, "  cycle: '%s'", h->obj.name);
  fprintf(stderr, " -> '%s'", l->obj.name);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, " -> '%s'", g->nodes[g->edges[order[i]].to].name);
  fprintf(stderr, "; in another schedule each task can hold its first lock and wait for the "
                  "next: a deadlock, even if this run did not deadlock\n");
  const ld_edge *first = &g->edges[order[0]];
  char what[256];
  snprintf(what, sizeof what, "'%s' at %s holding '%s' (taken at %s); opposite: '%s' at %s "
                              "holding '%s' (taken at %s)",
           l->obj.name, site_or(site), h->obj.name, site_or(h->acquired_site),
           g->nodes[first->to].name, site_or(first->take_site), g->nodes[first->from].name,
           site_or(first->held_site));
  tt__emit_lock_inversion(t->id, first->task_id, l->obj.id, what);
  free(order);
}

static int add_edge(struct tt__lockdep *g, int32_t from, int32_t to, const tt_task *t,
                    const char *held_site, const char *site) {
  if (g->nedges == LD_MAX_EDGES) {
    if (!g->full)
      fprintf(stderr, "tasktrace: debug: %d lock orders recorded; new ones are no longer "
                      "checked for inversions\n",
              LD_MAX_EDGES);
    g->full = true;
    return -ENOSPC;
  }
  if (g->nedges == g->edges_cap) {
    size_t cap = g->edges_cap ? g->edges_cap * 2 : 64;
    ld_edge *e = realloc(g->edges, cap * sizeof *e);
    if (e == NULL)
      return -ENOMEM;
    g->edges = e;
    g->edges_cap = cap;
  }
  ld_edge *e = &g->edges[g->nedges];
  *e = (ld_edge){.from = from, .to = to, .next = g->nodes[from].first, .task_id = t->id,
                 .spawn = t->site, .held_site = held_site, .take_site = site};
  snprintf(e->task, sizeof e->task, "%s", tt__task_name(t));
  g->nodes[from].first = (int32_t)g->nedges++;
  return 0;
}

void tt__lockdep_acquire(const tt_lock *l, const tt_task *t, const char *site) {
  /* Debug mode keeps the held locks in the task's side record (debug.c). */
  const tt__list *held = t->ext != NULL ? &t->ext->held : NULL;
  if (held == NULL || held->next == NULL || tt__list_empty(held) || t->loop->dbg == NULL)
    return;
  struct tt__lockdep **gp = tt__debug_lockdep(t->loop);
  if (*gp == NULL && (*gp = calloc(1, sizeof **gp)) == NULL)
    return;
  struct tt__lockdep *g = *gp;
  int32_t ln = node_of(g, l);
  for (const tt__list *n = held->next; ln >= 0 && n != held; n = n->next) {
    const tt_lock *h = tt__container_of(n, tt_lock, held_link);
    int32_t hn = node_of(g, h);
    if (hn < 0 || hn == ln || has_edge(g, hn, ln))
      continue;
    if (path(g, ln, hn) && !cycle_seen(g, hn, ln))
      report(g, t, l, h, ln, hn, site);
    if (add_edge(g, hn, ln, t, h->acquired_site, site) < 0)
      return;
  }
}
