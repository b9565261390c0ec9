/* tasktrace base — <tt_base.h>: what every component of the tree shares and
 * nothing of tasktrace's own: the clock, escaping of untrusted strings, and
 * the containers. Project-internal: not installed, not part of any API.
 *
 * Nothing here is exported from the shared libtasktrace (the symbols are
 * hidden, as the whole tree builds with -fvisibility=hidden).
 *
 * Errors: functions that can fail return 0 or a negative errno (-ENOMEM);
 * nothing here prints or aborts.
 */
#ifndef TT_BASE_H
#define TT_BASE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tasktrace/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CLOCK_MONOTONIC in nanoseconds: the one clock of every timestamp and
 * every timeout (async-signal-safe). */
uint64_t tt_now_ns(void);
/* CLOCK_REALTIME in nanoseconds since the epoch: for wall-clock labels only
 * (a trace's start time), never to measure. */
uint64_t tt_realtime_ns(void);

/* ---- Untrusted strings on a terminal or in a log -------------------------
 * Every string that comes from a trace, a producer, a path or the
 * environment is printed through these (base/src/escape.c): control
 * characters (C0, DEL, C1), invalid UTF-8, bidi overrides and invisible
 * format characters are shown as escapes ("\x1b", "\n", "\u{202e}", a
 * backslash as two) or, with TT_ESC_COMPACT, as one '?' each (for views where
 * a character is a column). */
#define TT_ESC_COMPACT 1
/* Escape len bytes of src (len (size_t)-1: up to its NUL) into dst (cap
 * bytes, always NUL-terminated; what does not fit ends in "..."). Returns
 * the length written. */
size_t tt_escape(char *dst, size_t cap, const char *src, size_t len, int flags);
/* tt_escape of a whole string into buf, returned: for one printf argument. */
const char *tt_esc(char *buf, size_t cap, const char *s);
/* Length (1..4) of the valid UTF-8 sequence at s (n bytes available) and
 * its code point in *cp, or 0 if the bytes there are not valid UTF-8
 * (overlong forms and surrogates included). */
int tt_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Write s escaped, however long it is. */
void tt_fput_escaped(FILE *out, const char *s, int flags);

/* ---- Containers ----------------------------------------------------------
 * One of each, for every room (base/src/vec.c, map.c, strmap.c, ring.c; the
 * heap is header-only). All zero is an empty container of every kind, and
 * *_free makes it empty again. Sizes are checked: a count whose bytes do not
 * fit a size_t is -EOVERFLOW, not a short allocation. On an error the
 * container is as it was. Element-generic ones take the element's size at
 * each call (always a sizeof, so the inline paths fold it to a constant). */

/* ---- Output files ---- */

/* Create path for writing (0600), or empty it if it is a regular file of
 * ours with one name; never through a symbolic link (-EPERM), never a FIFO
 * or device (-EINVAL), never a file of another user's or with other names
 * (-EPERM). Returns the descriptor (O_CLOEXEC, blocking) or -errno. */
int tt_open_private(const char *path);
/* The same, open for reading too (O_RDWR): what a shared writable mapping
 * of the file needs (the schedule files, runtime/src/policy.c). */
int tt_open_private_rw(const char *path);

/* ---- Threads ---- */

/* Start fn(arg) on a new thread that takes no signal (every signal blocked
 * in it), so that a program's handlers and sigwait never land on a helper
 * of ours; the caller's own mask is left as it was. 0 or a negative errno
 * (pthread_create's). */
#include <pthread.h>
int tt_thread_start_nosig(pthread_t *th, void *(*fn)(void *), void *arg);

/* ---- Growable arrays ---- */

/* Room for `need` elements of `elem` bytes in the array at *arrayp (any
 * T **), of capacity *cap: when it is short, the capacity doubles (from
 * `first` when the array is empty) until it fits, and the new elements are
 * zeroed. Returns 0, -ENOMEM or -EOVERFLOW, with the array and *cap as they
 * were on an error. */
int tt_grow(void *arrayp, size_t *cap, size_t need, size_t elem, size_t first);

/* An array with its length, for code that does not keep its own. */
typedef struct tt_vec {
  void *data;
  size_t len, cap; /* in elements */
} tt_vec;
/* Capacity for n elements. 0, -ENOMEM or -EOVERFLOW. */
int tt_vec_reserve(tt_vec *v, size_t n, size_t elem);
/* A new zeroed element at the end, or NULL when out of memory. */
void *tt_vec_push(tt_vec *v, size_t elem);
void tt_vec_free(tt_vec *v);
#define TT_VEC_AT(v, T, i) (((T *)(v)->data)[i])

/* ---- A hash map from 64-bit keys to 64-bit values (or pointers) ----
 * Open addressing with linear probing, at most 3/4 full; every key is
 * allowed (0 is kept beside the table, since 0 marks an empty slot) and a
 * deletion shifts its followers back, so there are no tombstones. */
typedef struct tt_map_slot {
  uint64_t key, val;
} tt_map_slot;
typedef struct tt_map {
  tt_map_slot *slots; /* key 0: empty */
  size_t cap, len;    /* cap: 0 or a power of two; len counts key 0 too */
  bool has_zero;      /* key 0 is in the map, with value zero_val */
  uint64_t zero_val;
} tt_map;
/* Set key to val, replacing any value (into *old when old is not NULL;
 * *old is left alone for a new key). Returns 1 when the key was there, 0
 * when it is new, or -ENOMEM/-EOVERFLOW (the map unchanged). */
int tt_map_put(tt_map *m, uint64_t key, uint64_t val, uint64_t *old);
/* 1 and *val (when val is not NULL) if key is in the map, else 0. */
int tt_map_get(const tt_map *m, uint64_t key, uint64_t *val);
/* Remove key: 1 and its value in *val (when not NULL), or 0 if absent. */
int tt_map_del(tt_map *m, uint64_t key, uint64_t *val);
/* Iterate: from *pos 0, 1 with the next entry's key and value (either
 * pointer may be NULL), 0 after the last; in no particular order, and the
 * map must not change meanwhile. */
int tt_map_next(const tt_map *m, size_t *pos, uint64_t *key, uint64_t *val);
void tt_map_free(tt_map *m);

/* ---- Strings: the one string hash, and string -> id (interning) ---- */
static inline uint64_t tt_strhash(const char *s, size_t len) {
  uint64_t h = 14695981039346656037ull; /* FNV-1a, 64-bit */
  for (size_t i = 0; i < len; i++)
    h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
  return h;
}
typedef struct tt_strent {
  char *s; /* the map's NUL-terminated copy; NULL: an empty slot */
  size_t len;
  uint64_t hash, id;
} tt_strent;
typedef struct tt_strmap {
  tt_strent *ents; /* open addressing, linear probing, at most 3/4 full */
  size_t cap, len; /* cap: 0 or a power of two */
  size_t bytes;    /* the copies' bytes, NULs included: what the map holds */
} tt_strmap;
/* The entry of s[0..len) (hash: tt_strhash of it, computed once by the
 * caller), or NULL when absent. */
const tt_strent *tt_strmap_find(const tt_strmap *m, const char *s, size_t len,
                                          uint64_t hash);
/* Add s[0..len) (copied; not already in the map) with id, and point
 * *copy (when not NULL) at the map's copy, which stays where it is until
 * the map is freed. 0, -ENOMEM or -EOVERFLOW. */
int tt_strmap_add(tt_strmap *m, const char *s, size_t len, uint64_t hash, uint64_t id,
                            const char **copy);
/* Point *out at the map's copy of the NUL-terminated str, added on first
 * sight with the id len (the count of strings before it). 0, -ENOMEM or
 * -EOVERFLOW. */
int tt_strmap_intern(tt_strmap *m, const char *str, const char **out);
void tt_strmap_free(tt_strmap *m);

/* ---- A ring: a FIFO of elements, growing by doubling ----
 * The queue of the scheduler (a hot path: push and pop are inline) and of
 * the viewer's read-ahead. */
typedef struct tt_ring {
  void *buf;
  size_t cap, head, len; /* cap: 0 or a power of two */
} tt_ring;
/* Capacity for n elements, order kept. 0, -ENOMEM or -EOVERFLOW. */
int tt_ring_reserve(tt_ring *r, size_t n, size_t elem);
void tt_ring_free(tt_ring *r);
/* The i-th element from the front (i < len). */
static inline void *tt_ring_at(const tt_ring *r, size_t i, size_t elem) {
  return (char *)r->buf + ((r->head + i) & (r->cap - 1)) * elem;
}
/* A new slot at the back, for a ring known to have room (len < cap: the
 * caller reserved it). */
static inline void *tt_ring_push_reserved(tt_ring *r, size_t elem) {
  return tt_ring_at(r, r->len++, elem);
}
/* A new slot at the back, or NULL when out of memory. */
static inline void *tt_ring_push(tt_ring *r, size_t elem) {
  /* len + 1 cannot wrap: len <= cap, and cap * elem fits a size_t. */
  if (__builtin_expect(r->len == r->cap, 0) && tt_ring_reserve(r, r->len + 1, elem) < 0)
    return NULL;
  return tt_ring_push_reserved(r, elem);
}
/* Drop the front element (len > 0); read it first with tt_ring_at(r, 0). */
static inline void tt_ring_pop(tt_ring *r) {
  r->head = (r->head + 1) & (r->cap - 1);
  r->len--;
}

/* ---- Binary heaps, generated for their element type ----
 * TT_HEAP_DEFINE(name, T, C, LESS, MOVED) defines static inline functions
 * over an array T *a of n elements, with a context C ctx handed to
 * LESS(ctx, const T *x, const T *y) (x must come out before y) and to
 * MOVED(ctx, T *x, size_t i), called whenever an element lands at index i
 * (for heaps that let an element be removed from the middle: the element
 * keeps its index; TT_HEAP_UNTRACKED where none is needed):
 *   name_up(ctx, a, i), name_down(ctx, a, n, i): restore the order from i;
 *   name_fix(ctx, a, n, i): after the element at i changed either way;
 *   name_heapify(ctx, a, n): order an unordered array;
 *   name_push(ctx, &a, &n, &cap, v): add v, growing the array (tt_grow):
 *     0, -ENOMEM or -EOVERFLOW;
 *   name_remove(ctx, a, &n, i): remove the element at i (the top is 0).
 * Generated rather than called through pointers: the runtime's timer heap
 * is on the path of every timed wait. */
#define TT_HEAP_UNTRACKED(ctx, x, i) ((void)(ctx), (void)(x), (void)(i))
#define TT_HEAP_DEFINE(name, T, C, LESS, MOVED)                                                    \
  static inline void name##_set(C ctx, T *a, size_t i, T v) {                                      \
    a[i] = v;                                                                                      \
    MOVED(ctx, &a[i], i);                                                                          \
  }                                                                                                \
  static inline void name##_up(C ctx, T *a, size_t i) {                                            \
    T v = a[i];                                                                                    \
    while (i > 0) {                                                                                \
      size_t p = (i - 1) / 2;                                                                      \
      if (!(LESS(ctx, &v, &a[p])))                                                                 \
        break;                                                                                     \
      name##_set(ctx, a, i, a[p]);                                                                 \
      i = p;                                                                                       \
    }                                                                                              \
    name##_set(ctx, a, i, v);                                                                      \
  }                                                                                                \
  static inline void name##_down(C ctx, T *a, size_t n, size_t i) {                                \
    T v = a[i];                                                                                    \
    for (;;) {                                                                                     \
      size_t c = 2 * i + 1;                                                                        \
      if (c >= n)                                                                                  \
        break;                                                                                     \
      if (c + 1 < n && (LESS(ctx, &a[c + 1], &a[c])))                                              \
        c++;                                                                                       \
      if (!(LESS(ctx, &a[c], &v)))                                                                 \
        break;                                                                                     \
      name##_set(ctx, a, i, a[c]);                                                                 \
      i = c;                                                                                       \
    }                                                                                              \
    name##_set(ctx, a, i, v);                                                                      \
  }                                                                                                \
  static inline void name##_fix(C ctx, T *a, size_t n, size_t i) {                                 \
    if (i > 0 && (LESS(ctx, &a[i], &a[(i - 1) / 2])))                                              \
      name##_up(ctx, a, i);                                                                        \
    else                                                                                           \
      name##_down(ctx, a, n, i);                                                                   \
  }                                                                                                \
  static inline void name##_heapify(C ctx, T *a, size_t n) {                                       \
    for (size_t i = n / 2; i-- > 0;)                                                               \
      name##_down(ctx, a, n, i);                                                                   \
  }                                                                                                \
  static inline int name##_push(C ctx, T **a, size_t *n, size_t *cap, T v) {                       \
    if (*n == *cap) {                                                                              \
      int r_ = tt_grow(a, cap, *n + 1, sizeof(T), 64);                                             \
      if (r_ < 0)                                                                                  \
        return r_;                                                                                 \
    }                                                                                              \
    (*a)[*n] = v;                                                                                  \
    name##_up(ctx, *a, (*n)++);                                                                    \
    return 0;                                                                                      \
  }                                                                                                \
  static inline void name##_remove(C ctx, T *a, size_t *n, size_t i) {                             \
    if (i < --*n) {                                                                                \
      a[i] = a[*n];                                                                                \
      name##_fix(ctx, a, *n, i);                                                                   \
    }                                                                                              \
  }

#ifdef __cplusplus
}
#endif
#endif /* TT_BASE_H */
