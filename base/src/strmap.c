/* Strings to ids, each string stored once (tt_base.h). */
#include <stdlib.h>
#include <string.h>

#include "tt_base.h"

const tt_strent *tt_strmap_find(const tt_strmap *m, const char *s, size_t len, uint64_t hash) {
  if (m->cap == 0)
    return NULL;
  for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    const tt_strent *e = &m->ents[i];
    if (e->s == NULL)
      return NULL;
    if (e->hash == hash && e->len == len && memcmp(e->s, s, len) == 0)
      return e;
  }
}

static tt_strent *insert(tt_strent *ents, size_t cap, tt_strent e) {
  size_t i = e.hash & (cap - 1);
  while (ents[i].s != NULL)
    i = (i + 1) & (cap - 1);
  ents[i] = e;
  return &ents[i];
}

static int grow(tt_strmap *m) {
  if (m->cap > SIZE_MAX / 2 / sizeof(tt_strent))
    return -EOVERFLOW;
  size_t ncap = m->cap ? m->cap * 2 : 64;
  tt_strent *ne = calloc(ncap, sizeof *ne);
  if (ne == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < m->cap; i++)
    if (m->ents[i].s != NULL)
      insert(ne, ncap, m->ents[i]);
  free(m->ents);
  m->ents = ne;
  m->cap = ncap;
  return 0;
}

int tt_strmap_add(tt_strmap *m, const char *s, size_t len, uint64_t hash, uint64_t id,
                  const char **copyp) {
  int r;
  if (len == SIZE_MAX)
    return -EOVERFLOW;
  if ((m->len + 1) * 4 > m->cap * 3 && (r = grow(m)) < 0)
    return r;
  char *copy = malloc(len + 1);
  if (copy == NULL)
    return -ENOMEM;
  memcpy(copy, s, len);
  copy[len] = 0;
  m->len++;
  m->bytes += len + 1;
  insert(m->ents, m->cap, (tt_strent){copy, len, hash, id});
  if (copyp)
    *copyp = copy;
  return 0;
}

int tt_strmap_intern(tt_strmap *m, const char *str, const char **out) {
  size_t len = strlen(str);
  uint64_t h = tt_strhash(str, len);
  const tt_strent *e = tt_strmap_find(m, str, len, h);
  if (e != NULL) {
    *out = e->s;
    return 0;
  }
  return tt_strmap_add(m, str, len, h, m->len, out);
}

void tt_strmap_free(tt_strmap *m) {
  for (size_t i = 0; i < m->cap; i++)
    free(m->ents[i].s);
  free(m->ents);
  *m = (tt_strmap){0};
}
