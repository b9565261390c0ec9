/* Private: a set of interned strings, for the strings many records share
 * (spawn sites in the model, LTTng field strings that must outlive their
 * messages): each distinct string is stored once and freed with the set. */
#ifndef TT_VIEWER_STRSET_H
#define TT_VIEWER_STRSET_H

#include <stddef.h>

/* All zero is an empty set. */
typedef struct tt__strset {
  char **slots; /* open addressing, linear probing; NULL: empty */
  size_t n, cap; /* cap is 0 or a power of two, kept at least 2 * n */
} tt__strset;

/* The set's copy of str (made on first sight), or NULL when out of memory. */
char *tt__strset_intern(tt__strset *s, const char *str);
/* Free every string and the set's memory; s is empty again. */
void tt__strset_free(tt__strset *s);

#endif
