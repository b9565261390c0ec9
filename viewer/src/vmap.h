/* Private: an open-addressing hash map from (pid, id) to a 32-bit index,
 * the one lookup structure of the model (tasks, locks, object names). */
#ifndef TT_VIEWER_VMAP_H
#define TT_VIEWER_VMAP_H

#include <stdint.h>

typedef struct tt__vmap_slot {
  uint64_t id;
  uint32_t pid;
  uint32_t val; /* UINT32_MAX: empty */
} tt__vmap_slot;

typedef struct tt__vmap {
  tt__vmap_slot *slots;
  uint32_t cap, len; /* cap is a power of two */
} tt__vmap;

void tt__vmap_init(tt__vmap *m);
void tt__vmap_free(tt__vmap *m);
/* The value stored for (pid, id), or UINT32_MAX. */
uint32_t tt__vmap_get(const tt__vmap *m, uint32_t pid, uint64_t id);
/* Store val for (pid, id), replacing any. Returns 0 or -ENOMEM. */
int tt__vmap_put(tt__vmap *m, uint32_t pid, uint64_t id, uint32_t val);

#endif
