/* A test producer: a tasktrace program that emits numbered events as fast
 * as it can, so that tests can check what reached a .ttrace file.
 *   tt-test-producer EVENTS [PAUSE_EVERY PAUSE_US]
 * Each event is lock_released(lock = sequence number, task, hold_ns = 7);
 * every 10000th is preceded by mark("phase") (an interned string). EVENTS 0
 * runs until killed. With PAUSE_EVERY, it sleeps PAUSE_US every PAUSE_EVERY
 * events (a steady rate). Prints "events=N cpu_ns_per_event=X wall_ms=W" at
 * the end: X on the emitting thread's CPU clock, W the loop's wall time.
 * With TT_TEST_PROGRESS_FD=N it writes one byte to fd N (made non-blocking:
 * a full pipe skips bytes, never stalls it) after every 1000th numbered
 * event, so that a test waits for progress instead of a fixed time.
 *   tt-test-producer late-thread
 * A thread emits, then exits with a thread-specific value whose destructor
 * emits again, after the tracer's own exit handler gave the thread's buffer
 * up (destructors run in key order; the tracer's key is older). */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tasktrace/emit.h"
#include "tasktrace/tasktrace.h"

static long events, pause_every, pause_us;
static int progress_fd = -1;

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
    if (progress_fd >= 0 && (i + 1) % 1000 == 0 && write(progress_fd, "+", 1) < 0) {
      /* full (the test reads less often) or gone: nothing to do */
    }
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

static pthread_key_t late_key;

/* Puts itself back every round, so it runs in each of the C library's
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds, after the tracer's own destructor
 * (whose key is older): lock = 2, 3, ... The tracer keeps the buffer until
 * its last round, so only the last of these is dropped (and counted). */
static void late_destructor(void *arg) {
  static __thread uint64_t round;
  (void)arg;
  tt__emit_lock_released(2 + round++, 0, 7);
  pthread_setspecific(late_key, &late_key);
}

static void *late_thread(void *arg) {
  (void)arg;
  tt__emit_lock_released(1, 0, 7);
  pthread_key_create(&late_key, late_destructor);
  pthread_setspecific(late_key, &late_key);
  return NULL;
}

static int late_task(void *arg) {
  (void)arg;
  pthread_t th;
  if (pthread_create(&th, NULL, late_thread, NULL) != 0 || pthread_join(th, NULL) != 0)
    return 1;
  printf("late-thread done\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tt-test-producer EVENTS [PAUSE_EVERY PAUSE_US]\n");
    return 2;
  }
  if (strcmp(argv[1], "late-thread") == 0)
    return tt_run(late_task, NULL) < 0 ? 1 : 0;
  events = atol(argv[1]);
  if (argc >= 4) {
    pause_every = atol(argv[2]);
    pause_us = atol(argv[3]);
  }
  const char *pfd = getenv("TT_TEST_PROGRESS_FD");
  if (pfd != NULL) {
    char *end;
    long fd = strtol(pfd, &end, 10);
    if (*pfd == '\0' || *end != '\0' || fd < 0 || fd > 1023 || fcntl((int)fd, F_GETFD) < 0) {
      fprintf(stderr, "tt-test-producer: TT_TEST_PROGRESS_FD='%s' is not an open descriptor\n", pfd);
      return 2;
    }
    progress_fd = (int)fd;
    fcntl(progress_fd, F_SETFL, fcntl(progress_fd, F_GETFL) | O_NONBLOCK);
  }
  return tt_run(main_task, NULL) < 0 ? 1 : 0;
}
