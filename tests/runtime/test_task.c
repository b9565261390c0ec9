/* Tasks: spawn, join, yield order, sleep, cancel, gather, misuse. */
#include <tasktrace/tasktrace.h>

#include "tt_test.h"

static int ret_arg(void *arg) { return (int)(intptr_t)arg; }

static int main_spawn_join(void *arg) {
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, ret_arg, (void *)(intptr_t)42, "answer"));
  ASSERT_STR_EQ(tt_task_name(t), "answer");
  int r = 0;
  ASSERT_OK(tt_join(t, &r, TT_FOREVER));
  ASSERT_EQ(r, 42);
  return 7;
}

TEST(spawn_join) { ASSERT_EQ(tt_run(main_spawn_join, NULL), 7); }

static char order[64];
static int olen;
static int yielder(void *arg) {
  for (int i = 0; i < 3; i++) {
    order[olen++] = (char)(intptr_t)arg;
    ASSERT_OK(tt_yield());
  }
  return 0;
}

static int main_yield_order(void *arg) {
  tt_task *t[3];
  for (int i = 0; i < 3; i++)
    ASSERT_OK(tt_spawn(&t[i], yielder, (void *)(intptr_t)('a' + i), NULL));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  for (int i = 0; i < 3; i++)
    ASSERT_TRUE(t[i] == NULL);
  order[olen] = 0;
  ASSERT_STR_EQ(order, "abcabcabc");
  return 0;
}

TEST(yield_round_robin) { ASSERT_EQ(tt_run(main_yield_order, NULL), 0); }

static int main_sleep(void *arg) {
  int64_t t0 = tt_now();
  ASSERT_OK(tt_sleep_ms(30));
  int64_t dt = tt_now() - t0;
  ASSERT_GE(dt, 30 * 1000000LL);
  ASSERT_LE(dt, 2000 * 1000000LL);
  return 0;
}

TEST(sleep) { ASSERT_EQ(tt_run(main_sleep, NULL), 0); }

static int sleeper(void *arg) { return tt_sleep_until(TT_FOREVER); }

static int main_cancel(void *arg) {
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, sleeper, NULL, "sleeper"));
  ASSERT_OK(tt_yield()); /* let it park */
  ASSERT_OK(tt_cancel(t));
  int r = 0;
  ASSERT_OK(tt_join(t, &r, TT_FOREVER));
  ASSERT_ERR(r, -ECANCELED);
  return 0;
}

TEST(cancel_parked) { ASSERT_EQ(tt_run(main_cancel, NULL), 0); }

static int ran;
static int mark_ran(void *arg) {
  ran = 1;
  return 0;
}

static int main_cancel_before_start(void *arg) {
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, mark_ran, NULL, NULL));
  ASSERT_OK(tt_cancel(t));
  int r = 0;
  ASSERT_OK(tt_join(t, &r, TT_FOREVER));
  ASSERT_ERR(r, -ECANCELED);
  ASSERT_EQ(ran, 0);
  return 0;
}

TEST(cancel_before_start) { ASSERT_EQ(tt_run(main_cancel_before_start, NULL), 0); }

static int main_join_timeout(void *arg) {
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, sleeper, NULL, "sleeper"));
  ASSERT_ERR(tt_join(t, NULL, tt_after_ms(20)), -ETIMEDOUT);
  ASSERT_ERR(tt_join(t, NULL, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_join(t, NULL, TT_FOREVER));
  return 0;
}

TEST(join_timeout) { ASSERT_EQ(tt_run(main_join_timeout, NULL), 0); }

static int main_misuse(void *arg) {
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, ret_arg, NULL, NULL));
  ASSERT_OK(tt_join(t, NULL, TT_FOREVER));
  ASSERT_ERR(tt_join(t, NULL, TT_FOREVER), -EINVAL); /* double join */
  ASSERT_ERR(tt_join(tt_self(), NULL, TT_FOREVER), -EDEADLK);
  ASSERT_ERR(tt_spawn(&t, NULL, NULL, NULL), -EINVAL);
  return 0;
}

TEST(misuse) {
  ASSERT_EQ(tt_run(main_misuse, NULL), 0);
  ASSERT_ERR(tt_yield(), -EPERM);        /* outside a task */
  ASSERT_ERR(tt_sleep_ms(1), -EPERM);
  tt_task *t;
  ASSERT_ERR(tt_spawn(&t, ret_arg, NULL, NULL), -EPERM); /* no loop */
}

static int main_self_join(void *arg) {
  (void)arg;
  return 0;
}

static int deadlocker(void *arg) {
  tt_lock *l = arg;
  ASSERT_OK(tt_lock_acquire(l, TT_FOREVER));
  return tt_sleep_until(TT_FOREVER) == -ECANCELED ? 0 : 1;
}

static int main_deadlock(void *arg) {
  static tt_lock a, b;
  tt_lock_init(&a, "A");
  tt_lock_init(&b, "B");
  ASSERT_OK(tt_lock_acquire(&a, TT_FOREVER));
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, deadlocker, &b, "other"));
  ASSERT_OK(tt_yield());
  /* other holds B and sleeps forever; we wait for B: nothing can happen. */
  int r = tt_lock_acquire(&b, TT_FOREVER);
  return r;
}

TEST(deadlock_ends_run) {
  (void)main_self_join;
  ASSERT_ERR(tt_run(main_deadlock, NULL), -EDEADLK);
}

static int spawner_many(void *arg) {
  int n = (int)(intptr_t)arg;
  tt_task **ts = calloc((size_t)n, sizeof *ts);
  for (int i = 0; i < n; i++)
    ASSERT_OK(tt_spawn(&ts[i], ret_arg, (void *)(intptr_t)i, NULL));
  int *rs = calloc((size_t)n, sizeof *rs);
  ASSERT_OK(tt_gather(ts, (size_t)n, rs, TT_FOREVER));
  for (int i = 0; i < n; i++)
    ASSERT_EQ(rs[i], i);
  free(ts);
  free(rs);
  return 0;
}

TEST(spawn_many) { ASSERT_EQ(tt_run(spawner_many, (void *)(intptr_t)50000), 0); }

static int deep(int n) {
  volatile char buf[256];
  buf[0] = (char)n;
  return n == 0 ? buf[0] : deep(n - 1) + buf[0];
}
static int uses_stack(void *arg) { return deep(100) >= 0 ? 0 : 1; }
static int main_stack(void *arg) {
  tt_task *t;
  tt_spawn_opts o = {.name = "big", .stack_size = 256 * 1024};
  ASSERT_OK(tt_spawn_opts(&t, uses_stack, NULL, &o));
  int r = -1;
  ASSERT_OK(tt_join(t, &r, TT_FOREVER));
  ASSERT_EQ(r, 0);
  o.stack_size = 100;
  ASSERT_ERR(tt_spawn_opts(&t, uses_stack, NULL, &o), -EINVAL);
  return 0;
}
TEST(stack_size) { ASSERT_EQ(tt_run(main_stack, NULL), 0); }

static int main_seeded(void *arg) { return main_yield_order(arg) == 0 ? 0 : 1; }
TEST(bad_env) {
  setenv("TASKTRACE_SCHED_SEED", "12x", 1);
  ASSERT_ERR(tt_run(main_seeded, NULL), -EINVAL);
  unsetenv("TASKTRACE_SCHED_SEED");
  setenv("TASKTRACE_SLOW_MS", "-5", 1);
  ASSERT_ERR(tt_run(main_seeded, NULL), -EINVAL);
  unsetenv("TASKTRACE_SLOW_MS");
  setenv("TASKTRACE_DEBUG", "yes", 1);
  ASSERT_ERR(tt_run(main_seeded, NULL), -EINVAL);
}

/* Issue 10 item 1: cancelled twice while parked, before it runs again: one
 * -ECANCELED (from the wait), and the next blocking call goes through, as
 * asyncio delivers one CancelledError. Merely ready: also once. */
static int sleep_then_sleep(void *arg) {
  int *seen = arg;
  seen[0] = tt_sleep_ms(10000);
  seen[1] = tt_sleep_ms(1);
  seen[2] = tt_yield();
  return 0;
}

static int yield_then_sleep(void *arg) {
  int *seen = arg;
  seen[0] = tt_yield(); /* main cancels it twice while it is ready here */
  seen[1] = tt_sleep_ms(1);
  seen[2] = tt_yield();
  return 0;
}

static int main_cancel_twice(void *arg) {
  int parked[3] = {1, 1, 1}, ready[3] = {1, 1, 1};
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, sleep_then_sleep, parked, "parked"));
  ASSERT_OK(tt_yield()); /* it runs and parks in its sleep */
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_join(t, NULL, TT_FOREVER));
  ASSERT_ERR(parked[0], -ECANCELED);
  ASSERT_OK(parked[1]);
  ASSERT_OK(parked[2]);
  ASSERT_OK(tt_spawn(&t, yield_then_sleep, ready, "ready"));
  ASSERT_OK(tt_yield()); /* it runs and yields: ready, not parked */
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_join(t, NULL, TT_FOREVER));
  ASSERT_OK(ready[0]);
  ASSERT_ERR(ready[1], -ECANCELED);
  ASSERT_OK(ready[2]);
  return 0;
}

TEST(cancel_twice_delivered_once) { ASSERT_EQ(tt_run(main_cancel_twice, NULL), 0); }

/* Issue 10 item 3: a gather that times out still hands back every task that
 * finished, wherever it stands in the array: the non-NULL entries are
 * exactly the unfinished tasks (it used to stop at the first unfinished
 * one and keep the finished tasks after it). */
static int sleep_then(void *arg) {
  ASSERT_OK(tt_sleep_ms(300));
  return (int)(intptr_t)arg;
}

static int main_gather_timeout_hands_back(void *arg) {
  (void)arg;
  tt_task *t[3];
  int res[3] = {-1, -1, -1};
  ASSERT_OK(tt_spawn(&t[0], sleep_then, (void *)(intptr_t)1, "slow"));
  ASSERT_OK(tt_spawn(&t[1], ret_arg, (void *)(intptr_t)5, "fast-1"));
  ASSERT_OK(tt_spawn(&t[2], ret_arg, (void *)(intptr_t)6, "fast-2"));
  ASSERT_ERR(tt_gather(t, 3, res, tt_after_ms(30)), -ETIMEDOUT);
  ASSERT_TRUE(t[0] != NULL);
  ASSERT_TRUE(t[1] == NULL);
  ASSERT_TRUE(t[2] == NULL);
  ASSERT_EQ(res[1], 5);
  ASSERT_EQ(res[2], 6);
  ASSERT_OK(tt_gather(t, 3, res, TT_FOREVER)); /* the rest, later */
  ASSERT_EQ(res[0], 1);
  return 0;
}

TEST(gather_timeout_hands_back_finished) { ASSERT_EQ(tt_run(main_gather_timeout_hands_back, NULL), 0); }
