/* Private: a log-linear histogram of nanosecond durations (16 sub-buckets
 * per power of two: quantiles within ~4%), fixed size, exact maximum. */
#ifndef TT_VIEWER_HIST_H
#define TT_VIEWER_HIST_H

#include <stdint.h>

#define TT__HIST_SUB 16
#define TT__HIST_BUCKETS (64 * TT__HIST_SUB)

typedef struct tt__hist {
  uint64_t count, max;
  uint64_t b[TT__HIST_BUCKETS];
} tt__hist;

void tt__hist_add(tt__hist *h, uint64_t v);
/* Quantile q in [0, 1]: a value within the bucket holding it (the exact
 * max for q >= 1); 0 when empty. */
uint64_t tt__hist_quantile(const tt__hist *h, double q);

#endif
