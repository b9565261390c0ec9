/* Private: a set of interned strings, for the strings many records share
 * (spawn sites in the model, LTTng field strings that must outlive their
 * messages): each distinct string is stored once and freed with the set.
 * The base string map (tt_base.h) under the viewer's old name. */
#ifndef TT_VIEWER_STRSET_H
#define TT_VIEWER_STRSET_H

#include "tt_base.h"

/* All zero is an empty set. */
typedef tt_strmap tt__strset;

/* The set's copy of str (made on first sight), or NULL when out of memory. */
static inline char *tt__strset_intern(tt__strset *s, const char *str) {
  const char *copy;
  return tt_strmap_intern(s, str, &copy) < 0 ? NULL : (char *)copy;
}
/* Free every string and the set's memory; s is empty again. */
static inline void tt__strset_free(tt__strset *s) { tt_strmap_free(s); }

#endif
