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
 * memory freed and reused is named by its new block. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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

#define CALLER ((uintptr_t)__builtin_return_address(0))

TT_RACE_API void *__wrap_malloc(size_t n) {
  void *p = __real_malloc(n);
  add(p, n, CALLER);
  return p;
}

TT_RACE_API void *__wrap_calloc(size_t k, size_t n) {
  void *p = __real_calloc(k, n);
  add(p, k * n, CALLER); /* calloc checked k * n for overflow */
  return p;
}

TT_RACE_API void *__wrap_realloc(void *o, size_t n) {
  void *p = __real_realloc(o, n);
  if (p != NULL || n == 0) {
    drop(o);
    add(p, n, CALLER);
  }
  return p;
}

TT_RACE_API void __wrap_free(void *p) {
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
