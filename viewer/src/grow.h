/* Private: the one way the viewer grows an array. */
#ifndef TT_VIEWER_GROW_H
#define TT_VIEWER_GROW_H

#include <stddef.h>

/* Room for `need` elements of `elem` bytes in the array at *arrayp (any
 * T **), of capacity *cap: when it is short, the capacity doubles (from
 * `first` when the array is empty) until it fits, and the new elements are
 * zeroed. Returns 0, or -ENOMEM with the array and *cap as they were. */
int tt__grow(void *arrayp, size_t *cap, size_t need, size_t elem, size_t first);

#endif
