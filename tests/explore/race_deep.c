/* race_deep [2|3]: a bug of depth 2 or 3 (Burckhardt et al.: the number
 * of ordering constraints it needs), which FIFO order never breaks.
 * "writer" sets x1, x2, x3, GAP yields apart; "reader" reads them with
 * fewer yields between. Each task runs one step a round, so in FIFO order
 * the reader reads x1 after it is set. The bug needs the reader ahead for
 * r1 (reads x1 unset), then the writer ahead for r2 (x2 set), and for
 * depth 3 the reader ahead again for r3 (x3 unset): one change of who
 * leads per extra constraint, what pct's change points are made for.
 * Two "noise" tasks yield alongside. Exit 1 when it broke. */
#include <stdio.h>
#include <stdlib.h>

#include <tasktrace/tasktrace.h>

#define GAP 2
static int x1, x2, x3, depth;

static void yields(int n) {
  for (int i = 0; i < n; i++)
    tt_yield();
}

static int writer(void *arg) {
  (void)arg;
  yields(GAP);
  x1 = 1;
  yields(GAP);
  x2 = 1;
  yields(GAP);
  x3 = 1;
  return 0;
}

static int reader(void *arg) {
  (void)arg;
  yields(GAP + 1);
  int r1 = x1; /* FIFO: the writer set it a round ago */
  tt_yield();
  int r2 = x2; /* FIFO: not yet set */
  yields(2 * GAP + 2);
  int r3 = x3; /* FIFO: set long ago */
  int broke = !r1 && r2 && (depth == 2 || !r3);
  if (broke)
    printf("race_deep: depth-%d interleaving: x1 unset, x2 set%s\n", depth,
           depth == 3 ? ", x3 unset" : "");
  return broke;
}

static int noise(void *arg) {
  (void)arg;
  yields(6);
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *t[4];
  if (tt_spawn(&t[0], writer, NULL, "writer") < 0 || tt_spawn(&t[1], reader, NULL, "reader") < 0 ||
      tt_spawn(&t[2], noise, NULL, "noise") < 0 || tt_spawn(&t[3], noise, NULL, "noise") < 0)
    return 2;
  int r = 0, rr;
  for (int i = 0; i < 4; i++) {
    tt_join(t[i], &rr, TT_FOREVER);
    r |= rr;
  }
  return r;
}

int main(int argc, char **argv) {
  depth = argc > 1 ? atoi(argv[1]) : 2;
  if (depth != 2 && depth != 3) {
    fprintf(stderr, "usage: race_deep [2|3]\n");
    return 2;
  }
  int r = tt_run(run, NULL);
  return r < 0 ? 2 : r;
}
