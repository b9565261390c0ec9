/* A lock-order deadlock FIFO order never reaches: "a" takes L1 then (after
 * a yield) L2; "b" yields first, then takes L2 then (after a yield) L1. In FIFO order "a"
 * holds both before "b" wants either; a schedule that runs "b" first in
 * the second round leaves each holding what the other waits for. */
#include <stdio.h>

#include <tasktrace/tasktrace.h>

static tt_lock l1, l2;

/* first then second, yielding in between; the runtime refuses the acquire
 * that would close a cycle (-EDEADLK), which the task passes on. */
static int take_both(tt_lock *first, tt_lock *second) {
  int r = tt_lock_acquire(first, TT_FOREVER);
  if (r < 0)
    return r;
  tt_yield();
  if ((r = tt_lock_acquire(second, TT_FOREVER)) == 0)
    tt_lock_release(second);
  tt_lock_release(first);
  return r;
}

static int task_a(void *arg) {
  (void)arg;
  return take_both(&l1, &l2);
}

static int task_b(void *arg) {
  (void)arg;
  tt_yield();
  return take_both(&l2, &l1);
}

static int run(void *arg) {
  (void)arg;
  tt_task *t[2];
  tt_lock_init(&l1, "L1");
  tt_lock_init(&l2, "L2");
  if (tt_spawn(&t[0], task_a, NULL, "a") < 0 || tt_spawn(&t[1], task_b, NULL, "b") < 0)
    return 2;
  int ra = 0, rb = 0;
  if (tt_join(t[0], &ra, TT_FOREVER) < 0 || tt_join(t[1], &rb, TT_FOREVER) < 0)
    return 1; /* cancelled: tt_run reports the deadlock */
  if (ra < 0 || rb < 0) {
    fprintf(stderr, "race_deadlock: %s\n", tt_strerror(ra < 0 ? ra : rb));
    return 1;
  }
  printf("race_deadlock: ok\n");
  return 0;
}

int main(void) {
  int r = tt_run(run, NULL);
  if (r < 0)
    fprintf(stderr, "race_deadlock: %s\n", tt_strerror(r));
  return r < 0 ? 1 : r;
}
