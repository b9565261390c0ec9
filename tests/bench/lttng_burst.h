/* Per-event cost of a tracepoint under an LTTng session, shared by
 * lttng_bare.c and lttng_emit.c so both are measured the same way: events
 * are emitted in bursts that fit LTTng's default buffers, with a pause
 * between bursts for the consumer daemon to drain them, and only the
 * bursts are timed. (Emitting flat out measures the consumer's disk speed
 * instead, and discarded events would look cheap.) */
#ifndef TT_LTTNG_BURST_H
#define TT_LTTNG_BURST_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BURST 10000
#define PAUSE_NS 20000000L

static inline int64_t burst_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Run emit(i) n times in bursts; print "NAME ns_per_event=X events=N". */
#define BURST_RUN(name, n, emit)                                                                   \
  do {                                                                                             \
    long n_ = (n), done_ = 0;                                                                      \
    int64_t spent_ = 0;                                                                            \
    while (done_ < n_) {                                                                           \
      long k_ = n_ - done_ < BURST ? n_ - done_ : BURST;                                           \
      int64_t t0_ = burst_now();                                                                   \
      for (long i = done_; i < done_ + k_; i++) {                                                  \
        emit;                                                                                      \
      }                                                                                            \
      spent_ += burst_now() - t0_;                                                                 \
      done_ += k_;                                                                                 \
      struct timespec p_ = {0, PAUSE_NS};                                                          \
      nanosleep(&p_, NULL);                                                                        \
    }                                                                                              \
    printf("%s ns_per_event=%.1f events=%ld\n", name, (double)spent_ / (double)n_, n_);           \
  } while (0)

static inline long burst_count(int argc, char **argv) {
  return argc > 1 ? atol(argv[1]) : 200000;
}
#endif
