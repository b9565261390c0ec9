/* The hash map from 64-bit keys to 64-bit values (tt_base.h). */
#include <stdlib.h>

#include "tt_base.h"

/* Fibonacci hashing: the high bits of key * 2^64/phi, which spreads
 * sequential ids and aligned addresses alike. */
static inline size_t slot_of(uint64_t key, size_t cap) {
  return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

/* The slot of key, or of the empty slot where it would go. */
static size_t probe(const tt_map_slot *slots, size_t cap, uint64_t key) {
  size_t i = slot_of(key, cap);
  while (slots[i].key != 0 && slots[i].key != key)
    i = (i + 1) & (cap - 1);
  return i;
}

static int grow(tt_map *m) {
  if (m->cap > SIZE_MAX / 2 / sizeof(tt_map_slot))
    return -EOVERFLOW;
  size_t ncap = m->cap ? m->cap * 2 : 64;
  tt_map_slot *ns = calloc(ncap, sizeof *ns);
  if (ns == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key != 0)
      ns[probe(ns, ncap, m->slots[i].key)] = m->slots[i];
  free(m->slots);
  m->slots = ns;
  m->cap = ncap;
  return 0;
}

int tt_map_put(tt_map *m, uint64_t key, uint64_t val, uint64_t *old) {
  if (key == 0) {
    int had = m->has_zero;
    if (had && old)
      *old = m->zero_val;
    if (!had)
      m->len++;
    m->has_zero = true;
    m->zero_val = val;
    return had;
  }
  if ((m->len + 1) * 4 > m->cap * 3) {
    int r = grow(m);
    if (r < 0)
      return r;
  }
  tt_map_slot *s = &m->slots[probe(m->slots, m->cap, key)];
  int had = s->key == key;
  if (had && old)
    *old = s->val;
  if (!had)
    m->len++;
  s->key = key;
  s->val = val;
  return had;
}

int tt_map_get(const tt_map *m, uint64_t key, uint64_t *val) {
  if (key == 0) {
    if (m->has_zero && val)
      *val = m->zero_val;
    return m->has_zero;
  }
  if (m->cap == 0)
    return 0;
  const tt_map_slot *s = &m->slots[probe(m->slots, m->cap, key)];
  if (s->key != key)
    return 0;
  if (val)
    *val = s->val;
  return 1;
}

/* Backward-shift deletion: every follower in the probe run that may move
 * into the hole does, so that no lookup meets a gap before its key. */
static void remove_at(tt_map *m, size_t hole) {
  size_t mask = m->cap - 1;
  for (size_t j = (hole + 1) & mask; m->slots[j].key != 0; j = (j + 1) & mask) {
    size_t home = slot_of(m->slots[j].key, m->cap);
    /* j may fill the hole if its home is not in (hole, j], cyclically. */
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      m->slots[hole] = m->slots[j];
      hole = j;
    }
  }
  m->slots[hole].key = 0;
}

int tt_map_del(tt_map *m, uint64_t key, uint64_t *val) {
  if (key == 0) {
    if (!m->has_zero)
      return 0;
    if (val)
      *val = m->zero_val;
    m->has_zero = false;
    m->len--;
    return 1;
  }
  if (m->cap == 0)
    return 0;
  size_t i = probe(m->slots, m->cap, key);
  if (m->slots[i].key != key)
    return 0;
  if (val)
    *val = m->slots[i].val;
  remove_at(m, i);
  m->len--;
  return 1;
}

/* Position 0 is key 0 (kept beside the table); slot i is position i + 1. */
int tt_map_next(const tt_map *m, size_t *pos, uint64_t *key, uint64_t *val) {
  if (*pos == 0) {
    *pos = 1;
    if (m->has_zero) {
      if (key)
        *key = 0;
      if (val)
        *val = m->zero_val;
      return 1;
    }
  }
  for (; *pos <= m->cap; ++*pos) {
    const tt_map_slot *s = &m->slots[*pos - 1];
    if (s->key != 0) {
      ++*pos;
      if (key)
        *key = s->key;
      if (val)
        *val = s->val;
      return 1;
    }
  }
  return 0;
}

void tt_map_free(tt_map *m) {
  free(m->slots);
  *m = (tt_map){0};
}
