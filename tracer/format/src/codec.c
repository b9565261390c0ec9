/* The record decoder (shared by the collector, which validates every byte a
 * producer sends, and the file reader), an id map, and CRC-32. */
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

#include "tasktrace/wire.h"
#include "tasktrace/ingest.h"

#define TT__KD(k) TT_FIELD_##k
#define TT__KROW(id, nm, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                        \
  [id] = {TT__KD(k0), TT__KD(k1), TT__KD(k2), TT__KD(k3)},
const uint8_t tt__kinds[TT_EV_MAX][TT_EVENT_FIELDS] = {TT_EVENTS(TT__KROW)};

int tt__rec_next(tt__dstate *d, const uint8_t **pp, const uint8_t *end, tt__rec *r,
                 const char **why) {
  const uint8_t *p = *pp;
  if (p >= end)
    return 0;
  unsigned tag = *p++;
  r->tag = tag;
  if (tag == TT__TAG_STRDEF) {
    uint64_t id, len;
    if ((p = tt__get_varint(p, end, &id)) == NULL || (p = tt__get_varint(p, end, &len)) == NULL) {
      *why = "string definition cut short";
      return -EBADMSG;
    }
    if (len > TT__STR_MAX || len > (uint64_t)(end - p)) {
      *why = "string definition longer than its message";
      return -EBADMSG;
    }
    if (memchr(p, 0, len) != NULL) {
      *why = "NUL byte in a string";
      return -EBADMSG;
    }
    r->str_id = id;
    r->str = (const char *)p;
    r->str_len = len;
    *pp = p + len;
    return 1;
  }
  if (tag == TT_EV_NONE || tag >= TT_EV_MAX) {
    *why = "unknown record type";
    return -EBADMSG;
  }
  uint64_t v;
  if ((p = tt__get_varint(p, end, &v)) == NULL) {
    *why = "timestamp cut short";
    return -EBADMSG;
  }
  d->ts += v;
  r->ts = d->ts;
  const uint8_t *kind = tt__kinds[tag];
  uint64_t *prev = d->prev[tag];
  for (int i = 0; i < TT_EVENT_FIELDS; i++) {
    if (kind[i] == TT_FIELD_NONE) {
      r->u[i] = 0;
      continue;
    }
    if ((p = tt__get_varint(p, end, &v)) == NULL) {
      *why = "field cut short";
      return -EBADMSG;
    }
    if (kind[i] == TT_FIELD_STR) {
      r->u[i] = v;
    } else {
      prev[i] += (uint64_t)tt__unzigzag(v);
      r->u[i] = prev[i];
    }
  }
  *pp = p;
  return 1;
}

static size_t slot_of(uint64_t key, size_t cap) {
  key *= 0x9e3779b97f4a7c15ull;
  return (size_t)(key >> 17) & (cap - 1);
}

static int idmap_grow(tt__idmap *m) {
  size_t ncap = m->cap ? m->cap * 2 : 64;
  uint64_t *nk = calloc(ncap, sizeof *nk);
  void **nv = calloc(ncap, sizeof *nv);
  if (nk == NULL || nv == NULL) {
    free(nk);
    free(nv);
    return -ENOMEM;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (m->keys[i] == 0)
      continue;
    size_t s = slot_of(m->keys[i], ncap);
    while (nk[s] != 0)
      s = (s + 1) & (ncap - 1);
    nk[s] = m->keys[i];
    nv[s] = m->vals[i];
  }
  free(m->keys);
  free(m->vals);
  m->keys = nk;
  m->vals = nv;
  m->cap = ncap;
  return 0;
}

int tt__idmap_put(tt__idmap *m, uint64_t id, void *val, void **old) {
  if (old)
    *old = NULL;
  if ((m->n + 1) * 4 >= m->cap * 3) {
    int r = idmap_grow(m);
    if (r < 0)
      return r;
  }
  uint64_t key = id + 1; /* 0 marks an empty slot; id UINT64_MAX folds to 0: refuse it */
  if (key == 0)
    return -EINVAL;
  size_t s = slot_of(key, m->cap);
  while (m->keys[s] != 0 && m->keys[s] != key)
    s = (s + 1) & (m->cap - 1);
  if (m->keys[s] == key) {
    if (old)
      *old = m->vals[s];
  } else {
    m->keys[s] = key;
    m->n++;
  }
  m->vals[s] = val;
  return 0;
}

void *tt__idmap_get(const tt__idmap *m, uint64_t id, int *found) {
  *found = 0;
  if (m->cap == 0 || id + 1 == 0)
    return NULL;
  size_t s = slot_of(id + 1, m->cap);
  while (m->keys[s] != 0) {
    if (m->keys[s] == id + 1) {
      *found = 1;
      return m->vals[s];
    }
    s = (s + 1) & (m->cap - 1);
  }
  return NULL;
}

void tt__idmap_free(tt__idmap *m, void (*free_val)(void *)) {
  if (free_val)
    for (size_t i = 0; i < m->cap; i++)
      if (m->keys[i] != 0)
        free_val(m->vals[i]);
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

uint32_t tt__crc32(const void *p, size_t len) {
  return (uint32_t)crc32(0L, (const Bytef *)p, (uInt)len);
}

struct tt__strent {
  char *s; /* NUL-terminated copy */
  size_t len;
  uint64_t hash, id;
};

int64_t tt__strmap_get(const tt__strmap *m, const char *s, size_t len, uint64_t hash) {
  if (m->cap == 0)
    return -1;
  for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    const struct tt__strent *e = &m->ents[i];
    if (e->s == NULL)
      return -1;
    if (e->hash == hash && e->len == len && memcmp(e->s, s, len) == 0)
      return (int64_t)e->id;
  }
}

static void strmap_insert(struct tt__strent *ents, size_t cap, struct tt__strent e) {
  size_t i = e.hash & (cap - 1);
  while (ents[i].s != NULL)
    i = (i + 1) & (cap - 1);
  ents[i] = e;
}

int tt__strmap_put(tt__strmap *m, const char *s, size_t len, uint64_t hash, uint64_t id) {
  if ((m->n + 1) * 4 >= m->cap * 3) {
    size_t ncap = m->cap ? m->cap * 2 : 256;
    struct tt__strent *ne = calloc(ncap, sizeof *ne);
    if (ne == NULL)
      return -ENOMEM;
    for (size_t i = 0; i < m->cap; i++)
      if (m->ents[i].s != NULL)
        strmap_insert(ne, ncap, m->ents[i]);
    free(m->ents);
    m->ents = ne;
    m->cap = ncap;
  }
  char *copy = malloc(len + 1);
  if (copy == NULL)
    return -ENOMEM;
  memcpy(copy, s, len);
  copy[len] = 0;
  strmap_insert(m->ents, m->cap, (struct tt__strent){copy, len, hash, id});
  m->n++;
  return 0;
}

void tt__strmap_clear(tt__strmap *m) {
  for (size_t i = 0; i < m->cap; i++)
    free(m->ents[i].s);
  free(m->ents);
  memset(m, 0, sizeof *m);
}
