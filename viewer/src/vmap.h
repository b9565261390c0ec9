/* Private: a map from (pid, id) to a 32-bit index, the one lookup
 * structure of the model (tasks, locks, object names), built on the base
 * map (tt_base.h): one map of ids per process, found through a map of
 * pids (a trace names few processes, so that costs one short probe). */
#ifndef TT_VIEWER_VMAP_H
#define TT_VIEWER_VMAP_H

#include <stdint.h>

#include "tt_base.h"

typedef struct tt__vmap {
  tt_map pids; /* pid -> index in ids */
  tt_map *ids; /* per process: id -> value */
  size_t nids, cap;
} tt__vmap;

void tt__vmap_init(tt__vmap *m);
void tt__vmap_free(tt__vmap *m);
/* The value stored for (pid, id), or UINT32_MAX. */
uint32_t tt__vmap_get(const tt__vmap *m, uint32_t pid, uint64_t id);
/* Store val for (pid, id), replacing any. Returns 0, -ENOMEM or -EOVERFLOW. */
int tt__vmap_put(tt__vmap *m, uint32_t pid, uint64_t id, uint32_t val);

#endif
