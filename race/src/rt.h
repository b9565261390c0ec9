/* Private to the race runtime: tasks as the detector sees them (steps,
 * vector clocks, locks held), the shadow state, the reports. */
#ifndef TT_RACE_RT_H
#define TT_RACE_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tasktrace/race_hooks.h"

#define RT_LOCKS 8   /* locks one task holds at once that are tracked */
#define RT_WLOCKS 4  /* locks kept with a write or a window */
#define RT_YSITES 64 /* yield sites kept per task (by step) */

/* A vector clock, by task slot. A task's own entry is its stamp: it grows
 * at the end of each step in which the task made a hand-off (a spawn, a
 * release). Whoever receives it runs after that step at the earliest, in
 * every schedule (a step is never cut), so all of the step is ordered
 * before the receiver; what the task does in later steps is not. */
typedef struct rt_vc {
  uint32_t *c;
  uint32_t n;
} rt_vc;

typedef struct rt_task {
  uint64_t id;
  uint32_t slot;
  uint32_t step; /* steps this task has ended */
  bool tick_due; /* a hand-off in this step: the stamp grows at its end */
  char name[32];
  const char *site;
  uintptr_t stack_lo, stack_hi;
  rt_vc vc;
  struct {
    const void *lock;
    uint64_t seq; /* when it was taken (rt_seq) */
  } held[RT_LOCKS];
  int nheld;
  const char *ysite[RT_YSITES]; /* where step ystep[i] ended */
  uint32_t ystep[RT_YSITES];
  uint64_t stime[RT_YSITES]; /* when step i (mod RT_YSITES) began to run, tracing only */
} rt_task;

/* The running task on the tracked thread; NULL elsewhere (outside tasks,
 * other threads): nothing is tracked then. */
extern __thread rt_task *rt_cur __attribute__((tls_model("initial-exec")));
extern uint64_t rt_seq; /* a clock of accesses and lock acquisitions */
extern uintptr_t rt_callsite_granule; /* tt__call_site: the runtime's, never tracked */

rt_task *rt_task_at(uint32_t slot);
static inline uint32_t rt_vc_get(const rt_vc *v, uint32_t slot) {
  return slot < v->n ? v->c[slot] : 0;
}
static inline uint32_t rt_stamp(const rt_task *t) { return rt_vc_get(&t->vc, t->slot); }
/* Whether what task `slot` did at `stamp` happened before t's present. */
static inline bool rt_hb(const rt_task *t, uint32_t slot, uint32_t stamp) {
  return rt_vc_get(&t->vc, slot) >= stamp;
}
/* Where t's step `step` ended (NULL: not kept). */
const char *rt_yield_site(const rt_task *t, uint32_t step);
/* When t's step `step` began to run (the trace's clock), 0: not kept or
 * not tracing. */
uint64_t rt_step_time(const rt_task *t, uint32_t step);

void rt_init(void);
/* Allocation for the detector's tables: one line and abort when out of
 * memory. Past the wrapping (heap.c): the detector's own memory is not the
 * program's, and its 21 MB shadow would start a generation a page of
 * counters at a time (5 MB of them). */
void *rt_xrealloc(void *p, size_t n);
void *rt_xcalloc(size_t k, size_t n);
void rt_free(void *p);
bool rt_ignored(uintptr_t addr);
void rt_read(uintptr_t granule, uintptr_t pc);
void rt_write(uintptr_t granule, uintptr_t pc);

/* ---- Reports (report.c) ---- */
enum rt_kind { RT_LOST_UPDATE, RT_STALE_CHECK };
typedef struct rt_race {
  int kind;
  bool predicted;
  uintptr_t addr;           /* the granule */
  const rt_task *a, *b;     /* a: read, yielded, wrote; b: wrote between */
  uintptr_t r_pc, w2_pc, w_pc;
  const char *y_site;
  uint64_t read_ts; /* when the step of R began (0: unknown), for the trace event */
} rt_race;
void rt_report(const rt_race *r);
/* The live heap block holding addr (heap.c: the wrapped allocator). */
bool rt_heap_block(uintptr_t addr, uintptr_t *start, size_t *size, uintptr_t *pc);
/* Generations of memory (heap.c): one counter per 16 bytes (malloc's
 * alignment), direct-mapped by address (RT_GEN_BITS of index: 16 MB of
 * counters, touched as the heap is, the same counter every 64 MB). Each
 * malloc, calloc, realloc and free stores a new, never reused value (a
 * global epoch) into the counters of its block; a shadow entry keeps the
 * value it was made under, and one made under another is of a dead object:
 * empty (shadow.c). Two addresses 64 MB apart share a counter: a reuse of
 * one forgets the other's shadow too (fewer reports, never a false one). */
#define RT_GEN_SHIFT 4
#define RT_GEN_BITS 22
extern uint32_t *rt_gens; /* NULL until the first allocation */
static inline uint32_t rt_gen(uintptr_t a) {
  const uint32_t *g = __atomic_load_n(&rt_gens, __ATOMIC_ACQUIRE);
  return g == NULL ? 0
                   : __atomic_load_n(&g[(a >> RT_GEN_SHIFT) & ((1u << RT_GEN_BITS) - 1)],
                                     __ATOMIC_RELAXED);
}
void rt_report_init(void);

#endif
