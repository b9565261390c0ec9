/* Growable arrays (tt_base.h): the one way an array grows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tt_base.h"

int tt_grow(void *arrayp, size_t *cap, size_t need, size_t elem, size_t first) {
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap : (first ? first : 1);
  while (c < need)
    c = c > SIZE_MAX / 2 ? need : c * 2;
  if (elem != 0 && c > SIZE_MAX / elem)
    return -EOVERFLOW;
  /* No object may be larger than PTRDIFF_MAX (malloc refuses it anyway):
   * out of memory, without asking (a sanitizer's allocator aborts). */
  if (c * elem > PTRDIFF_MAX)
    return -ENOMEM;
  /* arrayp is a T **: copy the pointer in and out rather than read a T *
   * through a void * lvalue. */
  void *p;
  memcpy(&p, arrayp, sizeof p);
  void *q = realloc(p, c * elem);
  if (q == NULL)
    return -ENOMEM;
  memset((char *)q + *cap * elem, 0, (c - *cap) * elem);
  memcpy(arrayp, &q, sizeof q);
  *cap = c;
  return 0;
}

int tt_vec_reserve(tt_vec *v, size_t n, size_t elem) {
  return tt_grow(&v->data, &v->cap, n, elem, 16);
}

void *tt_vec_push(tt_vec *v, size_t elem) {
  if (v->len == SIZE_MAX || tt_vec_reserve(v, v->len + 1, elem) < 0)
    return NULL;
  return (char *)v->data + v->len++ * elem; /* zeroed by tt_grow */
}

void tt_vec_free(tt_vec *v) {
  free(v->data);
  *v = (tt_vec){0};
}
