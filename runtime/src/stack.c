/* Task stacks.
 *
 * Guarded stacks: one mmap each with a PROT_NONE guard page below, so an
 * overflow faults (and debug mode names the task) instead of corrupting a
 * neighbour. Each costs two kernel memory maps, and vm.max_map_count
 * (65530 by default) caps a process near 32k of them, so past a budget of a
 * quarter of that limit new stacks are dense: carved without guards from
 * large slabs (one map per 256 stacks), which is how a million tasks fit.
 * Freed stacks of either kind are cached for reuse ("caching is faster than
 * malloc()", as libdill says); a stack is only given to a task when it first
 * runs, so tasks that finish at once reuse one stack.
 *
 * Under explore's fork server (forkserver.c) the cache is warmed before the
 * first fork and kept: every run starts with stacks already mapped (its own
 * copies, as all its memory is), and its teardown leaves them to the
 * kernel's one unmapping of the whole process at exit. An mmap, an mprotect
 * and a munmap a task were a good part of a short run's system time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "internal.h"
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#define SLAB_STACKS 256
#define GUARDED_CACHE_MAX 64

/* A freed stack in the cache: the header lives in the stack memory itself. */
typedef struct free_stack {
  struct free_stack *next;
} free_stack;

/* One size class per distinct stack size in use; nearly always just one. */
typedef struct stack_class {
  size_t size;               /* usable bytes, a multiple of the page size */
  free_stack *guarded_free;  /* cached guarded stacks */
  size_t guarded_cached;
  free_stack *dense_free;    /* dense stacks never go back to the kernel */
  struct stack_class *next;
} stack_class;

typedef struct slab {
  struct slab *next;
  void *base;
  size_t len;
} slab;

static __thread stack_class *classes;
static __thread slab *slabs;
static __thread size_t guarded_live;
static __thread size_t dense_given; /* tasks given a dense stack, for debug mode */
static size_t page_size;
static size_t guarded_budget;
static bool keep_cache; /* tt__stack_warm: trim leaves the guarded cache */

static void init_limits(void) {
  if (page_size != 0)
    return;
  page_size = (size_t)sysconf(_SC_PAGESIZE);
  long max_maps = 65530;
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  if (f != NULL) {
    if (fscanf(f, "%ld", &max_maps) != 1)
      max_maps = 65530;
    fclose(f);
  }
  /* Two maps per guarded stack; leave three quarters for everything else. */
  guarded_budget = (size_t)max_maps / 8;
}

static stack_class *class_for(size_t size) {
  for (stack_class *c = classes; c != NULL; c = c->next)
    if (c->size == size)
      return c;
  stack_class *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->size = size;
  c->next = classes;
  classes = c;
  return c;
}

static void *dense_alloc(stack_class *c) {
  if (c->dense_free == NULL) {
    size_t len = c->size * SLAB_STACKS;
    void *base = mmap(NULL, len, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
      return NULL;
    slab *s = malloc(sizeof *s);
    if (s == NULL) {
      munmap(base, len);
      return NULL;
    }
    s->base = base;
    s->len = len;
    s->next = slabs;
    slabs = s;
    /* Thread the new stacks onto the free list, lowest address last so the
     * first handed out is the lowest. Only the top word of each is touched. */
    for (size_t i = SLAB_STACKS; i-- > 0;) {
      free_stack *f = (free_stack *)((char *)base + i * c->size + c->size - sizeof(free_stack));
      f->next = c->dense_free;
      c->dense_free = f;
    }
  }
  free_stack *f = c->dense_free;
  c->dense_free = f->next;
  return (char *)f + sizeof(free_stack) - c->size;
}

static void *guarded_map(stack_class *c) {
  size_t len = c->size + page_size;
  char *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                    -1, 0);
  if (base == MAP_FAILED)
    return NULL;
  if (mprotect(base, page_size, PROT_NONE) != 0) {
    munmap(base, len);
    return NULL;
  }
  return base + page_size;
}

static void *guarded_alloc(stack_class *c) {
  if (c->guarded_free != NULL) {
    free_stack *f = c->guarded_free;
    c->guarded_free = f->next;
    c->guarded_cached--;
    return (char *)f + sizeof(free_stack) - c->size;
  }
  return guarded_map(c);
}

int tt__stack_alloc(tt_task *t) {
  init_limits();
  size_t size = t->stack_size ? t->stack_size : TT__DEFAULT_STACK;
  size = (size + page_size - 1) & ~(page_size - 1);
  stack_class *c = class_for(size);
  if (c == NULL)
    return -ENOMEM;
  void *stack = NULL;
  if (guarded_live < guarded_budget) {
    stack = guarded_alloc(c);
    if (stack != NULL) {
      guarded_live++;
      t->stack_kind = TT__STACK_GUARDED;
    }
  }
  if (stack == NULL) {
    stack = dense_alloc(c);
    if (stack == NULL)
      return -ENOMEM;
    t->stack_kind = TT__STACK_DENSE;
    dense_given++;
  }
  t->stack = stack;
  t->stack_size = size;
#if defined(__SANITIZE_ADDRESS__)
  /* A reused stack (cached, or mapped again at the same address) still has
   * the shadow of its last task's frames that never returned: start clean,
   * or ASan reports the new task's locals as stack-buffer overflows. */
  __asan_unpoison_memory_region(stack, size);
#endif
  t->vg_stack = VALGRIND_STACK_REGISTER(stack, (char *)stack + size);
  return 0;
}

void tt__stack_free(tt_task *t) {
  if (t->stack == NULL)
    return;
  VALGRIND_STACK_DEREGISTER(t->vg_stack);
  stack_class *c = class_for(t->stack_size);
  if (t->stack_kind == TT__STACK_GUARDED) {
    guarded_live--;
    if (c != NULL && c->guarded_cached < GUARDED_CACHE_MAX) {
      free_stack *f = (free_stack *)((char *)t->stack + c->size - sizeof(free_stack));
      f->next = c->guarded_free;
      c->guarded_free = f;
      c->guarded_cached++;
    } else {
      munmap((char *)t->stack - page_size, t->stack_size + page_size);
    }
  } else if (c != NULL) {
    free_stack *f = (free_stack *)((char *)t->stack + c->size - sizeof(free_stack));
    f->next = c->dense_free;
    c->dense_free = f;
  }
  t->stack = NULL;
  t->stack_kind = TT__STACK_NONE;
}

void tt__stack_warm(unsigned n) {
  init_limits();
  size_t size = (TT__DEFAULT_STACK + page_size - 1) & ~(page_size - 1);
  stack_class *c = class_for(size);
  for (unsigned i = 0; c != NULL && i < n && c->guarded_cached < GUARDED_CACHE_MAX; i++) {
    char *s = guarded_map(c);
    if (s == NULL)
      break;
    free_stack *f = (free_stack *)(s + c->size - sizeof(free_stack));
    f->next = c->guarded_free;
    c->guarded_free = f;
    c->guarded_cached++;
  }
  keep_cache = true;
}

/* Give every cached stack and slab back (at loop teardown: valgrind clean),
 * but the guarded cache a fork server warmed (tt__stack_warm). */
void tt__stack_trim(void) {
  /* Dense stacks have no guard page: an overflow there corrupts a
   * neighbour silently. Debug mode says so, once per loop. */
  if (tt__cfg.debug && dense_given > 0)
    fprintf(stderr,
            "tasktrace: debug: %zu tasks use dense stacks without guard pages "
            "(vm.max_map_count budget reached); an overflow there is not caught\n",
            dense_given);
  dense_given = 0;
  for (stack_class *c = classes, *next; c != NULL && !keep_cache; c = next) {
    next = c->next;
    for (free_stack *f = c->guarded_free, *fn; f != NULL; f = fn) {
      fn = f->next;
      munmap((char *)f + sizeof(free_stack) - c->size - page_size, c->size + page_size);
    }
    free(c);
  }
  if (!keep_cache)
    classes = NULL;
  for (stack_class *c = classes; c != NULL; c = c->next)
    c->dense_free = NULL; /* in the slabs unmapped below */
  for (slab *s = slabs, *next; s != NULL; s = next) {
    next = s->next;
    munmap(s->base, s->len);
    free(s);
  }
  slabs = NULL;
}

tt_task *tt__stack_guard_owner(tt_loop *loop, const void *addr) {
  if (loop == NULL || page_size == 0)
    return NULL;
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    tt_task *t = tt__container_of(n, tt_task, all);
    if (t->stack_kind != TT__STACK_GUARDED)
      continue;
    const char *guard = (const char *)t->stack - page_size;
    if ((const char *)addr >= guard && (const char *)addr < guard + page_size + 256)
      return t;
  }
  return NULL;
}
