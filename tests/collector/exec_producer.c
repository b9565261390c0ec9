/* A test producer that execs itself: each image is a tasktrace program
 * that emits EVENTS events (tt_run returns, flushing them), then execs the
 * next image, IMAGES in all, with the same pid: a collector must give each
 * connection its own file.
 *   tt-test-exec IMAGES EVENTS [GATE]
 * With GATE, the first image first writes its pid to GATE.pid and waits
 * (20 s at most) for GATE to exist, so that a test can plant files named
 * after that pid before anything connects. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tasktrace/emit.h"
#include "tasktrace/tasktrace.h"

static long events;

static int main_task(void *arg) {
  (void)arg;
  uint64_t self = tt_task_id(tt_self());
  for (long i = 0; i < events; i++)
    tt__emit_lock_released((uint64_t)i, self, 7);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: tt-test-exec IMAGES EVENTS [GATE]\n");
    return 2;
  }
  long images = atol(argv[1]);
  events = atol(argv[2]);
  if (argc >= 4) {
    char path[4096];
    snprintf(path, sizeof path, "%s.pid", argv[3]);
    FILE *f = fopen(path, "w");
    if (f == NULL)
      return 3;
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
    for (int i = 0; i < 2000 && access(argv[3], F_OK) != 0; i++) {
      struct timespec d = {0, 10000000};
      nanosleep(&d, NULL);
    }
  }
  if (tt_run(main_task, NULL) < 0)
    return 1;
  if (images > 1) {
    char n[32];
    snprintf(n, sizeof n, "%ld", images - 1);
    char *next[] = {argv[0], n, argv[2], NULL};
    execv("/proc/self/exe", next);
    perror("tt-test-exec: execv");
    return 127;
  }
  return 0;
}
