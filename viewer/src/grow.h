/* Private: the viewer's name for the base array grower (tt_grow in
 * tt_base.h): room for `need` elements of `elem` bytes in the array at
 * *arrayp (any T **), of capacity *cap, doubling from `first`, new elements
 * zeroed. Returns 0, -ENOMEM or -EOVERFLOW, the array as it was on error. */
#ifndef TT_VIEWER_GROW_H
#define TT_VIEWER_GROW_H

#include "tt_base.h"

#define tt__grow tt_grow

#endif
