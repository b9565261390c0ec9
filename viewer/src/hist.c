/* Log-linear histogram: bucket = (exponent, top 4 bits of the mantissa). */
#include "hist.h"

static inline unsigned bucket_of(uint64_t v) {
  if (v < TT__HIST_SUB)
    return (unsigned)v;
  unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 4 */
  unsigned sub = (unsigned)(v >> (e - 4)) & (TT__HIST_SUB - 1);
  return (e - 3) * TT__HIST_SUB + sub;
}

/* The smallest value of bucket i, and the width of the bucket. */
static inline uint64_t bucket_low(unsigned i, uint64_t *width) {
  if (i < TT__HIST_SUB) {
    *width = 1;
    return i;
  }
  unsigned e = i / TT__HIST_SUB + 3, sub = i % TT__HIST_SUB;
  *width = 1ull << (e - 4);
  return ((uint64_t)(TT__HIST_SUB + sub)) << (e - 4);
}

void tt__hist_add(tt__hist *h, uint64_t v) {
  h->b[bucket_of(v)]++;
  h->count++;
  if (v > h->max)
    h->max = v;
}

uint64_t tt__hist_quantile(const tt__hist *h, double q) {
  if (h->count == 0)
    return 0;
  if (q >= 1.0)
    return h->max;
  uint64_t rank = (uint64_t)(q * (double)h->count);
  if (rank >= h->count)
    rank = h->count - 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < TT__HIST_BUCKETS; i++) {
    seen += h->b[i];
    if (seen > rank) {
      uint64_t w, lo = bucket_low(i, &w);
      uint64_t mid = lo + w / 2;
      return mid > h->max ? h->max : mid;
    }
  }
  return h->max;
}
