/* (pid, id) -> index (vmap.h): a base map of ids per process. */
#include <stdlib.h>

#include "vmap.h"

void tt__vmap_init(tt__vmap *m) { *m = (tt__vmap){0}; }

void tt__vmap_free(tt__vmap *m) {
  for (size_t i = 0; i < m->nids; i++)
    tt_map_free(&m->ids[i]);
  free(m->ids);
  tt_map_free(&m->pids);
  tt__vmap_init(m);
}

uint32_t tt__vmap_get(const tt__vmap *m, uint32_t pid, uint64_t id) {
  uint64_t i, v;
  if (!tt_map_get(&m->pids, pid, &i) || !tt_map_get(&m->ids[i], id, &v))
    return UINT32_MAX;
  return (uint32_t)v;
}

int tt__vmap_put(tt__vmap *m, uint32_t pid, uint64_t id, uint32_t val) {
  uint64_t i;
  int r;
  if (!tt_map_get(&m->pids, pid, &i)) {
    if ((r = tt_grow(&m->ids, &m->cap, m->nids + 1, sizeof *m->ids, 4)) < 0 ||
        (r = tt_map_put(&m->pids, pid, m->nids, NULL)) < 0)
      return r;
    i = m->nids++; /* its map is all zero: empty */
  }
  r = tt_map_put(&m->ids[i], id, val, NULL);
  return r < 0 ? r : 0;
}
