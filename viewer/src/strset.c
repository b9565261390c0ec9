/* Interned strings (strset.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strset.h"

/* FNV-1a. */
static uint64_t str_hash(const char *str) {
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)str; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  return h;
}

char *tt__strset_intern(tt__strset *s, const char *str) {
  if ((s->n + 1) * 2 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    char **n = calloc(cap, sizeof *n);
    if (n == NULL)
      return NULL;
    for (size_t i = 0; i < s->cap; i++)
      if (s->slots[i] != NULL) {
        size_t j = str_hash(s->slots[i]) & (cap - 1);
        while (n[j] != NULL)
          j = (j + 1) & (cap - 1);
        n[j] = s->slots[i];
      }
    free(s->slots);
    s->slots = n;
    s->cap = cap;
  }
  size_t j = str_hash(str) & (s->cap - 1);
  for (; s->slots[j] != NULL; j = (j + 1) & (s->cap - 1))
    if (strcmp(s->slots[j], str) == 0)
      return s->slots[j];
  if ((s->slots[j] = strdup(str)) == NULL)
    return NULL;
  s->n++;
  return s->slots[j];
}

void tt__strset_free(tt__strset *s) {
  for (size_t i = 0; i < s->cap; i++)
    free(s->slots[i]);
  free(s->slots);
  *s = (tt__strset){0};
}
