/* Growing arrays by doubling (grow.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

int tt__grow(void *arrayp, size_t *cap, size_t need, size_t elem, size_t first) {
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap * 2 : first;
  while (c < need)
    c *= 2;
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
