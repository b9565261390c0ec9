/* Rings (tt_base.h): the growing half; pushing and popping are inline. */
#include <stdlib.h>
#include <string.h>

#include "tt_base.h"

int tt_ring_reserve(tt_ring *r, size_t n, size_t elem) {
  if (n <= r->cap)
    return 0;
  size_t cap = r->cap ? r->cap : 16;
  while (cap < n) {
    if (cap > SIZE_MAX / 2)
      return -EOVERFLOW;
    cap *= 2; /* a power of two: the index is a mask */
  }
  if (elem != 0 && cap > SIZE_MAX / elem)
    return -EOVERFLOW;
  char *buf = malloc(cap * elem);
  if (buf == NULL)
    return -ENOMEM;
  /* Unwrap into the new buffer: the front at 0. */
  size_t first = r->len < r->cap - r->head ? r->len : r->cap - r->head;
  if (r->len > 0) {
    memcpy(buf, (char *)r->buf + r->head * elem, first * elem);
    memcpy(buf + first * elem, r->buf, (r->len - first) * elem);
  }
  free(r->buf);
  r->buf = buf;
  r->cap = cap;
  r->head = 0;
  return 0;
}

void tt_ring_free(tt_ring *r) {
  free(r->buf);
  *r = (tt_ring){0};
}
