/* Tasks: spawn, join, yield order, sleep, cancel, gather, misuse, names,
 * memory per task. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

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

/* ---- Issue 10 item 2: cancelling a task that awaits others ---------------- */

static int sleep_forever(void *arg) {
  (void)arg;
  return tt_sleep_until(TT_FOREVER); /* -ECANCELED once cancelled */
}
static int nap_then(void *arg) {
  ASSERT_OK(tt_sleep_ms(100)); /* long enough to be cancelled first, under valgrind too */
  return (int)(intptr_t)arg;
}
/* Cancel the task given as arg once it has parked. */
static int killer(void *arg) {
  ASSERT_OK(tt_yield());
  ASSERT_OK(tt_cancel(arg));
  return 0;
}
static void spawn_killer(void) {
  tt_task *k;
  ASSERT_OK(tt_spawn(&k, killer, tt_self(), "killer"));
  ASSERT_OK(tt_detach(k));
}

/* asyncio: cancelling a task blocked in `await child` cancels child. */
static int main_cancel_join_propagates(void *arg) {
  (void)arg;
  tt_task *c;
  int r = 0;
  ASSERT_OK(tt_spawn(&c, sleep_forever, NULL, "child"));
  spawn_killer();
  ASSERT_ERR(tt_join(c, &r, TT_FOREVER), -ECANCELED);
  ASSERT_OK(tt_join(c, &r, tt_after_ms(1000))); /* the handle stayed ours */
  ASSERT_EQ(r, -ECANCELED);
  return 0;
}
TEST(cancel_join_propagates) { ASSERT_EQ(tt_run(main_cancel_join_propagates, NULL), 0); }

/* asyncio.gather: a cancel of the gatherer cancels every child. */
static int main_cancel_gather_propagates(void *arg) {
  (void)arg;
  tt_task *t[3];
  int res[3] = {0, 0, 0};
  ASSERT_OK(tt_spawn(&t[0], ret_arg, (void *)7, "quick"));
  ASSERT_OK(tt_spawn(&t[1], sleep_forever, NULL, "s1"));
  ASSERT_OK(tt_spawn(&t[2], sleep_forever, NULL, "s2"));
  spawn_killer();
  ASSERT_ERR(tt_gather(t, 3, res, TT_FOREVER), -ECANCELED);
  ASSERT_TRUE(t[0] == NULL); /* finished: handed back */
  ASSERT_EQ(res[0], 7);
  ASSERT_TRUE(t[1] != NULL && t[2] != NULL);
  ASSERT_OK(tt_gather(t, 3, res, tt_after_ms(1000)));
  ASSERT_EQ(res[1], -ECANCELED);
  ASSERT_EQ(res[2], -ECANCELED);
  return 0;
}
TEST(cancel_gather_propagates) { ASSERT_EQ(tt_run(main_cancel_gather_propagates, NULL), 0); }

/* asyncio.wait: the non-propagating form. A cancel or a timeout of the
 * waiter leaves the tasks running; their results stay to be joined. */
static int main_wait_does_not_propagate(void *arg) {
  (void)arg;
  tt_task *t[2];
  int r0 = 0, r1 = 0;
  ASSERT_OK(tt_spawn(&t[0], nap_then, (void *)1, "n1"));
  ASSERT_OK(tt_spawn(&t[1], nap_then, (void *)2, "n2"));
  ASSERT_ERR(tt_wait(t, 2, TT_NOWAIT), -ETIMEDOUT);
  spawn_killer();
  ASSERT_ERR(tt_wait(t, 2, TT_FOREVER), -ECANCELED);
  ASSERT_EQ(tt_task_done(t[0]), 0);
  ASSERT_OK(tt_wait(t, 2, tt_after_ms(1000)));
  ASSERT_EQ(tt_task_done(t[0]), 1);
  ASSERT_EQ(tt_task_done(t[1]), 1);
  ASSERT_OK(tt_join(t[0], &r0, TT_NOWAIT)); /* done: returns at once */
  ASSERT_OK(tt_join(t[1], &r1, TT_NOWAIT));
  ASSERT_EQ(r0, 1);
  ASSERT_EQ(r1, 2);
  ASSERT_ERR(tt_wait(t, 1, TT_FOREVER), -EINVAL); /* given back */
  tt_task *self = tt_self();
  ASSERT_ERR(tt_wait(&self, 1, TT_FOREVER), -EDEADLK);
  return 0;
}
TEST(wait_does_not_propagate) { ASSERT_EQ(tt_run(main_wait_does_not_propagate, NULL), 0); }

/* ---- Issue 10 item 4: a task that cancels itself and returns a value ends
 * cancelled, as in asyncio (the cancel was never delivered). */
static int self_canceller(void *arg) {
  (void)arg;
  ASSERT_OK(tt_cancel(tt_self()));
  return 7;
}
static int main_self_cancel(void *arg) {
  (void)arg;
  tt_task *t;
  int r = 0;
  ASSERT_OK(tt_spawn(&t, self_canceller, NULL, "self-canceller"));
  ASSERT_OK(tt_join(t, &r, TT_FOREVER));
  ASSERT_EQ(r, -ECANCELED);
  return 0;
}
TEST(self_cancel_then_return_ends_cancelled) { ASSERT_EQ(tt_run(main_self_cancel, NULL), 0); }

/* ---- Issue 10 item 10: the seeded scheduler delays bare yields too --------
 *
 * opener's window (x == 1) lasts one bare tt_yield; checker looks two bare
 * yields later. Round shuffling alone cannot put the check inside the
 * window (it is always a round later); an extra yield in opener's window
 * can. */
static int race_x, race_broken;
static char race_log[64];
static size_t race_len;
static int opener(void *arg) {
  (void)arg;
  race_x = 1;
  race_log[race_len++] = 'o';
  tt_yield();
  race_x = 0;
  race_log[race_len++] = 'c';
  return 0;
}
static int checker(void *arg) {
  (void)arg;
  tt_yield();
  race_log[race_len++] = 'y';
  tt_yield();
  race_log[race_len++] = race_x ? 'X' : 'k';
  race_broken |= race_x;
  return 0;
}
static int main_yield_race(void *arg) {
  (void)arg;
  tt_task *t[2];
  ASSERT_OK(tt_spawn(&t[0], opener, NULL, "opener"));
  ASSERT_OK(tt_spawn(&t[1], checker, NULL, "checker"));
  return tt_gather(t, 2, NULL, TT_FOREVER);
}
static int yield_race(const char *seed) {
  race_x = race_broken = 0;
  race_len = 0;
  if (seed != NULL)
    setenv("TASKTRACE_SCHED_SEED", seed, 1);
  int r = tt_run(main_yield_race, NULL);
  unsetenv("TASKTRACE_SCHED_SEED");
  ASSERT_EQ(r, 0);
  race_log[race_len] = 0;
  return race_broken;
}
TEST(seed_delays_bare_yield) {
  ASSERT_EQ(yield_race(NULL), 0); /* FIFO: never */
  int broken = 0;
  for (int seed = 1; seed <= 100; seed++) {
    char s[16], first[64];
    snprintf(s, sizeof s, "%d", seed);
    int b = yield_race(s);
    snprintf(first, sizeof first, "%s", race_log);
    ASSERT_EQ(yield_race(s), b); /* the same seed replays the same interleaving */
    ASSERT_STR_EQ(race_log, first);
    broken += b;
  }
  fprintf(stderr, "bare-yield race broke under %d of 100 seeds\n", broken);
  ASSERT_GE(broken, 5);
}

/* Names: given ones are copied (up to 31 bytes), the rest are "task-N". */
static int main_names(void *arg) {
  (void)arg;
  char given[48];
  snprintf(given, sizeof given, "%s", "a-name-longer-than-thirty-one-bytes-by-far");
  tt_task *a, *b, *c;
  ASSERT_OK(tt_spawn(&a, ret_arg, NULL, given));
  ASSERT_OK(tt_spawn(&b, ret_arg, NULL, NULL));
  ASSERT_OK(tt_spawn(&c, ret_arg, NULL, ""));
  given[0] = 'X'; /* the task kept its own copy */
  ASSERT_STR_EQ(tt_task_name(a), "a-name-longer-than-thirty-one-b");
  char want[32];
  snprintf(want, sizeof want, "task-%llu", (unsigned long long)tt_task_id(b));
  ASSERT_STR_EQ(tt_task_name(b), want);
  ASSERT_TRUE(tt_task_name(b) == tt_task_name(b)); /* kept once made */
  snprintf(want, sizeof want, "task-%llu", (unsigned long long)tt_task_id(c));
  ASSERT_STR_EQ(tt_task_name(c), want);
  tt_task *all[3] = {a, b, c};
  ASSERT_OK(tt_gather(all, 3, NULL, TT_FOREVER));
  return 0;
}
TEST(names) { ASSERT_EQ(tt_run(main_names, NULL), 0); }

/* What a sleeping task costs in memory, measured as resident pages: its
 * one touched stack page and at most 240 bytes more: the 160-byte record,
 * its slots in the ready ring and the timer heap, this test's handle, and
 * what the ring's and heap's doublings left in malloc (220 measured at
 * 32768 tasks; the record was 104 bytes bigger before). */
#define MEM_TASKS 32768
static long resident_bytes(void) {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL)
    return -1;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
    rss = -1;
  fclose(f);
  return rss < 0 ? -1 : rss * sysconf(_SC_PAGESIZE);
}
static int long_sleeper(void *arg) { return tt_sleep_ms((int64_t)(intptr_t)arg); }
static int main_task_memory(void *arg) {
  (void)arg;
  tt_task **ts = calloc(MEM_TASKS, sizeof *ts);
  ASSERT_TRUE(ts != NULL);
  long before = resident_bytes();
  ASSERT_GE(before, 0);
  for (int i = 0; i < MEM_TASKS; i++)
    ASSERT_OK(tt_spawn(&ts[i], long_sleeper, (void *)(intptr_t)60000, NULL));
  ASSERT_OK(tt_yield()); /* every one ran once and sleeps */
  long per_task = (resident_bytes() - before) / MEM_TASKS;
  printf("task_memory: %ld bytes per sleeping task\n", per_task);
  ASSERT_LE(per_task, 4096 + 240);
  for (int i = 0; i < MEM_TASKS; i++)
    ASSERT_OK(tt_cancel(ts[i]));
  ASSERT_OK(tt_gather(ts, MEM_TASKS, NULL, TT_FOREVER));
  free(ts);
  return 0;
}
TEST(task_memory) {
#if defined(__SANITIZE_ADDRESS__)
  tt_test_skip("ASan's shadow memory counts in the resident size");
#endif
  if (RUNNING_ON_VALGRIND)
    tt_test_skip("valgrind's own memory counts in the resident size");
  ASSERT_EQ(tt_run(main_task_memory, NULL), 0);
}
