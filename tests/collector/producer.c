/* A test producer: a tasktrace program that emits numbered events as fast
 * as it can, so that tests can check what reached a .ttrace file.
 *   tt-test-producer EVENTS [PAUSE_EVERY PAUSE_US]
 * Each event is lock_released(lock = sequence number, task, hold_ns = 7);
 * every 10000th is preceded by mark("phase") (an interned string). EVENTS 0
 * runs until killed. With PAUSE_EVERY, it sleeps PAUSE_US every PAUSE_EVERY
 * events (a steady rate). Prints "events=N cpu_ns_per_event=X wall_ms=W" at
 * the end: X on the emitting thread's CPU clock, W the loop's wall time. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tasktrace/emit.h"
#include "tasktrace/tasktrace.h"

static long events, pause_every, pause_us;

static int64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int main_task(void *arg) {
  (void)arg;
  uint64_t self = tt_task_id(tt_self());
  int64_t cpu = 0, t0 = cpu_ns(), wall0 = tt_now();
  for (long i = 0; events == 0 || i < events; i++) {
    if (i % 10000 == 0)
      tt_mark("phase");
    tt__emit_lock_released((uint64_t)i, self, 7);
    if (pause_every && (i + 1) % pause_every == 0) {
      cpu += cpu_ns() - t0;
      tt_sleep_ms(0);
      struct timespec d = {0, pause_us * 1000};
      nanosleep(&d, NULL);
      t0 = cpu_ns();
    }
  }
  cpu += cpu_ns() - t0;
  printf("events=%ld cpu_ns_per_event=%.2f wall_ms=%lld\n", events,
         events ? (double)cpu / events : 0.0, (long long)((tt_now() - wall0) / 1000000));
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tt-test-producer EVENTS [PAUSE_EVERY PAUSE_US]\n");
    return 2;
  }
  events = atol(argv[1]);
  if (argc >= 4) {
    pause_every = atol(argv[2]);
    pause_us = atol(argv[3]);
  }
  return tt_run(main_task, NULL) < 0 ? 1 : 0;
}
