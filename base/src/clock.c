/* The one clock of every timestamp, and the wall clock for labels. */
#include <time.h>

#include "tt_base.h"

static uint64_t read_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t tt_now_ns(void) { return read_ns(CLOCK_MONOTONIC); }

uint64_t tt_realtime_ns(void) { return read_ns(CLOCK_REALTIME); }
