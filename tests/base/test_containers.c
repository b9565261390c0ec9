/* The shared containers (base/): each checked against a plain reference
 * under many random operations, plus the edges that bite: wrap-around,
 * growth that moves the storage, colliding keys, sizes that overflow. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tt_base.h"
#include "tt_test.h"

/* splitmix64: a reproducible stream of test inputs. */
static uint64_t rng_state = 42;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

TEST(grow_doubles_and_zeroes) {
  int *a = NULL;
  size_t cap = 0;
  ASSERT_OK(tt_grow(&a, &cap, 1, sizeof *a, 4));
  ASSERT_EQ(cap, 4);
  for (size_t i = 0; i < cap; i++)
    ASSERT_EQ(a[i], 0);
  a[3] = 7;
  ASSERT_OK(tt_grow(&a, &cap, 9, sizeof *a, 4));
  ASSERT_EQ(cap, 16);
  ASSERT_EQ(a[3], 7);
  for (size_t i = 4; i < cap; i++)
    ASSERT_EQ(a[i], 0);
  ASSERT_OK(tt_grow(&a, &cap, 16, sizeof *a, 4)); /* fits: unchanged */
  ASSERT_EQ(cap, 16);
  free(a);
}

TEST(grow_refuses_overflow) {
  uint64_t *a = NULL;
  size_t cap = 0;
  ASSERT_OK(tt_grow(&a, &cap, 3, sizeof *a, 4));
  uint64_t *before = a;
  /* need * elem does not fit a size_t: an error, never a short buffer. */
  ASSERT_ERR(tt_grow(&a, &cap, SIZE_MAX / 4, sizeof *a, 4), -EOVERFLOW);
  ASSERT_ERR(tt_grow(&a, &cap, SIZE_MAX, sizeof *a, 4), -EOVERFLOW);
  ASSERT_EQ(cap, 4);
  ASSERT_TRUE(a == before);
  /* Fits a size_t but not memory. */
  ASSERT_ERR(tt_grow(&a, &cap, SIZE_MAX / 16, sizeof *a, 4), -ENOMEM);
  ASSERT_EQ(cap, 4);
  free(a);
  tt_vec v = {0};
  ASSERT_ERR(tt_vec_reserve(&v, SIZE_MAX / 2, 4), -EOVERFLOW);
  ASSERT_EQ(v.cap, 0);
}

TEST(vec_push) {
  tt_vec v = {0};
  for (uint32_t i = 0; i < 10000; i++) {
    uint32_t *p = tt_vec_push(&v, sizeof *p);
    ASSERT_TRUE(p != NULL);
    ASSERT_EQ(*p, 0);
    *p = i * 3;
  }
  ASSERT_EQ(v.len, 10000);
  for (uint32_t i = 0; i < 10000; i++)
    ASSERT_EQ(TT_VEC_AT(&v, uint32_t, i), i * 3);
  tt_vec_free(&v);
  ASSERT_TRUE(v.data == NULL && v.len == 0 && v.cap == 0);
}

/* ---- map ---- */

#define NKEYS 2048
/* A reference: parallel arrays searched linearly. */
typedef struct {
  uint64_t key[NKEYS], val[NKEYS];
  size_t n;
} ref_map;

static long ref_find(const ref_map *r, uint64_t key) {
  for (size_t i = 0; i < r->n; i++)
    if (r->key[i] == key)
      return (long)i;
  return -1;
}

static void check_map(const tt_map *m, const ref_map *r, const uint64_t *universe, size_t nu) {
  ASSERT_EQ(m->len, r->n);
  for (size_t i = 0; i < nu; i++) {
    uint64_t v = 0;
    long j = ref_find(r, universe[i]);
    ASSERT_EQ(tt_map_get(m, universe[i], &v), j >= 0);
    if (j >= 0)
      ASSERT_EQ(v, r->val[j]);
  }
}

/* Random puts (replacing) and deletes over keys drawn from a universe, so
 * that deletes hit and probe runs form and wrap, checked against the
 * reference as they go. */
static void map_random_ops(uint64_t *universe, size_t nu, int rounds) {
  tt_map m = {0};
  static ref_map r;
  r.n = 0;
  for (int op = 0; op < rounds; op++) {
    uint64_t k = universe[rnd() % nu], v = rnd(), old = 0;
    long j = ref_find(&r, k);
    if (rnd() % 3 != 0) {
      ASSERT_EQ(tt_map_put(&m, k, v, &old), j >= 0);
      if (j >= 0) {
        ASSERT_EQ(old, r.val[j]);
        r.val[j] = v;
      } else {
        r.key[r.n] = k;
        r.val[r.n++] = v;
      }
    } else {
      ASSERT_EQ(tt_map_del(&m, k, &old), j >= 0);
      if (j >= 0) {
        ASSERT_EQ(old, r.val[j]);
        r.key[j] = r.key[--r.n];
        r.val[j] = r.val[r.n];
      }
    }
    if (op % 97 == 0)
      check_map(&m, &r, universe, nu);
  }
  check_map(&m, &r, universe, nu);
  tt_map_free(&m);
  ASSERT_EQ(tt_map_get(&m, universe[0], NULL), 0);
}

TEST(map_random_vs_reference) {
  static uint64_t u[NKEYS];
  for (size_t i = 0; i < NKEYS; i++)
    u[i] = rnd();
  u[0] = 0;
  u[1] = UINT64_MAX;
  u[2] = 1;
  map_random_ops(u, NKEYS, 20000);
}

TEST(map_collisions_and_deletion) {
  /* Keys whose hash lands in the same slot: the slot is a function of
   * (key * C) >> 17, so find keys that share it by search, then delete
   * from the middle of their probe run and check the rest are found. */
  static uint64_t u[256];
  size_t n = 0;
  size_t target = (size_t)((1 * 0x9e3779b97f4a7c15ull) >> 17) & 63;
  for (uint64_t k = 1; n < 40; k++)
    if (((size_t)((k * 0x9e3779b97f4a7c15ull) >> 17) & 63) == target)
      u[n++] = k;
  tt_map m = {0};
  for (size_t i = 0; i < 40; i++)
    ASSERT_EQ(tt_map_put(&m, u[i], i, NULL), 0);
  for (size_t i = 0; i < 40; i += 3)
    ASSERT_EQ(tt_map_del(&m, u[i], NULL), 1);
  for (size_t i = 0; i < 40; i++) {
    uint64_t v = 99;
    ASSERT_EQ(tt_map_get(&m, u[i], &v), i % 3 != 0);
    if (i % 3 != 0)
      ASSERT_EQ(v, i);
  }
  tt_map_free(&m);
  /* And a colliding universe under random operations. */
  for (size_t i = 40; i < 256; i++)
    u[i] = (uint64_t)i << 47; /* aligned "addresses" */
  map_random_ops(u, 256, 20000);
}

TEST(map_iteration_and_growth) {
  tt_map m = {0};
  uint64_t want = 0;
  for (uint64_t i = 0; i < 100000; i++) {
    ASSERT_EQ(tt_map_put(&m, i * 4096, i, NULL), 0);
    want += (i * 4096) ^ i;
  }
  uint64_t count = 0, sum = 0, k, v;
  for (size_t pos = 0; tt_map_next(&m, &pos, &k, &v);) {
    count++;
    sum += k ^ v;
  }
  ASSERT_EQ(count, 100000);
  ASSERT_EQ(sum, want);
  ASSERT_EQ(tt_map_del(&m, 0, NULL), 1); /* key 0 too, kept beside the table */
  size_t pos = 0;
  ASSERT_EQ(tt_map_next(&m, &pos, &k, NULL), 1);
  ASSERT_NE(k, 0);
  ASSERT_LE(m.len * 4, m.cap * 3);
  tt_map_free(&m);
}

/* ---- strmap ---- */

TEST(strmap_intern) {
  tt_strmap m = {0};
  char buf[32];
  const char *first[3000];
  for (int i = 0; i < 3000; i++) {
    snprintf(buf, sizeof buf, "name-%d", i);
    ASSERT_OK(tt_strmap_intern(&m, buf, &first[i]));
    ASSERT_STR_EQ(first[i], buf);
  }
  ASSERT_EQ(m.len, 3000);
  /* The same strings again: the same copies (they did not move when the
   * table grew), the same ids. */
  for (int i = 0; i < 3000; i++) {
    snprintf(buf, sizeof buf, "name-%d", i);
    const char *again;
    ASSERT_OK(tt_strmap_intern(&m, buf, &again));
    ASSERT_TRUE(again == first[i]);
    const tt_strent *e = tt_strmap_find(&m, buf, strlen(buf), tt_strhash(buf, strlen(buf)));
    ASSERT_TRUE(e != NULL);
    ASSERT_EQ(e->id, (uint64_t)i);
  }
  ASSERT_EQ(m.len, 3000);
  tt_strmap_free(&m);
}

TEST(strmap_lengths_and_hash) {
  tt_strmap m = {0};
  /* Embedded NULs and prefixes are different strings. */
  ASSERT_OK(tt_strmap_add(&m, "ab\0c", 4, tt_strhash("ab\0c", 4), 1, NULL));
  ASSERT_OK(tt_strmap_add(&m, "ab", 2, tt_strhash("ab", 2), 2, NULL));
  ASSERT_OK(tt_strmap_add(&m, "", 0, tt_strhash("", 0), 3, NULL));
  ASSERT_EQ(tt_strmap_find(&m, "ab\0c", 4, tt_strhash("ab\0c", 4))->id, 1);
  ASSERT_EQ(tt_strmap_find(&m, "ab", 2, tt_strhash("ab", 2))->id, 2);
  ASSERT_EQ(tt_strmap_find(&m, "", 0, tt_strhash("", 0))->id, 3);
  ASSERT_TRUE(tt_strmap_find(&m, "a", 1, tt_strhash("a", 1)) == NULL);
  /* A forced hash collision: same hash, different strings. */
  ASSERT_OK(tt_strmap_add(&m, "x", 1, 7, 4, NULL));
  ASSERT_OK(tt_strmap_add(&m, "y", 1, 7, 5, NULL));
  ASSERT_EQ(tt_strmap_find(&m, "x", 1, 7)->id, 4);
  ASSERT_EQ(tt_strmap_find(&m, "y", 1, 7)->id, 5);
  ASSERT_EQ(m.bytes, 5 + 3 + 1 + 2 + 2);
  ASSERT_ERR(tt_strmap_add(&m, "z", SIZE_MAX, 0, 6, NULL), -EOVERFLOW);
  /* FNV-1a's published vectors. */
  ASSERT_EQ(tt_strhash("", 0), 0xcbf29ce484222325ull);
  ASSERT_EQ(tt_strhash("a", 1), 0xaf63dc4c8601ec8cull);
  ASSERT_EQ(tt_strhash("foobar", 6), 0x85944171f73967e8ull);
  tt_strmap_free(&m);
}

/* ---- ring ---- */

TEST(ring_wraps_and_grows) {
  tt_ring r = {0};
  uint64_t next_in = 0, next_out = 0;
  /* Fill and drain by uneven amounts so that the head travels round the
   * buffer and growth happens while the contents wrap. */
  for (int round = 0; round < 2000; round++) {
    size_t in = rnd() % 40, out = rnd() % 40;
    for (size_t i = 0; i < in; i++) {
      uint64_t *p = tt_ring_push(&r, sizeof *p);
      ASSERT_TRUE(p != NULL);
      *p = next_in++;
    }
    for (size_t i = 0; i < out && r.len > 0; i++) {
      ASSERT_EQ(*(uint64_t *)tt_ring_at(&r, 0, sizeof(uint64_t)), next_out);
      next_out++;
      tt_ring_pop(&r);
    }
    ASSERT_EQ(r.len, next_in - next_out);
    for (size_t i = 0; i < r.len; i++)
      ASSERT_EQ(*(uint64_t *)tt_ring_at(&r, i, sizeof(uint64_t)), next_out + i);
  }
  tt_ring_free(&r);
}

TEST(ring_reserve_keeps_order) {
  tt_ring r = {0};
  ASSERT_OK(tt_ring_reserve(&r, 5, sizeof(int)));
  ASSERT_EQ(r.cap, 16);
  for (int i = 0; i < 16; i++)
    *(int *)tt_ring_push_reserved(&r, sizeof(int)) = i;
  for (int i = 0; i < 10; i++)
    tt_ring_pop(&r);
  for (int i = 16; i < 26; i++)
    *(int *)tt_ring_push_reserved(&r, sizeof(int)) = i; /* wraps: head is 10 */
  ASSERT_EQ(r.len, 16);
  ASSERT_OK(tt_ring_reserve(&r, 17, sizeof(int)));
  ASSERT_EQ(r.cap, 32);
  ASSERT_EQ(r.head, 0);
  for (int i = 0; i < 16; i++)
    ASSERT_EQ(*(int *)tt_ring_at(&r, (size_t)i, sizeof(int)), 10 + i);
  ASSERT_ERR(tt_ring_reserve(&r, SIZE_MAX, sizeof(int)), -EOVERFLOW);
  ASSERT_ERR(tt_ring_reserve(&r, SIZE_MAX / 2, sizeof(int)), -EOVERFLOW);
  ASSERT_EQ(r.cap, 32);
  tt_ring_free(&r);
}

/* ---- heap ---- */

typedef struct {
  uint64_t key;
  size_t idx; /* where the heap holds it */
} item;

static bool item_less(void *ctx, item *const *a, item *const *b) {
  (void)ctx;
  return (*a)->key < (*b)->key;
}
#define ITEM_LESS(ctx, a, b) item_less(ctx, a, b)
#define ITEM_MOVED(ctx, x, i) ((void)(ctx), (*(x))->idx = (i))
TT_HEAP_DEFINE(iheap, item *, void *, ITEM_LESS, ITEM_MOVED)

#define NITEMS 1000
static void check_heap(item **a, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ASSERT_EQ(a[i]->idx, i);
    if (i > 0)
      ASSERT_LE(a[(i - 1) / 2]->key, a[i]->key);
  }
}

TEST(heap_random_vs_reference) {
  static item items[NITEMS];
  static bool in[NITEMS]; /* the reference: which items are in */
  item **a = NULL;
  size_t n = 0, cap = 0;
  for (int op = 0; op < 50000; op++) {
    size_t k = rnd() % NITEMS;
    unsigned what = (unsigned)(rnd() % 4);
    if (what <= 1 && !in[k]) {    /* insert */
      items[k].key = rnd() % 500; /* many equal keys */
      ASSERT_OK(iheap_push(NULL, &a, &n, &cap, &items[k]));
      in[k] = true;
    } else if (what == 2 && in[k]) { /* remove from the middle */
      iheap_remove(NULL, a, &n, items[k].idx);
      in[k] = false;
    } else if (what == 3 && n > 0) { /* pop the minimum: no item is smaller */
      uint64_t min = UINT64_MAX;
      for (size_t i = 0; i < NITEMS; i++)
        if (in[i] && items[i].key < min)
          min = items[i].key;
      ASSERT_EQ(a[0]->key, min);
      in[a[0] - items] = false;
      iheap_remove(NULL, a, &n, 0);
    } else if (in[k]) { /* change a key in place */
      items[k].key = rnd() % 500;
      iheap_fix(NULL, a, n, items[k].idx);
    }
    size_t count = 0;
    for (size_t i = 0; i < NITEMS; i++)
      count += in[i];
    ASSERT_EQ(n, count);
    if (op % 101 == 0)
      check_heap(a, n);
  }
  check_heap(a, n);
  /* Drain: keys come out in order. */
  uint64_t last = 0;
  while (n > 0) {
    ASSERT_GE(a[0]->key, last);
    last = a[0]->key;
    iheap_remove(NULL, a, &n, 0);
  }
  free(a);
}

/* A heap of plain values with a context: indices ordered by a table. */
static bool by_table(const uint32_t *table, const uint32_t *a, const uint32_t *b) {
  return table[*a] < table[*b];
}
#define TABLE_LESS(ctx, a, b) by_table(ctx, a, b)
TT_HEAP_DEFINE(theap, uint32_t, const uint32_t *, TABLE_LESS, TT_HEAP_UNTRACKED)

TEST(heap_heapify_with_context) {
  static uint32_t table[5000], a[5000];
  for (uint32_t i = 0; i < 5000; i++) {
    table[i] = (uint32_t)rnd();
    a[i] = i;
  }
  theap_heapify(table, a, 5000);
  size_t n = 5000;
  uint32_t last = 0;
  while (n > 0) {
    ASSERT_GE(table[a[0]], last);
    last = table[a[0]];
    theap_remove(table, a, &n, 0);
  }
}

TEST(clock) {
  uint64_t a = tt_now_ns(), b = tt_now_ns();
  ASSERT_LE(a, b);
  ASSERT_GE(a, 1); /* CLOCK_MONOTONIC, not zero */
  /* The wall clock is after 2020 and far from the monotonic one. */
  ASSERT_GE(tt_realtime_ns(), 1577836800ull * 1000000000u);
}
