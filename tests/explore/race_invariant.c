/* A broken invariant FIFO order never shows: "shipper" marks the order
 * shipped one yield after its start; "payer" marks it paid one yield
 * after its own. Invariant: never shipped before paid. FIFO runs the payer's
 * second step first (it was spawned first); a schedule that runs the
 * shipper's first breaks it, and tt_invariant_add says so after that step. */
#include <stdio.h>

#include <tasktrace/tasktrace.h>

static int paid, shipped;

static int paid_before_shipped(void *arg) {
  (void)arg;
  return !shipped || paid;
}

static int payer(void *arg) {
  (void)arg;
  tt_yield();
  paid = 1;
  return 0;
}

static int shipper(void *arg) {
  (void)arg;
  tt_yield();
  shipped = 1;
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *t[2];
  if (tt_invariant_add(paid_before_shipped, NULL, "paid-before-shipped") < 0)
    return 2;
  if (tt_spawn(&t[0], payer, NULL, "payer") < 0 || tt_spawn(&t[1], shipper, NULL, "shipper") < 0)
    return 2;
  tt_join(t[0], NULL, TT_FOREVER);
  tt_join(t[1], NULL, TT_FOREVER);
  printf("race_invariant: %s\n", paid_before_shipped(NULL) ? "ok" : "shipped unpaid");
  return 0;
}

int main(void) {
  int r = tt_run(run, NULL);
  return r < 0 ? 2 : r;
}
