/* (pid, id) -> index: linear probing, load factor at most 1/2. */
#include <errno.h>
#include <stdlib.h>

#include "vmap.h"

static inline uint32_t hash(uint32_t pid, uint64_t id) {
  uint64_t h = (id ^ ((uint64_t)pid << 32)) * 0x9e3779b97f4a7c15ull;
  return (uint32_t)(h >> 32);
}

void tt__vmap_init(tt__vmap *m) {
  m->slots = NULL;
  m->cap = m->len = 0;
}

void tt__vmap_free(tt__vmap *m) {
  free(m->slots);
  tt__vmap_init(m);
}

uint32_t tt__vmap_get(const tt__vmap *m, uint32_t pid, uint64_t id) {
  if (m->cap == 0)
    return UINT32_MAX;
  uint32_t mask = m->cap - 1;
  for (uint32_t i = hash(pid, id) & mask;; i = (i + 1) & mask) {
    const tt__vmap_slot *s = &m->slots[i];
    if (s->val == UINT32_MAX)
      return UINT32_MAX;
    if (s->id == id && s->pid == pid)
      return s->val;
  }
}

static void insert(tt__vmap_slot *slots, uint32_t cap, uint32_t pid, uint64_t id, uint32_t val,
                   uint32_t *len) {
  uint32_t mask = cap - 1;
  for (uint32_t i = hash(pid, id) & mask;; i = (i + 1) & mask) {
    tt__vmap_slot *s = &slots[i];
    if (s->val == UINT32_MAX) {
      s->id = id;
      s->pid = pid;
      s->val = val;
      (*len)++;
      return;
    }
    if (s->id == id && s->pid == pid) {
      s->val = val;
      return;
    }
  }
}

int tt__vmap_put(tt__vmap *m, uint32_t pid, uint64_t id, uint32_t val) {
  if ((m->len + 1) * 2 > m->cap) {
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    if (cap == 0)
      return -ENOMEM;
    tt__vmap_slot *slots = malloc((size_t)cap * sizeof *slots);
    if (slots == NULL)
      return -ENOMEM;
    for (uint32_t i = 0; i < cap; i++)
      slots[i].val = UINT32_MAX;
    uint32_t len = 0;
    for (uint32_t i = 0; i < m->cap; i++)
      if (m->slots[i].val != UINT32_MAX)
        insert(slots, cap, m->slots[i].pid, m->slots[i].id, m->slots[i].val, &len);
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->len = len;
  }
  insert(m->slots, m->cap, pid, id, val, &m->len);
  return 0;
}
