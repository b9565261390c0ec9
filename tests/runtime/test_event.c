/* Event: set/clear/is_set/wait, set wakes every waiter (also when cleared
 * or cancelled right after), timeouts and cancels around a set, errors,
 * wrong-thread calls, and a seeded stress run counting wake-ups. */
#include "sync_util.h"

static tt_event E;

typedef struct ev_waiter {
  tt_deadline deadline;
  int result;
  int pending_seen; /* the yield after the wait said -ECANCELED */
} ev_waiter;

static int ev_wait(void *arg) {
  ev_waiter *w = arg;
  w->result = tt_event_wait(&E, w->deadline);
  w->pending_seen = tt_yield() == -ECANCELED;
  return 0;
}

static void spawn_waiters(tt_task **t, ev_waiter *w, int n) {
  for (int i = 0; i < n; i++)
    ASSERT_OK(tt_spawn(&t[i], ev_wait, &w[i], NULL));
  ASSERT_OK(tt_yield()); /* they all park */
  ASSERT_EQ(list_len(&E.waiters), n);
}

static int main_basic(void *arg) {
  ASSERT_ERR(tt_event_init(NULL, "x"), -EINVAL);
  ASSERT_OK(tt_event_init(&E, "basic"));
  ASSERT_EQ(tt_event_is_set(&E), 0);
  ASSERT_ERR(tt_event_wait(&E, TT_NOWAIT), -ETIMEDOUT);
  int64_t t0 = tt_now();
  ASSERT_ERR(tt_event_wait(&E, tt_after_ms(15)), -ETIMEDOUT);
  ASSERT_GE(tt_now() - t0, 15 * 1000000LL);
  tt_event_set(&E);
  ASSERT_EQ(tt_event_is_set(&E), 1);
  ASSERT_OK(tt_event_wait(&E, TT_NOWAIT)); /* set: at once */
  ASSERT_OK(tt_event_wait(&E, TT_FOREVER));
  tt_event_set(&E); /* idempotent */
  ASSERT_EQ(tt_event_is_set(&E), 1);
  tt_event_clear(&E);
  ASSERT_EQ(tt_event_is_set(&E), 0);
  ASSERT_ERR(tt_event_wait(&E, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_ERR(tt_event_wait(NULL, TT_NOWAIT), -EINVAL);
  ASSERT_ERR(tt_event_is_set(NULL), -EINVAL);
  ASSERT_OK(tt_event_close(&E));
  return 0;
}

TEST(basic) { ASSERT_EQ(tt_run(main_basic, NULL), 0); }

static int main_outside(void *arg) {
  ASSERT_OK(tt_event_init(&E, NULL));
  return 0;
}

TEST(wait_outside_task) {
  ASSERT_EQ(tt_run(main_outside, NULL), 0);
  /* Its loop is gone: this thread owns no loop now. */
  ASSERT_ERR(tt_event_wait(&E, TT_NOWAIT), -EPERM);
}

/* set wakes all; clearing right after changes nothing for them. */
static int main_set_wakes_all(void *arg) {
  ASSERT_OK(tt_event_init(&E, NULL));
  tt_task *t[5];
  ev_waiter w[5];
  for (int i = 0; i < 5; i++)
    w[i] = (ev_waiter){.deadline = i == 2 ? tt_after_ms(5000) : TT_FOREVER, .result = 1};
  spawn_waiters(t, w, 5);
  tt_event_set(&E);
  tt_event_clear(&E);
  ASSERT_EQ(list_len(&E.waiters), 0);
  ASSERT_OK(tt_gather(t, 5, NULL, TT_FOREVER));
  for (int i = 0; i < 5; i++) {
    ASSERT_OK(w[i].result);
    ASSERT_EQ(w[i].pending_seen, 0);
  }
  ASSERT_EQ(tt_event_is_set(&E), 0);
  ASSERT_OK(tt_event_close(&E));
  return 0;
}

TEST(set_wakes_all) { ASSERT_EQ(tt_run(main_set_wakes_all, NULL), 0); }

/* The middle waiter is cancelled or times out just before the set: the
 * others all get it; or it is cancelled just after: it still returns 0 and
 * the cancel comes at its next yield. */
static int main_cancel_around_set(void *arg) {
  ASSERT_OK(tt_event_init(&E, NULL));
  tt_task *t[3];
  ev_waiter w[3] = {{TT_FOREVER, 1, 0}, {TT_FOREVER, 1, 0}, {TT_FOREVER, 1, 0}};
  spawn_waiters(t, w, 3);
  ASSERT_OK(tt_cancel(t[1]));
  ASSERT_EQ(list_len(&E.waiters), 2);
  tt_event_set(&E);
  tt_event_clear(&E);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_ERR(w[1].result, -ECANCELED);
  ASSERT_EQ(w[1].pending_seen, 0);
  ASSERT_OK(w[2].result);

  ev_waiter v[3] = {{TT_FOREVER, 1, 0}, {TT_FOREVER, 1, 0}, {TT_FOREVER, 1, 0}};
  spawn_waiters(t, v, 3);
  tt_event_set(&E);
  ASSERT_OK(tt_cancel(t[1])); /* after it was woken */
  tt_event_clear(&E);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  for (int i = 0; i < 3; i++)
    ASSERT_OK(v[i].result);
  ASSERT_EQ(v[1].pending_seen, 1);
  ASSERT_EQ(v[0].pending_seen + v[2].pending_seen, 0);
  return 0;
}

TEST(cancel_around_set) { ASSERT_EQ(tt_run(main_cancel_around_set, NULL), 0); }

static int main_timeout_around_set(void *arg) {
  ASSERT_OK(tt_event_init(&E, NULL));
  tt_task *t[3];
  ev_waiter w[3] = {{TT_FOREVER, 1, 0}, {tt_after_ms(SHORT_MS), 1, 0}, {TT_FOREVER, 1, 0}};
  spawn_waiters(t, w, 3);
  ASSERT_OK(tt_sleep_ms(2 * SHORT_MS)); /* the middle one times out first */
  tt_event_set(&E);
  tt_event_clear(&E);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_ERR(w[1].result, -ETIMEDOUT);
  ASSERT_OK(w[2].result);

  /* Its deadline passes after the set woke it, before its timer fired. */
  ev_waiter v[3] = {{TT_FOREVER, 1, 0}, {tt_after_ms(SHORT_MS), 1, 0}, {TT_FOREVER, 1, 0}};
  spawn_waiters(t, v, 3);
  tt_event_set(&E);
  tt_event_clear(&E);
  while (tt_now() < v[1].deadline + 2000000)
    ;
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  for (int i = 0; i < 3; i++)
    ASSERT_OK(v[i].result);
  return 0;
}

TEST(timeout_around_set) { ASSERT_EQ(tt_run(main_timeout_around_set, NULL), 0); }

static int main_pending_cancel(void *arg) {
  ASSERT_OK(tt_event_init(&E, NULL));
  tt_event_set(&E);
  ASSERT_OK(tt_cancel(tt_self()));
  /* A pending cancel wins over an event that is already set. */
  ASSERT_ERR(tt_event_wait(&E, TT_FOREVER), -ECANCELED);
  ASSERT_OK(tt_event_wait(&E, TT_FOREVER));
  return 0;
}

TEST(pending_cancel) { ASSERT_EQ(tt_run(main_pending_cancel, NULL), 0); }

static int main_close_busy(void *arg) {
  ASSERT_OK(tt_event_init(&E, NULL));
  tt_task *t[1];
  ev_waiter w[1] = {{TT_FOREVER, 1, 0}};
  spawn_waiters(t, w, 1);
  ASSERT_ERR(tt_event_close(&E), -EBUSY);
  ASSERT_ERR(tt_event_close(&E), -EBUSY);
  tt_event_set(&E); /* still works */
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_OK(tt_event_close(&E));
  return 0;
}

TEST(close_busy) { ASSERT_EQ(tt_run(main_close_busy, NULL), 0); }

static int foreign_ops(void *arg) {
  ASSERT_ERR(tt_event_set(&E), -EPERM); /* refused, and told: nothing happens */
  ASSERT_ERR(tt_event_clear(&E), -EPERM);
  ASSERT_ERR(tt_event_is_set(&E), -EPERM);
  ASSERT_ERR(tt_event_wait(&E, TT_NOWAIT), -EPERM);
  ASSERT_ERR(tt_event_close(&E), -EPERM);
  return 0;
}

static int main_wrong_thread(void *arg) {
  ASSERT_OK(tt_event_init(&E, "owned"));
  tt_task *t[1];
  ev_waiter w[1] = {{TT_FOREVER, 1, 0}};
  spawn_waiters(t, w, 1);
  ASSERT_OK(on_foreign_thread(foreign_ops, NULL));
  ASSERT_EQ(tt_event_is_set(&E), 0);
  ASSERT_EQ(list_len(&E.waiters), 1); /* nobody was woken */
  tt_event_set(&E);
  ASSERT_OK(on_foreign_thread(foreign_ops, NULL)); /* clear refused too */
  ASSERT_EQ(tt_event_is_set(&E), 1);
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  return 0;
}

TEST(wrong_thread) { ASSERT_EQ(tt_run(main_wrong_thread, NULL), 0); }

/* The right way from another thread: tt_loop_call_threadsafe runs set on
 * the loop's thread, as a plain callback outside any task. */
static void set_cb(void *arg) { tt_event_set(arg); }

static int foreign_set(void *arg) { return tt_loop_call_threadsafe(arg, set_cb, &E); }

static int main_threadsafe_set(void *arg) {
  ASSERT_OK(tt_event_init(&E, "threadsafe"));
  tt_task *t[2];
  ev_waiter w[2] = {{TT_FOREVER, 1, 0}, {TT_FOREVER, 1, 0}};
  spawn_waiters(t, w, 2);
  ASSERT_OK(on_foreign_thread(foreign_set, tt_loop_current()));
  ASSERT_OK(tt_gather(t, 2, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_OK(w[1].result);
  ASSERT_EQ(tt_event_is_set(&E), 1);
  return 0;
}

TEST(threadsafe_set) { ASSERT_EQ(tt_run(main_threadsafe_set, NULL), 0); }

/* ---- Stress -------------------------------------------------------------
 * The setter pulses the event (set then clear in one step), so nobody ever
 * finds it set: every wait parks, and returns 0 only if a set woke it.
 * Hence the waits that return 0 must be exactly the waiters that were on
 * the list at each set: a wake-up eaten by a timeout or a cancel, or given
 * twice, breaks the count. */

#define NW 24
#define ITERS 60

static uint64_t run_seed;
static int owed, zeros;
static int issued[NW], seen[NW];
static tt_task *workers[NW];

static int ev_worker(void *arg) {
  int id = (int)(intptr_t)arg;
  trng r = {run_seed * 1000 + (uint64_t)id};
  for (int i = 0; i < ITERS; i++) {
    tt_deadline d = rand_deadline(&r);
    int e = tt_event_wait(&E, d);
    if (e == 0)
      zeros++;
    else {
      check_failed_wait(e, d);
      seen[id] += e == -ECANCELED;
    }
    rand_pause(&r, &seen[id]);
  }
  return 0;
}

/* Workers may finish early: chaos can cancel one before its first step. A
 * handle that is no longer valid (joined, or NULL after tt_gather) is a
 * failure, not "not done yet": the setter would spin forever. */
static int workers_done(void) {
  for (int i = 0; i < NW; i++) {
    int d = tt_task_done(workers[i]);
    ASSERT_GE(d, 0);
    if (d == 0)
      return 0;
  }
  return 1;
}

static int setter(void *arg) {
  trng r = {run_seed ^ 0x5e77e5};
  int dummy = 0;
  while (!workers_done()) {
    rand_pause(&r, &dummy);
    if (dummy != 0)
      return -ECANCELED; /* nobody cancels the setter but tt_run's teardown */
    owed += list_len(&E.waiters);
    tt_event_set(&E);
    tt_event_clear(&E);
    ASSERT_EQ(list_len(&E.waiters), 0);
  }
  return 0;
}

static int main_stress(void *arg) {
  run_seed = (uint64_t)(intptr_t)arg;
  ASSERT_OK(tt_event_init(&E, "stress"));
  owed = zeros = 0;
  for (int i = 0; i < NW; i++) {
    issued[i] = seen[i] = 0;
    ASSERT_OK(tt_spawn(&workers[i], ev_worker, (void *)(intptr_t)i, NULL));
  }
  tt_task *st, *ct;
  ASSERT_OK(tt_spawn(&st, setter, NULL, "setter"));
  chaos c = {workers, issued, NW, 200, run_seed};
  ASSERT_OK(tt_spawn(&ct, chaos_fn, &c, "chaos"));
  ASSERT_OK(tt_join(ct, NULL, TT_FOREVER));
  ASSERT_OK(tt_join(st, NULL, TT_FOREVER)); /* it returns once all workers are done */
  ASSERT_OK(tt_gather(workers, NW, NULL, TT_FOREVER));
  ASSERT_EQ(zeros, owed);
  ASSERT_GE(zeros, NW);
  for (int i = 0; i < NW; i++)
    ASSERT_LE(seen[i], issued[i]);
  ASSERT_OK(tt_event_close(&E));
  return 0;
}

TEST(stress_seeded) { run_seeded(main_stress); }
