/* A lock-order deadlock FIFO order never reaches: "a" takes L1 then (after
 * a yield) L2; "b" yields first, then takes L2 then L1. In FIFO order "a"
 * holds both before "b" wants either; a schedule that runs "b" first in
 * the second round leaves each holding what the other waits for. */
#include <stdio.h>

#include <tasktrace/tasktrace.h>

static tt_lock l1, l2;

static int task_a(void *arg) {
  (void)arg;
  tt_lock_acquire(&l1, TT_FOREVER);
  tt_yield();
  tt_lock_acquire(&l2, TT_FOREVER);
  tt_lock_release(&l2);
  tt_lock_release(&l1);
  return 0;
}

static int task_b(void *arg) {
  (void)arg;
  tt_yield();
  tt_lock_acquire(&l2, TT_FOREVER);
  tt_yield();
  tt_lock_acquire(&l1, TT_FOREVER);
  tt_lock_release(&l1);
  tt_lock_release(&l2);
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *t[2];
  tt_lock_init(&l1, "L1");
  tt_lock_init(&l2, "L2");
  if (tt_spawn(&t[0], task_a, NULL, "a") < 0 || tt_spawn(&t[1], task_b, NULL, "b") < 0)
    return 2;
  if (tt_join(t[0], NULL, TT_FOREVER) < 0 || tt_join(t[1], NULL, TT_FOREVER) < 0)
    return 1; /* cancelled: tt_run reports the deadlock */
  printf("race_deadlock: ok\n");
  return 0;
}

int main(void) {
  int r = tt_run(run, NULL);
  if (r < 0)
    fprintf(stderr, "race_deadlock: %s\n", tt_strerror(r));
  return r < 0 ? 1 : r;
}
