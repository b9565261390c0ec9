/* The compiler's side: gcc/clang -fsanitize=thread emits calls to these
 * __tsan_* functions around every memory access; linked without the
 * ThreadSanitizer runtime, they land here (as KCSAN does in the kernel).
 * Accesses outside tasks, on the running task's own stack and to the
 * runtime's thread-local call site are not tracked. Atomics do what they
 * say and are never a race. */
#include <stdlib.h>
#include <string.h>

#include "rt.h"

#define TT_RACE_API __attribute__((visibility("default")))

static struct {
  uintptr_t lo, hi;
} ignores[64];
static unsigned nignores;

TT_RACE_API void tt_race_ignore(const void *addr, size_t size) {
  if (nignores < sizeof ignores / sizeof *ignores) {
    ignores[nignores].lo = (uintptr_t)addr;
    ignores[nignores].hi = (uintptr_t)addr + size;
    nignores++;
  }
}

bool rt_ignored(uintptr_t a) {
  for (unsigned i = 0; i < nignores; i++)
    if (a >= ignores[i].lo && a < ignores[i].hi)
      return true;
  return a == rt_callsite_granule;
}

static inline void track(uintptr_t a, size_t n, uintptr_t pc, bool write) {
  rt_task *t = rt_cur;
  if (TT_LIKELY(t == NULL) || a - t->stack_lo < t->stack_hi - t->stack_lo || n == 0)
    return;
  /* Keyed by the address accessed (at most 8 bytes): two small variables
   * in one 8-byte word stay apart. Wider accesses go by aligned words. */
  uintptr_t g = a, end = a + n;
  if ((a & 7) + n > 8)
    g = a & ~(uintptr_t)7;
  for (; g < end; g = (g & ~(uintptr_t)7) + 8) {
    if (TT_UNLIKELY(nignores != 0 || g == rt_callsite_granule) && rt_ignored(g))
      continue;
    if (write)
      rt_write(g, pc);
    else
      rt_read(g, pc);
  }
}

#define PC ((uintptr_t)__builtin_return_address(0) - 1)
#define RW(n)                                                                                      \
  TT_RACE_API void __tsan_read##n(void *a) { track((uintptr_t)a, n, PC, false); }                \
  TT_RACE_API void __tsan_write##n(void *a) { track((uintptr_t)a, n, PC, true); }                \
  TT_RACE_API void __tsan_unaligned_read##n(void *a) { track((uintptr_t)a, n, PC, false); }      \
  TT_RACE_API void __tsan_unaligned_write##n(void *a) { track((uintptr_t)a, n, PC, true); }      \
  TT_RACE_API void __tsan_volatile_read##n(void *a) { track((uintptr_t)a, n, PC, false); }       \
  TT_RACE_API void __tsan_volatile_write##n(void *a) { track((uintptr_t)a, n, PC, true); }
RW(1)
RW(2)
RW(4)
RW(8)
RW(16)

TT_RACE_API void __tsan_read_range(void *a, unsigned long n) { track((uintptr_t)a, n, PC, false); }
TT_RACE_API void __tsan_write_range(void *a, unsigned long n) { track((uintptr_t)a, n, PC, true); }
TT_RACE_API void __tsan_init(void) { rt_init(); }
TT_RACE_API void __tsan_func_entry(void *pc) { (void)pc; }
TT_RACE_API void __tsan_func_exit(void) {}
TT_RACE_API void __tsan_vptr_update(void **p, void *v) { (void)p, (void)v; }
TT_RACE_API void __tsan_vptr_read(void **p) { (void)p; }

/* clang's instrumented mem* calls: do the operation, track it as ranges. */
TT_RACE_API void *__tsan_memcpy(void *d, const void *s, size_t n) {
  track((uintptr_t)s, n, PC, false);
  track((uintptr_t)d, n, PC, true);
  return memcpy(d, s, n);
}
TT_RACE_API void *__tsan_memmove(void *d, const void *s, size_t n) {
  track((uintptr_t)s, n, PC, false);
  track((uintptr_t)d, n, PC, true);
  return memmove(d, s, n);
}
TT_RACE_API void *__tsan_memset(void *d, int c, size_t n) {
  track((uintptr_t)d, n, PC, true);
  return memset(d, c, n);
}

/* ---- Atomics: performed (sequentially consistent), never tracked ---- */
#define MO __ATOMIC_SEQ_CST
#define ATOMICS(bits, T)                                                                           \
  TT_RACE_API T __tsan_atomic##bits##_load(const volatile T *a, int mo) {                        \
    return __atomic_load_n(a, MO);                                                                 \
  }                                                                                                \
  TT_RACE_API void __tsan_atomic##bits##_store(volatile T *a, T v, int mo) {                     \
    __atomic_store_n(a, v, MO);                                                                    \
  }                                                                                                \
  TT_RACE_API T __tsan_atomic##bits##_exchange(volatile T *a, T v, int mo) {                     \
    return __atomic_exchange_n(a, v, MO);                                                          \
  }                                                                                                \
  TT_RACE_API T __tsan_atomic##bits##_fetch_add(volatile T *a, T v, int mo) {                    \
    return __atomic_fetch_add(a, v, MO);                                                           \
  }                                                                                                \
  TT_RACE_API T __tsan_atomic##bits##_fetch_sub(volatile T *a, T v, int mo) {                    \
    return __atomic_fetch_sub(a, v, MO);                                                           \
  }                                                                                                \
  TT_RACE_API T __tsan_atomic##bits##_fetch_and(volatile T *a, T v, int mo) {                    \
    return __atomic_fetch_and(a, v, MO);                                                           \
  }                                                                                                \
  TT_RACE_API T __tsan_atomic##bits##_fetch_or(volatile T *a, T v, int mo) {                     \
    return __atomic_fetch_or(a, v, MO);                                                            \
  }                                                                                                \
  TT_RACE_API T __tsan_atomic##bits##_fetch_xor(volatile T *a, T v, int mo) {                    \
    return __atomic_fetch_xor(a, v, MO);                                                           \
  }                                                                                                \
  TT_RACE_API T __tsan_atomic##bits##_fetch_nand(volatile T *a, T v, int mo) {                   \
    return __atomic_fetch_nand(a, v, MO);                                                          \
  }                                                                                                \
  TT_RACE_API int __tsan_atomic##bits##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, \
                                                                int fmo) {                         \
    return __atomic_compare_exchange_n(a, c, v, false, MO, MO);                                    \
  }                                                                                                \
  TT_RACE_API int __tsan_atomic##bits##_compare_exchange_weak(volatile T *a, T *c, T v, int mo,   \
                                                              int fmo) {                           \
    return __atomic_compare_exchange_n(a, c, v, true, MO, MO);                                     \
  }                                                                                                \
  TT_RACE_API T __tsan_atomic##bits##_compare_exchange_val(volatile T *a, T c, T v, int mo,       \
                                                           int fmo) {                              \
    __atomic_compare_exchange_n(a, &c, v, false, MO, MO);                                          \
    return c;                                                                                      \
  }
ATOMICS(8, uint8_t)
ATOMICS(16, uint16_t)
ATOMICS(32, uint32_t)
ATOMICS(64, uint64_t)
/* 128-bit atomics would need libatomic here: not provided. */
TT_RACE_API void __tsan_atomic_thread_fence(int mo) { __atomic_thread_fence(MO); }
TT_RACE_API void __tsan_atomic_signal_fence(int mo) { __atomic_signal_fence(MO); }
