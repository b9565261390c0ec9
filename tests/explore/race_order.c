/* An ordering race FIFO order never loses: "reader" reads the two flags
 * one yield after its start, "writer" sets x, yields, sets y. In FIFO
 * order the writer's second step runs before the reader's; any schedule
 * that runs the reader first in that round sees x without y.
 * Exit 1 when it broke; with --abort it aborts instead (a crash). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tasktrace/tasktrace.h>

static int x, y, crash;

static int writer(void *arg) {
  (void)arg;
  x = 1;
  tt_yield();
  y = 1;
  return 0;
}

static int reader(void *arg) {
  (void)arg;
  tt_yield();
  if (x && !y) {
    printf("race_order: saw x without y\n");
    if (crash)
      abort();
    return 1;
  }
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *t[2];
  if (tt_spawn(&t[0], writer, NULL, "writer") < 0 || tt_spawn(&t[1], reader, NULL, "reader") < 0)
    return 2;
  int r0 = 0, r1 = 0;
  tt_join(t[0], &r0, TT_FOREVER);
  tt_join(t[1], &r1, TT_FOREVER);
  return r0 | r1;
}

int main(int argc, char **argv) {
  crash = argc > 1 && strcmp(argv[1], "--abort") == 0;
  int r = tt_run(run, NULL);
  return r < 0 ? 2 : r;
}
