/* Lock: semantics and errors, FIFO hand-off, no barging, timeouts and
 * cancellation around a release, wrong-thread calls, and a seeded stress
 * run under a chaos task checking that there is never more than one holder
 * and that no hand-off is lost. */
#include "sync_util.h"

static tt_lock L;
static char order[64];
static int olen;

static void rec(char c) { order[olen++] = c, order[olen] = 0; }

/* Take L (forever), record arg's letter, release. */
static int taker(void *arg) {
  int r = tt_lock_acquire(&L, TT_FOREVER);
  if (r < 0)
    return r;
  ASSERT_TRUE(L.holder == tt_self());
  rec((char)(intptr_t)arg);
  ASSERT_OK(tt_lock_release(&L));
  return 0;
}

static int main_basic(void *arg) {
  ASSERT_OK(tt_lock_init(&L, "basic"));
  ASSERT_EQ(tt_lock_locked(&L), 0);
  ASSERT_ERR(tt_lock_release(&L), -EPERM); /* not held: refused */
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  ASSERT_EQ(tt_lock_locked(&L), 1);
  ASSERT_ERR(tt_lock_acquire(&L, TT_FOREVER), -EDEADLK); /* not re-entrant */
  ASSERT_ERR(tt_lock_acquire(&L, TT_NOWAIT), -EDEADLK);
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_ERR(tt_lock_release(&L), -EPERM); /* double release */
  ASSERT_OK(tt_lock_acquire(&L, TT_NOWAIT)); /* still usable */
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_ERR(tt_lock_init(NULL, "x"), -EINVAL);
  ASSERT_ERR(tt_lock_acquire(NULL, TT_FOREVER), -EINVAL);
  ASSERT_OK(tt_lock_close(&L));
  return 0;
}

TEST(basic) {
  ASSERT_EQ(tt_run(main_basic, NULL), 0);
  ASSERT_OK(tt_run(main_basic, NULL)); /* a lock made in one run is gone with it */
}

/* Someone else holds it: a release by us is refused, theirs works. */
static int hold_and_wait(void *arg) {
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  ASSERT_OK(tt_sleep_ms(20));
  ASSERT_OK(tt_lock_release(&L));
  return 0;
}

static int main_release_foreign_holder(void *arg) {
  ASSERT_OK(tt_lock_init(&L, "held"));
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, hold_and_wait, NULL, "holder"));
  ASSERT_OK(tt_yield());
  ASSERT_TRUE(L.holder == t);
  ASSERT_ERR(tt_lock_release(&L), -EPERM);
  ASSERT_TRUE(L.holder == t); /* unchanged */
  ASSERT_ERR(tt_lock_acquire(&L, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_ERR(tt_lock_acquire(&L, tt_after_ms(1)), -ETIMEDOUT);
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_OK(tt_join(t, NULL, TT_FOREVER));
  return 0;
}

TEST(release_by_non_holder) { ASSERT_EQ(tt_run(main_release_foreign_holder, NULL), 0); }

TEST(outside_task) {
  /* No loop at all: the lock was never owned by this thread's loop. */
  tt_lock l = {0};
  ASSERT_ERR(tt_lock_acquire(&l, TT_FOREVER), -EPERM);
  ASSERT_ERR(tt_lock_release(&l), -EPERM);
}

static int main_fifo(void *arg) {
  ASSERT_OK(tt_lock_init(&L, "fifo"));
  olen = 0;
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  tt_task *t[5];
  for (int i = 0; i < 5; i++) {
    ASSERT_OK(tt_spawn(&t[i], taker, (void *)(intptr_t)('a' + i), NULL));
    ASSERT_OK(tt_yield()); /* each parks in turn */
  }
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_OK(tt_gather(t, 5, NULL, TT_FOREVER));
  ASSERT_STR_EQ(order, "abcde");
  ASSERT_OK(tt_lock_close(&L));
  return 0;
}

TEST(fifo) { ASSERT_EQ(tt_run(main_fifo, NULL), 0); }

/* A newcomer arrives (is ready) before the release but runs after it,
 * before the woken waiter: it must not get the lock. The releaser asking
 * again queues behind both. */
static int try_nowait(void *arg) {
  int *res = arg;
  *res = tt_lock_acquire(&L, TT_NOWAIT);
  return 0;
}

static int main_no_barging(void *arg) {
  ASSERT_OK(tt_lock_init(&L, "nobarge"));
  olen = 0;
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  tt_task *b, *n1, *n2;
  ASSERT_OK(tt_spawn(&b, taker, (void *)(intptr_t)'b', "waiter"));
  ASSERT_OK(tt_yield()); /* b parks */
  int nres = 1;
  ASSERT_OK(tt_spawn(&n1, try_nowait, &nres, "newcomer-nowait"));
  ASSERT_OK(tt_spawn(&n2, taker, (void *)(intptr_t)'c', "newcomer"));
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_TRUE(L.holder == b); /* handed over before b even runs */
  ASSERT_ERR(tt_lock_acquire(&L, TT_NOWAIT), -ETIMEDOUT); /* the releaser */
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));             /* queues behind */
  rec('m');
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_ERR(nres, -ETIMEDOUT);
  ASSERT_OK(tt_join(b, NULL, TT_FOREVER));
  ASSERT_OK(tt_join(n1, NULL, TT_FOREVER));
  ASSERT_OK(tt_join(n2, NULL, TT_FOREVER));
  /* b first; the releaser asked before the newcomer that parked. */
  ASSERT_STR_EQ(order, "bmc");
  return 0;
}

TEST(no_barging) { ASSERT_EQ(tt_run(main_no_barging, NULL), 0); }

/* Three waiters a, b, c; b gives up (timeout or cancel) just before or
 * just after the release that hands the lock on. */
typedef struct waiter_res {
  char letter;
  tt_deadline deadline;
  int result;
  int pending_seen; /* the yield after a successful acquire said -ECANCELED */
} waiter_res;

#define WR(c, d) {.letter = (c), .deadline = (d)}

static int waiter(void *arg) {
  waiter_res *w = arg;
  w->result = tt_lock_acquire(&L, w->deadline);
  if (w->result < 0) {
    ASSERT_TRUE(L.holder != tt_self());
    return 0;
  }
  ASSERT_TRUE(L.holder == tt_self());
  rec(w->letter);
  w->pending_seen = tt_yield() == -ECANCELED;
  ASSERT_OK(tt_lock_release(&L));
  return 0;
}

static void spawn3(tt_task *t[3], waiter_res w[3]) {
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(tt_spawn(&t[i], waiter, &w[i], NULL));
    ASSERT_OK(tt_yield());
  }
  ASSERT_EQ(list_len(&L.waiters), 3);
}

static void busy_until(int64_t t) {
  while (tt_now() < t)
    ;
}

static int main_timeout_before_release(void *arg) {
  ASSERT_OK(tt_lock_init(&L, NULL));
  olen = 0;
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  tt_task *t[3];
  waiter_res w[3] = {WR('a', TT_FOREVER), WR('b', tt_after_ms(SHORT_MS)), WR('c', TT_FOREVER)};
  spawn3(t, w);
  ASSERT_OK(tt_sleep_ms(2 * SHORT_MS)); /* b's deadline passes while we hold it */
  ASSERT_EQ(list_len(&L.waiters), 2);
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_ERR(w[1].result, -ETIMEDOUT);
  ASSERT_OK(w[0].result);
  ASSERT_OK(w[2].result);
  ASSERT_STR_EQ(order, "ac");
  ASSERT_EQ(tt_lock_locked(&L), 0);
  return 0;
}

TEST(timeout_middle_before_release) {
  ASSERT_EQ(tt_run(main_timeout_before_release, NULL), 0);
}

/* a's deadline passes after the release handed it the lock but before the
 * loop could fire its timer: the hand-off came first, a holds the lock. */
static int main_timeout_after_release(void *arg) {
  ASSERT_OK(tt_lock_init(&L, NULL));
  olen = 0;
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  tt_task *t[3];
  waiter_res w[3] = {WR('a', TT_FOREVER), WR('b', tt_after_ms(SHORT_MS)), WR('c', TT_FOREVER)};
  spawn3(t, w);
  ASSERT_OK(tt_lock_release(&L)); /* to a */
  busy_until(w[1].deadline + 2000000); /* b's deadline passes, no timer ran */
  ASSERT_OK(tt_sleep_ms(2 * SHORT_MS));          /* now it fires: b times out */
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_ERR(w[1].result, -ETIMEDOUT);
  ASSERT_OK(w[2].result);
  ASSERT_STR_EQ(order, "ac");

  /* Now the first waiter's own deadline passes after the hand-off. */
  olen = 0;
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  waiter_res v[3] = {WR('a', tt_after_ms(SHORT_MS)), WR('b', TT_FOREVER), WR('c', TT_FOREVER)};
  spawn3(t, v);
  busy_until(v[0].deadline + 2000000);
  ASSERT_OK(tt_lock_release(&L)); /* a is still parked: it gets the lock */
  ASSERT_TRUE(L.holder == t[0]);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(v[0].result);
  ASSERT_OK(v[1].result);
  ASSERT_OK(v[2].result);
  ASSERT_STR_EQ(order, "abc");
  return 0;
}

TEST(timeout_after_release) { ASSERT_EQ(tt_run(main_timeout_after_release, NULL), 0); }

static int main_cancel_before_release(void *arg) {
  ASSERT_OK(tt_lock_init(&L, NULL));
  olen = 0;
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  tt_task *t[3];
  waiter_res w[3] = {WR('a', TT_FOREVER), WR('b', TT_FOREVER), WR('c', TT_FOREVER)};
  spawn3(t, w);
  ASSERT_OK(tt_cancel(t[1]));
  ASSERT_EQ(list_len(&L.waiters), 2); /* b left at once */
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_TRUE(L.holder == t[0]);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_ERR(w[1].result, -ECANCELED);
  ASSERT_OK(w[2].result);
  ASSERT_STR_EQ(order, "ac");
  return 0;
}

TEST(cancel_middle_before_release) { ASSERT_EQ(tt_run(main_cancel_before_release, NULL), 0); }

/* a is handed the lock, then cancelled before it runs: its acquire still
 * succeeds (it owns the lock), and the cancel surfaces at its next yield. */
static int main_cancel_after_release(void *arg) {
  ASSERT_OK(tt_lock_init(&L, NULL));
  olen = 0;
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  tt_task *t[3];
  waiter_res w[3] = {WR('a', TT_FOREVER), WR('b', TT_FOREVER), WR('c', TT_FOREVER)};
  spawn3(t, w);
  ASSERT_OK(tt_lock_release(&L));
  ASSERT_OK(tt_cancel(t[0]));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_EQ(w[0].pending_seen, 1);
  ASSERT_OK(w[1].result);
  ASSERT_EQ(w[1].pending_seen, 0);
  ASSERT_OK(w[2].result);
  ASSERT_STR_EQ(order, "abc");
  ASSERT_EQ(tt_lock_locked(&L), 0);
  return 0;
}

TEST(cancel_after_release) { ASSERT_EQ(tt_run(main_cancel_after_release, NULL), 0); }

/* Calls from a thread that does not own the loop are refused and change
 * nothing. */
static int foreign_ops(void *arg) {
  ASSERT_ERR(tt_lock_acquire(&L, TT_NOWAIT), -EPERM);
  ASSERT_ERR(tt_lock_release(&L), -EPERM);
  ASSERT_ERR(tt_lock_close(&L), -EPERM);
  return 0;
}

static int main_wrong_thread(void *arg) {
  ASSERT_OK(tt_lock_init(&L, "owned"));
  ASSERT_OK(on_foreign_thread(foreign_ops, NULL));
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  ASSERT_OK(on_foreign_thread(foreign_ops, NULL));
  ASSERT_TRUE(L.holder == tt_self());
  ASSERT_OK(tt_lock_release(&L));
  return 0;
}

TEST(wrong_thread) { ASSERT_EQ(tt_run(main_wrong_thread, NULL), 0); }

static int main_close_busy(void *arg) {
  ASSERT_OK(tt_lock_init(&L, NULL));
  olen = 0;
  ASSERT_OK(tt_lock_acquire(&L, TT_FOREVER));
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, taker, (void *)(intptr_t)'a', NULL));
  ASSERT_OK(tt_yield());
  ASSERT_ERR(tt_lock_close(&L), -EBUSY);
  ASSERT_ERR(tt_lock_close(&L), -EBUSY);
  ASSERT_OK(tt_lock_release(&L)); /* still works */
  ASSERT_OK(tt_join(t, NULL, TT_FOREVER));
  ASSERT_STR_EQ(order, "a");
  ASSERT_OK(tt_lock_close(&L));
  return 0;
}

TEST(close_busy) { ASSERT_EQ(tt_run(main_close_busy, NULL), 0); }

/* ---- Stress: many tasks, random deadlines, a chaos task cancelling ---- */

#define NW 24
#define ITERS 120

static uint64_t run_seed;
static int holders, acquires, releases;
static int issued[NW], seen[NW];
static tt_task *workers[NW];

static int lock_worker(void *arg) {
  int id = (int)(intptr_t)arg;
  trng r = {run_seed * 1000 + (uint64_t)id};
  for (int i = 0; i < ITERS; i++) {
    tt_deadline d = rand_deadline(&r);
    int e = tt_lock_acquire(&L, d);
    if (e < 0) {
      check_failed_wait(e, d);
      seen[id] += e == -ECANCELED;
      ASSERT_TRUE(L.holder != tt_self());
      continue;
    }
    ASSERT_TRUE(L.holder == tt_self());
    ASSERT_EQ(++holders, 1);
    acquires++;
    rand_pause(&r, &seen[id]); /* hold it across yields */
    ASSERT_EQ(holders, 1);
    ASSERT_TRUE(L.holder == tt_self());
    holders--;
    ASSERT_OK(tt_lock_release(&L));
    releases++;
    /* A release hands on or frees: never free with someone waiting. */
    ASSERT_TRUE(L.holder != NULL || list_len(&L.waiters) == 0);
    rand_pause(&r, &seen[id]);
  }
  return 0;
}

static int main_stress(void *arg) {
  uint64_t seed = run_seed = (uint64_t)(intptr_t)arg;
  ASSERT_OK(tt_lock_init(&L, "stress"));
  holders = acquires = releases = 0;
  for (int i = 0; i < NW; i++) {
    issued[i] = seen[i] = 0;
    ASSERT_OK(tt_spawn(&workers[i], lock_worker, (void *)(intptr_t)i, NULL));
  }
  chaos c = {workers, issued, NW, 300, seed};
  tt_task *ct;
  ASSERT_OK(tt_spawn(&ct, chaos_fn, &c, "chaos"));
  ASSERT_OK(tt_join(ct, NULL, TT_FOREVER));
  ASSERT_OK(tt_gather(workers, NW, NULL, TT_FOREVER));
  ASSERT_EQ(holders, 0);
  ASSERT_EQ(acquires, releases);
  ASSERT_GE(acquires, NW * ITERS / 4);
  int total_seen = 0;
  for (int i = 0; i < NW; i++) {
    ASSERT_LE(seen[i], issued[i]); /* a cancel is delivered at most once */
    total_seen += seen[i];
  }
  ASSERT_GE(total_seen, 1);
  ASSERT_EQ(tt_lock_locked(&L), 0);
  ASSERT_OK(tt_lock_close(&L));
  return 0;
}

TEST(stress_seeded) { run_seeded(main_stress); }

/* Issue 10 item 5: a task that finished holding L and was joined gives its
 * record back to the pool; the next spawn reuses it. That new task must
 * not be taken for L's holder: its acquire waits (here: times out) instead
 * of -EDEADLK, and it may not release L. */
static int take_and_return(void *arg) { return tt_lock_acquire(&L, TT_FOREVER); }

static int try_foreign(void *arg) {
  ASSERT_ERR(tt_lock_acquire(&L, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_ERR(tt_lock_release(&L), -EPERM);
  return 0;
}

static int main_holder_reused(void *arg) {
  ASSERT_OK(tt_lock_init(&L, "reused"));
  tt_task *a, *b;
  ASSERT_OK(tt_spawn(&a, take_and_return, NULL, "old-holder"));
  ASSERT_OK(tt_join(a, NULL, TT_FOREVER));
  ASSERT_OK(tt_spawn(&b, try_foreign, NULL, "metrics"));
  ASSERT_TRUE(b == a); /* the pool hands the record out again: what this test is about */
  ASSERT_OK(tt_join(b, NULL, TT_FOREVER));
  ASSERT_EQ(tt_lock_locked(&L), 1); /* still held by the finished task, as in asyncio */
  return 0;
}

TEST(holder_survives_record_reuse) { ASSERT_EQ(tt_run(main_holder_reused, NULL), 0); }

/* Issue 10 item 8: the -EDEADLK text fits both its uses. */
TEST(strerror_edeadlk) {
  ASSERT_TRUE(strstr(tt_strerror(-EDEADLK), "no task can run") != NULL);
  ASSERT_TRUE(strstr(tt_strerror(-EDEADLK), "taken again by its holder") != NULL);
}

/* ---- Issue 10 item 7: a cycle through a lock and a join is refused where it
 * forms; a wait with a deadline never closes one (its timeout breaks it). */
static tt_lock CY;
static int take_cy(void *arg) {
  tt_deadline d = arg ? tt_after_ms(20) : TT_FOREVER;
  int r = tt_lock_acquire(&CY, d);
  if (r == 0)
    tt_lock_release(&CY);
  return r;
}
static int main_lock_join_cycle(void *arg) {
  (void)arg;
  tt_task *t;
  int r = 1;
  tt_lock_init(&CY, "CY");
  ASSERT_OK(tt_lock_acquire(&CY, TT_FOREVER));
  ASSERT_OK(tt_spawn(&t, take_cy, NULL, "taker"));
  ASSERT_OK(tt_yield()); /* taker waits for CY, held by main */
  ASSERT_ERR(tt_join(t, &r, TT_FOREVER), -EDEADLK); /* main -> taker -> main */
  ASSERT_ERR(tt_join(t, &r, tt_after_ms(5)), -ETIMEDOUT); /* with a deadline: a plain wait */
  ASSERT_OK(tt_lock_release(&CY));
  ASSERT_OK(tt_join(t, &r, TT_FOREVER));
  ASSERT_EQ(r, 0);
  /* A taker with a deadline: main's untimed join closes no cycle (the
   * taker's timeout breaks it). */
  ASSERT_OK(tt_lock_acquire(&CY, TT_FOREVER));
  ASSERT_OK(tt_spawn(&t, take_cy, (void *)1, "timed-taker"));
  ASSERT_OK(tt_yield());
  ASSERT_OK(tt_join(t, &r, TT_FOREVER));
  ASSERT_EQ(r, -ETIMEDOUT);
  return tt_lock_release(&CY);
}
TEST(lock_join_cycle_refused) { ASSERT_EQ(tt_run(main_lock_join_cycle, NULL), 0); }
