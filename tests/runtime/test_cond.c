/* Condition: wait/notify/notify_all with its own lock or a given one,
 * errors (-EPERM without the lock), FIFO notification, the lock held again
 * on every return (notified, timed out, cancelled), a cancel during the
 * re-acquire kept pending, timeouts and cancels around a notify,
 * wrong-thread calls, and a seeded stress run checking that every
 * notification reaches exactly one waiter. */
#include "sync_util.h"

static tt_cond C;
static tt_lock *CL; /* C's lock */
static char order[64];
static int olen;

static void rec(char c) { order[olen++] = c, order[olen] = 0; }

typedef struct cw {
  char letter;
  tt_deadline deadline;
  int result;
  int returned;     /* wait has returned */
  int pending_seen; /* the yield after the wait (lock released) said -ECANCELED */
} cw;

#define CW(c, d) {.letter = (c), .deadline = (d), .result = 1}

static int cond_waiter(void *arg) {
  cw *w = arg;
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  w->result = tt_cond_wait(&C, w->deadline);
  ASSERT_TRUE(CL->holder == tt_self()); /* held again, whatever the result */
  w->returned = 1;
  if (w->result == 0)
    rec(w->letter);
  ASSERT_OK(tt_lock_release(CL));
  w->pending_seen = tt_yield() == -ECANCELED;
  return 0;
}

static void spawn_waiters(tt_task **t, cw *w, int n) {
  for (int i = 0; i < n; i++)
    ASSERT_OK(tt_spawn(&t[i], cond_waiter, &w[i], NULL));
  ASSERT_OK(tt_yield()); /* each takes the lock, waits, releases it, in order */
  ASSERT_EQ(list_len(&C.waiters), n);
  ASSERT_EQ(tt_lock_locked(CL), 0);
}

static int main_basic(void *arg) {
  ASSERT_ERR(tt_cond_init(NULL, NULL, "x"), -EINVAL);
  ASSERT_OK(tt_cond_init(&C, NULL, "basic"));
  CL = tt_cond_lock(&C);
  ASSERT_TRUE(CL == &C.own_lock);
  ASSERT_ERR(tt_cond_wait(&C, TT_FOREVER), -EPERM); /* lock not held */
  ASSERT_ERR(tt_cond_notify(&C, 1), -EPERM);
  ASSERT_ERR(tt_cond_notify_all(&C), -EPERM);
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  ASSERT_EQ(tt_cond_notify(&C, 1), 0); /* nobody waits: nothing woken */
  ASSERT_EQ(tt_cond_notify_all(&C), 0);
  ASSERT_ERR(tt_cond_notify(&C, -1), -EINVAL);
  ASSERT_ERR(tt_cond_wait(&C, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_TRUE(CL->holder == tt_self());
  int64_t t0 = tt_now();
  ASSERT_ERR(tt_cond_wait(&C, tt_after_ms(10)), -ETIMEDOUT);
  ASSERT_GE(tt_now() - t0, 10 * 1000000LL);
  ASSERT_TRUE(CL->holder == tt_self());
  ASSERT_OK(tt_lock_release(CL));
  ASSERT_ERR(tt_cond_wait(NULL, TT_FOREVER), -EINVAL);
  ASSERT_OK(tt_cond_close(&C));

  /* With a given lock. */
  static tt_lock given;
  ASSERT_OK(tt_lock_init(&given, "given"));
  ASSERT_OK(tt_cond_init(&C, &given, "withlock"));
  ASSERT_TRUE(tt_cond_lock(&C) == &given);
  ASSERT_ERR(tt_cond_wait(&C, TT_NOWAIT), -EPERM);
  ASSERT_OK(tt_lock_acquire(&given, TT_FOREVER));
  ASSERT_ERR(tt_cond_wait(&C, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_TRUE(given.holder == tt_self());
  ASSERT_OK(tt_lock_release(&given));
  ASSERT_OK(tt_cond_close(&C));
  return 0;
}

TEST(basic) { ASSERT_EQ(tt_run(main_basic, NULL), 0); }

/* Held by another task: wait and notify are refused for us. */
static int hold_a_while(void *arg) {
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  ASSERT_OK(tt_sleep_ms(10));
  ASSERT_OK(tt_lock_release(CL));
  return 0;
}

static int main_not_holder(void *arg) {
  ASSERT_OK(tt_cond_init(&C, NULL, NULL));
  CL = tt_cond_lock(&C);
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, hold_a_while, NULL, NULL));
  ASSERT_OK(tt_yield());
  ASSERT_TRUE(tt_lock_locked(CL));
  ASSERT_ERR(tt_cond_wait(&C, TT_FOREVER), -EPERM);
  ASSERT_ERR(tt_cond_notify(&C, 1), -EPERM);
  ASSERT_OK(tt_join(t, NULL, TT_FOREVER));
  return 0;
}

TEST(not_holder) { ASSERT_EQ(tt_run(main_not_holder, NULL), 0); }

static int main_notify_fifo(void *arg) {
  ASSERT_OK(tt_cond_init(&C, NULL, NULL));
  CL = tt_cond_lock(&C);
  olen = 0;
  tt_task *t[5];
  cw w[5] = {CW('a', TT_FOREVER), CW('b', TT_FOREVER), CW('c', TT_FOREVER),
             CW('d', TT_FOREVER), CW('e', TT_FOREVER)};
  spawn_waiters(t, w, 5);
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  ASSERT_EQ(tt_cond_notify(&C, 1), 1);
  ASSERT_EQ(tt_cond_notify(&C, 2), 2);
  ASSERT_EQ(list_len(&C.waiters), 2);
  ASSERT_OK(tt_lock_release(CL));
  ASSERT_OK(tt_sleep_ms(5));
  ASSERT_STR_EQ(order, "abc");
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  ASSERT_EQ(tt_cond_notify_all(&C), 2);
  ASSERT_EQ(tt_cond_notify(&C, 3), 0);
  ASSERT_OK(tt_lock_release(CL));
  ASSERT_OK(tt_gather(t, 5, NULL, TT_FOREVER));
  ASSERT_STR_EQ(order, "abcde");
  ASSERT_OK(tt_cond_close(&C));
  return 0;
}

TEST(notify_fifo) { ASSERT_EQ(tt_run(main_notify_fifo, NULL), 0); }

/* A cancelled (or timed-out) waiter returns only once it holds the lock
 * again: while we hold it, it stays blocked. */
static int main_cancel_holds_lock(void *arg) {
  ASSERT_OK(tt_cond_init(&C, NULL, NULL));
  CL = tt_cond_lock(&C);
  tt_task *t[2];
  cw w[2] = {CW('a', TT_FOREVER), CW('b', tt_after_ms(SHORT_MS))};
  spawn_waiters(t, w, 2);
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  ASSERT_OK(tt_cancel(t[0]));
  ASSERT_OK(tt_sleep_ms(2 * SHORT_MS)); /* b times out meanwhile */
  ASSERT_EQ(w[0].returned + w[1].returned, 0); /* both wait for the lock */
  ASSERT_EQ(list_len(&CL->waiters), 2);
  ASSERT_EQ(list_len(&C.waiters), 0);
  ASSERT_EQ(tt_cond_notify_all(&C), 0); /* nobody left to notify */
  ASSERT_OK(tt_lock_release(CL));
  ASSERT_OK(tt_gather(t, 2, NULL, TT_FOREVER));
  ASSERT_ERR(w[0].result, -ECANCELED);
  ASSERT_ERR(w[1].result, -ETIMEDOUT);
  ASSERT_EQ(w[0].pending_seen + w[1].pending_seen, 0);
  return 0;
}

TEST(cancel_timeout_hold_lock) { ASSERT_EQ(tt_run(main_cancel_holds_lock, NULL), 0); }

/* A cancel that arrives while the notified waiter takes the lock back
 * neither interrupts that nor is lost: wait returns 0 with the lock, the
 * cancel comes at the next yield point. Both orders: cancel while it is
 * ready to run, and while it is parked on the lock. */
static int main_cancel_during_reacquire(void *arg) {
  ASSERT_OK(tt_cond_init(&C, NULL, NULL));
  CL = tt_cond_lock(&C);
  olen = 0;
  tt_task *t[2];
  cw w[2] = {CW('a', TT_FOREVER), CW('b', TT_FOREVER)};
  spawn_waiters(t, w, 2);
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  ASSERT_EQ(tt_cond_notify(&C, 2), 2);
  ASSERT_OK(tt_cancel(t[0])); /* a: woken, not yet run */
  ASSERT_OK(tt_yield());      /* both run and park on the lock */
  ASSERT_EQ(list_len(&CL->waiters), 2);
  ASSERT_OK(tt_cancel(t[1])); /* b: parked, uncancellably */
  ASSERT_OK(tt_yield());
  ASSERT_EQ(list_len(&CL->waiters), 2);
  ASSERT_EQ(w[0].returned + w[1].returned, 0);
  ASSERT_OK(tt_lock_release(CL));
  ASSERT_OK(tt_gather(t, 2, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_OK(w[1].result);
  ASSERT_EQ(w[0].pending_seen, 1);
  ASSERT_EQ(w[1].pending_seen, 1);
  ASSERT_STR_EQ(order, "ab");
  return 0;
}

TEST(cancel_during_reacquire) { ASSERT_EQ(tt_run(main_cancel_during_reacquire, NULL), 0); }

/* Three waiters; the middle one gives up just before a notify(1): the
 * notification goes to the next one. Or it gives up just after being
 * notified: it returns 0, and the others are not notified in its place. */
static int main_gives_up_around_notify(void *arg) {
  ASSERT_OK(tt_cond_init(&C, NULL, NULL));
  CL = tt_cond_lock(&C);
  tt_task *t[3];
  for (int variant = 0; variant < 4; variant++) {
    olen = 0;
    tt_deadline d = variant & 1 ? tt_after_ms(SHORT_MS) : TT_FOREVER;
    cw w[3] = {CW('a', TT_FOREVER), CW('b', d), CW('c', TT_FOREVER)};
    spawn_waiters(t, w, 3);
    ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
    ASSERT_EQ(tt_cond_notify(&C, 1), 1); /* a */
    if (variant < 2) {
      /* b gives up first. */
      if (variant == 0)
        ASSERT_OK(tt_cancel(t[1]));
      else
        ASSERT_OK(tt_sleep_ms(2 * SHORT_MS));
      ASSERT_EQ(list_len(&C.waiters), 1);
      ASSERT_EQ(tt_cond_notify(&C, 1), 1); /* c */
      ASSERT_OK(tt_lock_release(CL));
      ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
      ASSERT_ERR(w[1].result, variant == 0 ? -ECANCELED : -ETIMEDOUT);
      ASSERT_STR_EQ(order, "ac");
    } else {
      /* b is notified, then cancelled or past its deadline. */
      ASSERT_EQ(tt_cond_notify(&C, 1), 1); /* b */
      if (variant == 2)
        ASSERT_OK(tt_cancel(t[1]));
      else
        while (tt_now() < d + 2000000)
          ;
      ASSERT_OK(tt_lock_release(CL));
      ASSERT_OK(tt_sleep_ms(2 * SHORT_MS));
      ASSERT_STR_EQ(order, "ab");
      ASSERT_EQ(w[2].returned, 0); /* c was not notified in b's place */
      ASSERT_EQ(w[1].pending_seen, variant == 2);
      ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
      ASSERT_EQ(tt_cond_notify(&C, 1), 1);
      ASSERT_OK(tt_lock_release(CL));
      ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
      ASSERT_STR_EQ(order, "abc");
    }
    ASSERT_OK(w[0].result);
    ASSERT_OK(w[2].result);
  }
  return 0;
}

TEST(gives_up_around_notify) { ASSERT_EQ(tt_run(main_gives_up_around_notify, NULL), 0); }

static int main_pending_cancel(void *arg) {
  ASSERT_OK(tt_cond_init(&C, NULL, NULL));
  CL = tt_cond_lock(&C);
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  ASSERT_OK(tt_cancel(tt_self()));
  ASSERT_ERR(tt_cond_wait(&C, TT_FOREVER), -ECANCELED);
  ASSERT_TRUE(CL->holder == tt_self()); /* never let go */
  ASSERT_OK(tt_lock_release(CL));
  return 0;
}

TEST(pending_cancel) { ASSERT_EQ(tt_run(main_pending_cancel, NULL), 0); }

static int main_close_busy(void *arg) {
  ASSERT_OK(tt_cond_init(&C, NULL, NULL));
  CL = tt_cond_lock(&C);
  olen = 0;
  tt_task *t[1];
  cw w[1] = {CW('a', TT_FOREVER)};
  spawn_waiters(t, w, 1);
  ASSERT_ERR(tt_cond_close(&C), -EBUSY);
  ASSERT_ERR(tt_cond_close(&C), -EBUSY);
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER)); /* still works */
  ASSERT_EQ(tt_cond_notify(&C, 1), 1);
  ASSERT_OK(tt_yield());
  ASSERT_ERR(tt_cond_close(&C), -EBUSY); /* a now waits for the own lock */
  ASSERT_OK(tt_lock_release(CL));
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  ASSERT_STR_EQ(order, "a");
  ASSERT_OK(tt_cond_close(&C));
  return 0;
}

TEST(close_busy) { ASSERT_EQ(tt_run(main_close_busy, NULL), 0); }

static int foreign_ops(void *arg) {
  ASSERT_ERR(tt_cond_wait(&C, TT_NOWAIT), -EPERM);
  ASSERT_ERR(tt_cond_notify(&C, 1), -EPERM);
  ASSERT_ERR(tt_cond_notify_all(&C), -EPERM);
  ASSERT_ERR(tt_cond_close(&C), -EPERM);
  return 0;
}

static int main_wrong_thread(void *arg) {
  ASSERT_OK(tt_cond_init(&C, NULL, "owned"));
  CL = tt_cond_lock(&C);
  olen = 0;
  tt_task *t[1];
  cw w[1] = {CW('a', TT_FOREVER)};
  spawn_waiters(t, w, 1);
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  ASSERT_OK(on_foreign_thread(foreign_ops, NULL));
  ASSERT_EQ(list_len(&C.waiters), 1); /* nobody notified */
  ASSERT_EQ(tt_cond_notify(&C, 1), 1);
  ASSERT_OK(tt_lock_release(CL));
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  return 0;
}

TEST(wrong_thread) { ASSERT_EQ(tt_run(main_wrong_thread, NULL), 0); }

/* ---- Stress: producers add items under the lock and notify(1);
 * consumers wait for items with random deadlines. Every notification
 * counted by notify must come back as exactly one wait returning 0, the
 * lock must be held after every wait, and items are conserved. ---- */

#define NP 6
#define NC 18
#define PER 40

static uint64_t run_seed;
static int items, produced, consumed, notified, zeros, done;
static int issued[NP + NC], seen[NP + NC];
static tt_task *workers[NP + NC];

static int cproducer(void *arg) {
  int id = (int)(intptr_t)arg;
  trng r = {run_seed * 1000 + (uint64_t)id};
  for (int i = 0; i < PER; i++) {
    tt_deadline d = rand_deadline(&r);
    int e = tt_lock_acquire(CL, d);
    if (e < 0) {
      check_failed_wait(e, d);
      seen[id] += e == -ECANCELED;
      continue;
    }
    items++;
    produced++;
    int n = tt_cond_notify(&C, 1);
    ASSERT_GE(n, 0);
    notified += n;
    rand_pause(&r, &seen[id]); /* sometimes hold it a while */
    ASSERT_OK(tt_lock_release(CL));
    rand_pause(&r, &seen[id]);
  }
  return 0;
}

static int cconsumer(void *arg) {
  int id = (int)(intptr_t)arg;
  trng r = {run_seed * 1000 + (uint64_t)id};
  for (;;) {
    int e = tt_lock_acquire(CL, TT_FOREVER);
    if (e < 0) {
      ASSERT_ERR(e, -ECANCELED);
      seen[id]++;
      continue;
    }
    while (items == 0 && !done) {
      tt_deadline d = rand_deadline(&r);
      e = tt_cond_wait(&C, d);
      ASSERT_TRUE(CL->holder == tt_self());
      if (e == 0) {
        zeros++;
      } else {
        check_failed_wait(e, d);
        seen[id] += e == -ECANCELED;
        if (trng_below(&r, 2))
          break; /* give up this round, lock still held */
      }
    }
    ASSERT_TRUE(CL->holder == tt_self());
    if (items > 0) {
      items--;
      consumed++;
    } else if (done) {
      ASSERT_OK(tt_lock_release(CL));
      return 0;
    }
    ASSERT_OK(tt_lock_release(CL));
    rand_pause(&r, &seen[id]);
  }
}

static int main_stress(void *arg) {
  run_seed = (uint64_t)(intptr_t)arg;
  static tt_lock lk;
  ASSERT_OK(tt_lock_init(&lk, "stress-lock"));
  ASSERT_OK(tt_cond_init(&C, &lk, "stress"));
  CL = &lk;
  items = produced = consumed = notified = zeros = done = 0;
  for (int i = 0; i < NP + NC; i++) {
    issued[i] = seen[i] = 0;
    ASSERT_OK(tt_spawn(&workers[i], i < NP ? cproducer : cconsumer, (void *)(intptr_t)i, NULL));
  }
  chaos c = {workers, issued, NP + NC, 300, run_seed};
  tt_task *ct;
  ASSERT_OK(tt_spawn(&ct, chaos_fn, &c, "chaos"));
  ASSERT_OK(tt_join(ct, NULL, TT_FOREVER));
  ASSERT_OK(tt_gather(workers, NP, NULL, TT_FOREVER));
  ASSERT_OK(tt_lock_acquire(CL, TT_FOREVER));
  done = 1;
  int n = tt_cond_notify_all(&C);
  ASSERT_GE(n, 0);
  notified += n;
  ASSERT_OK(tt_lock_release(CL));
  ASSERT_OK(tt_gather(workers + NP, NC, NULL, TT_FOREVER));
  ASSERT_EQ(zeros, notified);
  ASSERT_GE(notified, NP * PER / 4);
  ASSERT_EQ(produced, consumed + items);
  ASSERT_GE(produced, NP * PER / 4);
  for (int i = 0; i < NP + NC; i++)
    ASSERT_LE(seen[i], issued[i]);
  ASSERT_EQ(tt_lock_locked(CL), 0);
  ASSERT_OK(tt_cond_close(&C));
  ASSERT_OK(tt_lock_close(&lk));
  return 0;
}

TEST(stress_seeded) { run_seeded(main_stress); }
