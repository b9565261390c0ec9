/* Semaphore and BoundedSemaphore: counting, errors (-EINVAL, -EOVERFLOW),
 * FIFO permit hand-off, no barging, timeouts and cancels around a release,
 * wrong-thread calls, and a seeded stress run checking that permits are
 * conserved (value + held == initial). */
#include "sync_util.h"

static tt_sem S;
static char order[64];
static int olen;

static void rec(char c) { order[olen++] = c, order[olen] = 0; }

typedef struct sem_waiter {
  char letter;
  tt_deadline deadline;
  int result;
  int pending_seen;
} sem_waiter;

#define SW(c, d) {.letter = (c), .deadline = (d)}

/* Acquire, record, yield once (a pending cancel shows there), release. */
static int sem_waiter_fn(void *arg) {
  sem_waiter *w = arg;
  w->result = tt_sem_acquire(&S, w->deadline);
  if (w->result < 0)
    return 0;
  rec(w->letter);
  w->pending_seen = tt_yield() == -ECANCELED;
  ASSERT_OK(tt_sem_release(&S));
  return 0;
}

static void spawn_waiters(tt_task **t, sem_waiter *w, int n) {
  for (int i = 0; i < n; i++) {
    ASSERT_OK(tt_spawn(&t[i], sem_waiter_fn, &w[i], NULL));
    ASSERT_OK(tt_yield()); /* each parks in turn: FIFO order is spawn order */
  }
  ASSERT_EQ(list_len(&S.waiters), n);
}

static int main_basic(void *arg) {
  ASSERT_ERR(tt_sem_init(&S, -1, "neg"), -EINVAL);
  ASSERT_ERR(tt_bsem_init(&S, -3, "neg"), -EINVAL);
  ASSERT_ERR(tt_sem_init(NULL, 1, "x"), -EINVAL);
  ASSERT_OK(tt_sem_init(&S, 2, "basic"));
  ASSERT_EQ(tt_sem_value(&S), 2);
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER));
  ASSERT_OK(tt_sem_acquire(&S, TT_NOWAIT));
  ASSERT_EQ(tt_sem_value(&S), 0);
  ASSERT_ERR(tt_sem_acquire(&S, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_ERR(tt_sem_acquire(&S, tt_after_ms(5)), -ETIMEDOUT);
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_OK(tt_sem_release(&S)); /* a plain semaphore may go above its start */
  ASSERT_EQ(tt_sem_value(&S), 3);
  ASSERT_OK(tt_sem_close(&S));

  ASSERT_OK(tt_sem_init(&S, 0, "zero"));
  ASSERT_ERR(tt_sem_acquire(&S, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_OK(tt_sem_acquire(&S, TT_NOWAIT));
  ASSERT_ERR(tt_sem_acquire(NULL, TT_NOWAIT), -EINVAL);
  ASSERT_ERR(tt_sem_release(NULL), -EINVAL);
  ASSERT_ERR(tt_sem_value(NULL), -EINVAL);
  return 0;
}

TEST(basic) { ASSERT_EQ(tt_run(main_basic, NULL), 0); }

static int main_bounded(void *arg) {
  ASSERT_OK(tt_bsem_init(&S, 2, "bounded"));
  ASSERT_ERR(tt_sem_release(&S), -EOVERFLOW); /* asyncio: ValueError */
  ASSERT_EQ(tt_sem_value(&S), 2);             /* unchanged */
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER));
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_ERR(tt_sem_release(&S), -EOVERFLOW);
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER)); /* still usable */
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER));
  ASSERT_EQ(tt_sem_value(&S), 0);
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_ERR(tt_sem_release(&S), -EOVERFLOW);
  ASSERT_EQ(tt_sem_value(&S), 2);
  ASSERT_OK(tt_sem_close(&S));
  ASSERT_OK(tt_bsem_init(&S, 0, "empty"));
  ASSERT_ERR(tt_sem_release(&S), -EOVERFLOW);
  ASSERT_EQ(tt_sem_value(&S), 0);
  return 0;
}

TEST(bounded) { ASSERT_EQ(tt_run(main_bounded, NULL), 0); }

TEST(outside_task) {
  tt_sem s = {0};
  ASSERT_ERR(tt_sem_acquire(&s, TT_NOWAIT), -EPERM);
  ASSERT_ERR(tt_sem_release(&s), -EPERM);
}

/* Permits go to waiters in arrival order; the releaser and a newcomer that
 * was ready before the release do not get one first. */
static int try_nowait(void *arg) {
  *(int *)arg = tt_sem_acquire(&S, TT_NOWAIT);
  return 0;
}

static int main_fifo_no_barging(void *arg) {
  ASSERT_OK(tt_bsem_init(&S, 1, "fifo"));
  olen = 0;
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER));
  tt_task *t[3], *n;
  sem_waiter w[3] = {SW('a', TT_FOREVER), SW('b', TT_FOREVER), SW('c', TT_FOREVER)};
  spawn_waiters(t, w, 3);
  int nres = 1;
  ASSERT_OK(tt_spawn(&n, try_nowait, &nres, "newcomer"));
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_EQ(tt_sem_value(&S), 0); /* the permit went to a, not to the pool */
  ASSERT_EQ(list_len(&S.waiters), 2);
  ASSERT_ERR(tt_sem_acquire(&S, TT_NOWAIT), -ETIMEDOUT); /* the releaser */
  sem_waiter me = SW('m', TT_FOREVER);
  sem_waiter_fn(&me); /* queues behind b and c */
  ASSERT_OK(me.result);
  ASSERT_ERR(nres, -ETIMEDOUT);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(tt_join(n, NULL, TT_FOREVER));
  ASSERT_STR_EQ(order, "abcm");
  ASSERT_EQ(tt_sem_value(&S), 1);
  ASSERT_OK(tt_sem_close(&S));
  return 0;
}

TEST(fifo_no_barging) { ASSERT_EQ(tt_run(main_fifo_no_barging, NULL), 0); }

static int main_cancel_around_release(void *arg) {
  ASSERT_OK(tt_bsem_init(&S, 1, NULL));
  olen = 0;
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER));
  tt_task *t[3];
  /* b is cancelled before the release: a and c get the permit. */
  sem_waiter w[3] = {SW('a', TT_FOREVER), SW('b', TT_FOREVER), SW('c', TT_FOREVER)};
  spawn_waiters(t, w, 3);
  ASSERT_OK(tt_cancel(t[1]));
  ASSERT_EQ(list_len(&S.waiters), 2);
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_ERR(w[1].result, -ECANCELED);
  ASSERT_OK(w[2].result);
  ASSERT_STR_EQ(order, "ac");
  ASSERT_EQ(tt_sem_value(&S), 1);

  /* a is cancelled after the release handed it the permit: it keeps it
   * (and gives it back), the cancel comes at its next yield. */
  olen = 0;
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER));
  sem_waiter v[3] = {SW('a', TT_FOREVER), SW('b', TT_FOREVER), SW('c', TT_FOREVER)};
  spawn_waiters(t, v, 3);
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_OK(tt_cancel(t[0]));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  for (int i = 0; i < 3; i++)
    ASSERT_OK(v[i].result);
  ASSERT_EQ(v[0].pending_seen, 1);
  ASSERT_EQ(v[1].pending_seen + v[2].pending_seen, 0);
  ASSERT_STR_EQ(order, "abc");
  ASSERT_EQ(tt_sem_value(&S), 1); /* not 0 (lost), not -EOVERFLOW (duplicated) */
  return 0;
}

TEST(cancel_around_release) { ASSERT_EQ(tt_run(main_cancel_around_release, NULL), 0); }

static int main_timeout_around_release(void *arg) {
  ASSERT_OK(tt_bsem_init(&S, 1, NULL));
  olen = 0;
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER));
  tt_task *t[3];
  sem_waiter w[3] = {SW('a', TT_FOREVER), SW('b', tt_after_ms(SHORT_MS)), SW('c', TT_FOREVER)};
  spawn_waiters(t, w, 3);
  ASSERT_OK(tt_sleep_ms(2 * SHORT_MS)); /* b times out first */
  ASSERT_EQ(list_len(&S.waiters), 2);
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_ERR(w[1].result, -ETIMEDOUT);
  ASSERT_STR_EQ(order, "ac");

  /* a's deadline passes after the release handed it the permit. */
  olen = 0;
  ASSERT_OK(tt_sem_acquire(&S, TT_FOREVER));
  sem_waiter v[3] = {SW('a', tt_after_ms(SHORT_MS)), SW('b', TT_FOREVER), SW('c', TT_FOREVER)};
  spawn_waiters(t, v, 3);
  while (tt_now() < v[0].deadline + 2000000)
    ;
  ASSERT_OK(tt_sem_release(&S));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  for (int i = 0; i < 3; i++)
    ASSERT_OK(v[i].result);
  ASSERT_STR_EQ(order, "abc");
  ASSERT_EQ(tt_sem_value(&S), 1);
  return 0;
}

TEST(timeout_around_release) { ASSERT_EQ(tt_run(main_timeout_around_release, NULL), 0); }

static int foreign_ops(void *arg) {
  ASSERT_ERR(tt_sem_acquire(&S, TT_NOWAIT), -EPERM);
  ASSERT_ERR(tt_sem_release(&S), -EPERM);
  ASSERT_ERR(tt_sem_value(&S), -EPERM);
  ASSERT_ERR(tt_sem_close(&S), -EPERM);
  return 0;
}

static int main_wrong_thread(void *arg) {
  ASSERT_OK(tt_sem_init(&S, 1, "owned"));
  ASSERT_OK(on_foreign_thread(foreign_ops, NULL));
  ASSERT_EQ(tt_sem_value(&S), 1);
  ASSERT_OK(tt_sem_acquire(&S, TT_NOWAIT));
  return 0;
}

TEST(wrong_thread) { ASSERT_EQ(tt_run(main_wrong_thread, NULL), 0); }

static int main_close_busy(void *arg) {
  ASSERT_OK(tt_sem_init(&S, 0, NULL));
  olen = 0;
  tt_task *t[1];
  sem_waiter w[1] = {SW('a', TT_FOREVER)};
  spawn_waiters(t, w, 1);
  ASSERT_ERR(tt_sem_close(&S), -EBUSY);
  ASSERT_ERR(tt_sem_close(&S), -EBUSY);
  ASSERT_OK(tt_sem_release(&S)); /* still works */
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  ASSERT_STR_EQ(order, "a");
  ASSERT_OK(tt_sem_close(&S));
  return 0;
}

TEST(close_busy) { ASSERT_EQ(tt_run(main_close_busy, NULL), 0); }

/* ---- Stress: a BoundedSemaphore of 3 permits, so that a duplicated
 * permit shows as -EOVERFLOW, a lost one as a deadlock or a final value
 * below 3. ---- */

#define NW 24
#define ITERS 120
#define PERMITS 3

static uint64_t run_seed;
static int held, acquires;
static int issued[NW], seen[NW];
static tt_task *workers[NW];

static void check_conservation(void) {
  ASSERT_LE(held, PERMITS);
  ASSERT_LE(tt_sem_value(&S) + held, PERMITS); /* the rest is in transit */
  ASSERT_TRUE(list_len(&S.waiters) == 0 || tt_sem_value(&S) == 0);
}

static int sem_worker(void *arg) {
  int id = (int)(intptr_t)arg;
  trng r = {run_seed * 1000 + (uint64_t)id};
  for (int i = 0; i < ITERS; i++) {
    tt_deadline d = rand_deadline(&r);
    int e = tt_sem_acquire(&S, d);
    if (e < 0) {
      check_failed_wait(e, d);
      seen[id] += e == -ECANCELED;
      check_conservation();
      continue;
    }
    held++;
    acquires++;
    check_conservation();
    rand_pause(&r, &seen[id]);
    check_conservation();
    held--;
    ASSERT_OK(tt_sem_release(&S));
    check_conservation();
    rand_pause(&r, &seen[id]);
  }
  return 0;
}

static int main_stress(void *arg) {
  run_seed = (uint64_t)(intptr_t)arg;
  ASSERT_OK(tt_bsem_init(&S, PERMITS, "stress"));
  held = acquires = 0;
  for (int i = 0; i < NW; i++) {
    issued[i] = seen[i] = 0;
    ASSERT_OK(tt_spawn(&workers[i], sem_worker, (void *)(intptr_t)i, NULL));
  }
  chaos c = {workers, issued, NW, 300, run_seed};
  tt_task *ct;
  ASSERT_OK(tt_spawn(&ct, chaos_fn, &c, "chaos"));
  ASSERT_OK(tt_join(ct, NULL, TT_FOREVER));
  ASSERT_OK(tt_gather(workers, NW, NULL, TT_FOREVER));
  ASSERT_EQ(held, 0);
  ASSERT_EQ(tt_sem_value(&S), PERMITS);
  ASSERT_GE(acquires, NW * ITERS / 4);
  for (int i = 0; i < NW; i++)
    ASSERT_LE(seen[i], issued[i]);
  ASSERT_OK(tt_sem_close(&S));
  return 0;
}

TEST(stress_seeded) { run_seeded(main_stress); }
