/* Heap blocks by allocation site: tasktrace-cc links with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free, so the
 * program's own calls land here (the C library's internal ones, strdup's
 * say, and those of shared libraries do not). Each live block is kept with
 * its size and the return address of the call, so that a race on heap
 * memory is named "heap block of N bytes allocated at file:line (in fn)"
 * instead of by its access sites.
 *
 * Any thread may allocate: one mutex around the table (a debugging build;
 * the lookup at a report walks the whole table, reports are rare). The
 * table is bounded (HEAP_MAX live blocks kept); a block it could not keep
 * is named by its access sites as before. A freed block is forgotten, so
 * memory freed and reused is named by its new block.
 *
 * Each call also starts a new generation of the memory it hands out or
 * takes back (rt.h, rt_gen): the shadow of what lived there before is then
 * empty, so a read of a freed object never meets a write of the object
 * allocated in its place (tasktraced's connection records, issue 11). Both
 * ends are marked: the allocation catches memory freed where the wrapping
 * does not see it (inside the C library), the free catches memory that an
 * unwrapped allocation (strdup's) hands out next. A store per 16 bytes of
 * the block, into a table touched only where the heap is: no probing of the
 * shadow's sets (which faulted its pages in, one per granule). */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "rt.h"

#define TT_RACE_API __attribute__((visibility("default")))

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

#define HEAP_MAX (1u << 22) /* live blocks kept: 96 MB of table at most */
#define TOMB ((uintptr_t)1) /* a freed slot, probed past */

typedef struct blk {
  uintptr_t p; /* 0: empty, TOMB: freed */
  size_t n;
  uintptr_t pc; /* return address of the allocating call */
} blk;

static blk *tab;
static size_t cap, used, live; /* used: live and tombstones */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static size_t slot_of(uintptr_t p) { return (size_t)((p >> 4) * 0x9E3779B97F4A7C15ull >> 7); }

static void put(blk b) {
  size_t i = slot_of(b.p) & (cap - 1);
  while (tab[i].p > TOMB)
    i = (i + 1) & (cap - 1);
  if (tab[i].p == 0)
    used++;
  tab[i] = b;
  live++;
}

static bool grow(void) {
  /* Mostly tombstones: rehash at the same size. */
  size_t ncap = cap == 0 ? 4096 : live * 4 > cap ? cap * 2 : cap;
  blk *old = tab;
  size_t ocap = cap;
  tab = __real_calloc(ncap, sizeof *tab);
  if (tab == NULL) {
    tab = old;
    return false;
  }
  cap = ncap;
  used = live = 0;
  for (size_t i = 0; i < ocap; i++)
    if (old[i].p > TOMB)
      put(old[i]);
  __real_free(old);
  return true;
}

static void add(void *p, size_t n, uintptr_t pc) {
  if (p == NULL)
    return;
  pthread_mutex_lock(&mu);
  if (live < HEAP_MAX && ((used + 1) * 2 <= cap || grow()))
    put((blk){(uintptr_t)p, n, pc});
  pthread_mutex_unlock(&mu);
}

static void drop(void *p) {
  if (p == NULL)
    return;
  pthread_mutex_lock(&mu);
  if (cap > 0)
    for (size_t i = slot_of((uintptr_t)p) & (cap - 1); tab[i].p != 0; i = (i + 1) & (cap - 1))
      if (tab[i].p == (uintptr_t)p) {
        tab[i].p = TOMB;
        live--;
        break;
      }
  pthread_mutex_unlock(&mu);
}

/* ---- Generations ---- */

uint32_t *rt_gens;
static uint32_t epoch; /* the last value stored; 0: never (what the table starts with) */
static pthread_once_t gens_once = PTHREAD_ONCE_INIT;

static void gens_map(void) {
  /* Reserved, not committed: pages come as the heap reaches them. */
  void *g = mmap(NULL, sizeof(uint32_t) << RT_GEN_BITS, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (g == MAP_FAILED) {
    fputs("tasktrace: race detector: out of memory for its own tables; stopping\n", stderr);
    abort();
  }
  __atomic_store_n(&rt_gens, (uint32_t *)g, __ATOMIC_RELEASE);
}

/* [p, p + n) starts a new generation. Any thread may call it: each call
 * stores its own epoch, so of two racing calls the last store still
 * differs from every value a shadow entry took before it. */
static void new_generation(uintptr_t p, size_t n) {
  if (p == 0 || n == 0)
    return;
  if (__atomic_load_n(&rt_gens, __ATOMIC_ACQUIRE) == NULL)
    pthread_once(&gens_once, gens_map);
  uint32_t e = __atomic_add_fetch(&epoch, 1, __ATOMIC_RELAXED);
  if (e == 0) /* wrapped (after 4G calls): 0 is the table's start */
    e = __atomic_add_fetch(&epoch, 1, __ATOMIC_RELAXED);
  const size_t mask = ((size_t)1 << RT_GEN_BITS) - 1;
  size_t i = p >> RT_GEN_SHIFT, k = ((p + n - 1) >> RT_GEN_SHIFT) - i + 1;
  if (k > mask + 1)
    k = mask + 1; /* a block past the table's span: every counter once */
  for (; k > 0; k--, i++)
    __atomic_store_n(&rt_gens[i & mask], e, __ATOMIC_RELAXED);
}

#define CALLER ((uintptr_t)__builtin_return_address(0))

TT_RACE_API void *__wrap_malloc(size_t n) {
  void *p = __real_malloc(n);
  new_generation((uintptr_t)p, n);
  add(p, n, CALLER);
  return p;
}

TT_RACE_API void *__wrap_calloc(size_t k, size_t n) {
  void *p = __real_calloc(k, n);
  new_generation((uintptr_t)p, k * n); /* calloc checked k * n for overflow */
  add(p, k * n, CALLER);
  return p;
}

TT_RACE_API void *__wrap_realloc(void *o, size_t n) {
  size_t was = o != NULL ? malloc_usable_size(o) : 0;
  void *p = __real_realloc(o, n);
  if (p != NULL || n == 0) {
    if (p == o) { /* in place: what it kept lives on; what it gained or gave back is new */
      size_t lo = was < n ? was : n, hi = was < n ? n : was;
      new_generation((uintptr_t)p + lo, hi - lo);
    } else {
      new_generation((uintptr_t)o, was);
      new_generation((uintptr_t)p, n);
    }
    drop(o);
    add(p, n, CALLER);
  }
  return p;
}

TT_RACE_API void __wrap_free(void *p) {
  if (p != NULL)
    new_generation((uintptr_t)p, malloc_usable_size(p));
  drop(p);
  __real_free(p);
}

bool rt_heap_block(uintptr_t addr, uintptr_t *start, size_t *size, uintptr_t *pc) {
  bool found = false;
  pthread_mutex_lock(&mu);
  for (size_t i = 0; i < cap && !found; i++)
    if (tab[i].p > TOMB && addr >= tab[i].p && addr - tab[i].p < (tab[i].n ? tab[i].n : 1)) {
      *start = tab[i].p;
      *size = tab[i].n;
      *pc = tab[i].pc;
      found = true;
    }
  pthread_mutex_unlock(&mu);
  return found;
}
