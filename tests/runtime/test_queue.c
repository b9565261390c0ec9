/* Queue: put/get/nowait/size/task_done/join, bounded and unbounded, FIFO,
 * direct hand-off to waiting getters and from waiting putters, no barging,
 * timeouts and cancels around a put or a get, errors, wrong-thread calls,
 * and a seeded stress run checking that every item put is got exactly once
 * and that nothing else is. */
#include "sync_util.h"

static tt_queue Q;

#define ITEM(i) ((void *)(intptr_t)(i))

static int main_basic(void *arg) {
  ASSERT_ERR(tt_queue_init(NULL, 1, "x"), -EINVAL);
  ASSERT_OK(tt_queue_init(&Q, 2, "basic"));
  void *it = NULL;
  ASSERT_EQ(tt_queue_size(&Q), 0);
  ASSERT_ERR(tt_queue_get_nowait(&Q, &it), -EAGAIN);
  ASSERT_ERR(tt_queue_get(&Q, &it, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_ERR(tt_queue_get(&Q, &it, tt_after_ms(5)), -ETIMEDOUT);
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(1)));
  ASSERT_OK(tt_queue_put(&Q, ITEM(2), TT_FOREVER));
  ASSERT_EQ(tt_queue_size(&Q), 2);
  ASSERT_ERR(tt_queue_put_nowait(&Q, ITEM(3)), -EAGAIN); /* full */
  ASSERT_ERR(tt_queue_put(&Q, ITEM(3), TT_NOWAIT), -ETIMEDOUT);
  ASSERT_ERR(tt_queue_put(&Q, ITEM(3), tt_after_ms(5)), -ETIMEDOUT);
  ASSERT_EQ(tt_queue_size(&Q), 2);
  ASSERT_OK(tt_queue_get_nowait(&Q, &it));
  ASSERT_TRUE(it == ITEM(1));
  ASSERT_OK(tt_queue_get(&Q, &it, TT_FOREVER));
  ASSERT_TRUE(it == ITEM(2));
  ASSERT_EQ(tt_queue_size(&Q), 0);
  /* task_done: once per item put, no more. */
  ASSERT_ERR(tt_queue_join(&Q, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_OK(tt_queue_task_done(&Q));
  ASSERT_OK(tt_queue_task_done(&Q));
  ASSERT_ERR(tt_queue_task_done(&Q), -EINVAL);
  ASSERT_OK(tt_queue_join(&Q, TT_NOWAIT));
  ASSERT_OK(tt_queue_put_nowait(&Q, NULL)); /* NULL is an item like any */
  ASSERT_OK(tt_queue_get_nowait(&Q, &it));
  ASSERT_TRUE(it == NULL);
  ASSERT_OK(tt_queue_task_done(&Q));
  ASSERT_ERR(tt_queue_get(&Q, NULL, TT_NOWAIT), -EINVAL);
  ASSERT_ERR(tt_queue_get_nowait(&Q, NULL), -EINVAL);
  ASSERT_ERR(tt_queue_put(NULL, NULL, TT_NOWAIT), -EINVAL);
  ASSERT_ERR(tt_queue_task_done(NULL), -EINVAL);
  ASSERT_OK(tt_queue_close(&Q));
  ASSERT_OK(tt_queue_close(&Q)); /* twice without waiters is harmless */
  return 0;
}

TEST(basic) { ASSERT_EQ(tt_run(main_basic, NULL), 0); }

TEST(outside_task) {
  tt_queue q = {0};
  void *it;
  ASSERT_ERR(tt_queue_get(&q, &it, TT_NOWAIT), -EPERM);
  ASSERT_ERR(tt_queue_put_nowait(&q, NULL), -EPERM);
}

/* Unbounded: grows, wraps around, keeps FIFO order. Bounded with a big
 * maxsize grows on demand too. */
static int main_unbounded(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 0, "unbounded"));
  void *it;
  int next_put = 0, next_get = 0;
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < 700; i++)
      ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(next_put++)));
    for (int i = 0; i < 500; i++) {
      ASSERT_OK(tt_queue_get_nowait(&Q, &it));
      ASSERT_TRUE(it == ITEM(next_get++));
    }
  }
  ASSERT_EQ(tt_queue_size(&Q), (size_t)(next_put - next_get));
  while (tt_queue_get_nowait(&Q, &it) == 0)
    ASSERT_TRUE(it == ITEM(next_get++));
  ASSERT_EQ(next_get, next_put);
  ASSERT_OK(tt_queue_close(&Q));

  ASSERT_OK(tt_queue_init(&Q, 1000, "big"));
  for (int i = 0; i < 1000; i++)
    ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(i)));
  ASSERT_ERR(tt_queue_put_nowait(&Q, ITEM(0)), -EAGAIN);
  for (int i = 0; i < 1000; i++) {
    ASSERT_OK(tt_queue_get_nowait(&Q, &it));
    ASSERT_TRUE(it == ITEM(i));
  }
  ASSERT_OK(tt_queue_close(&Q));
  return 0;
}

TEST(unbounded_and_growth) { ASSERT_EQ(tt_run(main_unbounded, NULL), 0); }

typedef struct qw {
  intptr_t item; /* to put, or what was got */
  tt_deadline deadline;
  int result;
  int pending_seen;
} qw;

#define QW(i, d) {.item = (i), .deadline = (d), .result = 1}

static int getter(void *arg) {
  qw *w = arg;
  void *it = ITEM(-1);
  w->result = tt_queue_get(&Q, &it, w->deadline);
  w->item = (intptr_t)it;
  w->pending_seen = tt_yield() == -ECANCELED;
  return 0;
}

static int putter(void *arg) {
  qw *w = arg;
  w->result = tt_queue_put(&Q, ITEM(w->item), w->deadline);
  w->pending_seen = tt_yield() == -ECANCELED;
  return 0;
}

static void spawn_all(tt_task **t, tt_fn fn, qw *w, int n, tt__list *list) {
  for (int i = 0; i < n; i++) {
    ASSERT_OK(tt_spawn(&t[i], fn, &w[i], NULL));
    ASSERT_OK(tt_yield()); /* parks: list order is spawn order */
  }
  ASSERT_EQ(list_len(list), n);
}

/* Getters wait on an empty queue; each put hands its item to the first
 * getter directly (the queue stays empty), in FIFO order. */
static int main_getters_fifo(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 1, NULL));
  tt_task *t[3];
  qw w[3] = {QW(0, TT_FOREVER), QW(0, TT_FOREVER), QW(0, TT_FOREVER)};
  spawn_all(t, getter, w, 3, &Q.getters);
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(10)));
  ASSERT_EQ(tt_queue_size(&Q), 0); /* went straight to the first getter */
  ASSERT_OK(tt_queue_put(&Q, ITEM(11), TT_FOREVER));
  ASSERT_OK(tt_queue_put(&Q, ITEM(12), TT_NOWAIT)); /* a getter waits: no block */
  ASSERT_EQ(tt_queue_size(&Q), 0);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(w[i].result);
    ASSERT_EQ(w[i].item, 10 + i);
  }
  ASSERT_ERR(tt_queue_join(&Q, TT_NOWAIT), -ETIMEDOUT); /* 3 unfinished */
  for (int i = 0; i < 3; i++)
    ASSERT_OK(tt_queue_task_done(&Q));
  ASSERT_OK(tt_queue_join(&Q, TT_NOWAIT));
  return 0;
}

TEST(getters_fifo_handoff) { ASSERT_EQ(tt_run(main_getters_fifo, NULL), 0); }

/* Putters wait on a full queue; each get moves the first putter's item in
 * behind the others (the queue stays full) and wakes it: FIFO overall. */
static int main_putters_fifo(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 2, NULL));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(1)));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(2)));
  tt_task *t[3];
  qw w[3] = {QW(3, TT_FOREVER), QW(4, TT_FOREVER), QW(5, TT_FOREVER)};
  spawn_all(t, putter, w, 3, &Q.putters);
  void *it;
  ASSERT_OK(tt_queue_get_nowait(&Q, &it));
  ASSERT_TRUE(it == ITEM(1));
  ASSERT_EQ(tt_queue_size(&Q), 2); /* putter 3's item moved in */
  ASSERT_EQ(list_len(&Q.putters), 2);
  ASSERT_ERR(tt_queue_put_nowait(&Q, ITEM(99)), -EAGAIN); /* no barging in */
  for (int i = 2; i <= 5; i++) {
    ASSERT_OK(tt_queue_get(&Q, &it, TT_FOREVER));
    ASSERT_TRUE(it == ITEM(i));
  }
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  for (int i = 0; i < 3; i++)
    ASSERT_OK(w[i].result);
  ASSERT_EQ(tt_queue_size(&Q), 0);
  return 0;
}

TEST(putters_fifo_handoff) { ASSERT_EQ(tt_run(main_putters_fifo, NULL), 0); }

/* A newcomer getter that was ready before the put runs before the woken
 * getter: it must find the queue empty. */
static int main_no_barging(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 0, NULL));
  tt_task *t[1], *n;
  qw w[1] = {QW(0, TT_FOREVER)};
  spawn_all(t, getter, w, 1, &Q.getters);
  qw nw = QW(0, TT_NOWAIT);
  ASSERT_OK(tt_spawn(&n, getter, &nw, "newcomer"));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(7)));
  void *it;
  ASSERT_ERR(tt_queue_get_nowait(&Q, &it), -EAGAIN); /* nor the putter */
  ASSERT_OK(tt_join(n, NULL, TT_FOREVER));
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  ASSERT_ERR(nw.result, -ETIMEDOUT);
  ASSERT_OK(w[0].result);
  ASSERT_EQ(w[0].item, 7);
  return 0;
}

TEST(no_barging) { ASSERT_EQ(tt_run(main_no_barging, NULL), 0); }

/* Three getters; the middle one is cancelled or times out before the puts,
 * or is cancelled after a put handed it an item (it keeps the item). */
static int main_getter_gives_up(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 0, NULL));
  tt_task *t[3];
  qw w[3] = {QW(0, TT_FOREVER), QW(0, TT_FOREVER), QW(0, TT_FOREVER)};
  spawn_all(t, getter, w, 3, &Q.getters);
  ASSERT_OK(tt_cancel(t[1]));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(1)));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(2)));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_OK(w[0].result);
  ASSERT_EQ(w[0].item, 1);
  ASSERT_ERR(w[1].result, -ECANCELED);
  ASSERT_EQ(w[1].item, -1); /* untouched */
  ASSERT_OK(w[2].result);
  ASSERT_EQ(w[2].item, 2);
  ASSERT_EQ(tt_queue_size(&Q), 0);

  qw v[3] = {QW(0, TT_FOREVER), QW(0, tt_after_ms(SHORT_MS)), QW(0, TT_FOREVER)};
  spawn_all(t, getter, v, 3, &Q.getters);
  ASSERT_OK(tt_sleep_ms(2 * SHORT_MS));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(3)));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(4)));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_EQ(v[0].item, 3);
  ASSERT_ERR(v[1].result, -ETIMEDOUT);
  ASSERT_EQ(v[2].item, 4);

  qw x[3] = {QW(0, TT_FOREVER), QW(0, tt_after_ms(SHORT_MS)), QW(0, TT_FOREVER)};
  spawn_all(t, getter, x, 3, &Q.getters);
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(5)));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(6)));
  ASSERT_OK(tt_cancel(t[1])); /* after it was handed 6 */
  while (tt_now() < x[1].deadline + 2000000) /* and after its deadline */
    ;
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(7)));
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_EQ(x[0].item, 5);
  ASSERT_OK(x[1].result);
  ASSERT_EQ(x[1].item, 6);
  ASSERT_EQ(x[1].pending_seen, 1);
  ASSERT_EQ(x[2].item, 7);
  ASSERT_EQ(x[2].pending_seen, 0);
  ASSERT_EQ(tt_queue_size(&Q), 0);
  return 0;
}

TEST(getter_gives_up) { ASSERT_EQ(tt_run(main_getter_gives_up, NULL), 0); }

/* Three putters on a full queue; the middle one is cancelled before the
 * gets (its item never enters), or after a get moved its item in (the put
 * succeeded). */
static int main_putter_gives_up(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 1, NULL));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(0)));
  tt_task *t[3];
  qw w[3] = {QW(1, TT_FOREVER), QW(2, TT_FOREVER), QW(3, TT_FOREVER)};
  spawn_all(t, putter, w, 3, &Q.putters);
  ASSERT_OK(tt_cancel(t[1]));
  void *it;
  int got[3];
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(tt_queue_get(&Q, &it, TT_FOREVER));
    got[i] = (int)(intptr_t)it;
  }
  ASSERT_EQ(got[0], 0);
  ASSERT_EQ(got[1], 1);
  ASSERT_EQ(got[2], 3);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_ERR(w[1].result, -ECANCELED);
  ASSERT_ERR(tt_queue_get_nowait(&Q, &it), -EAGAIN);

  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(0)));
  qw v[3] = {QW(1, TT_FOREVER), QW(2, TT_FOREVER), QW(3, TT_FOREVER)};
  spawn_all(t, putter, v, 3, &Q.putters);
  ASSERT_OK(tt_queue_get_nowait(&Q, &it)); /* 0 out, 1 in */
  ASSERT_OK(tt_queue_get_nowait(&Q, &it)); /* 1 out, 2 in */
  ASSERT_OK(tt_cancel(t[1]));              /* 2 is in: too late to cancel it */
  for (int i = 2; i <= 3; i++) {
    ASSERT_OK(tt_queue_get(&Q, &it, TT_FOREVER));
    ASSERT_TRUE(it == ITEM(i));
  }
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  for (int i = 0; i < 3; i++)
    ASSERT_OK(v[i].result);
  ASSERT_EQ(v[1].pending_seen, 1);
  return 0;
}

TEST(putter_gives_up) { ASSERT_EQ(tt_run(main_putter_gives_up, NULL), 0); }

/* join waits for task_done of every item, also items handed over. */
static int joiner(void *arg) {
  qw *w = arg;
  w->result = tt_queue_join(&Q, w->deadline);
  return 0;
}

static int main_join(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 0, NULL));
  ASSERT_OK(tt_queue_join(&Q, TT_NOWAIT)); /* nothing put */
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(1)));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(2)));
  tt_task *t[3];
  qw w[3] = {QW(0, TT_FOREVER), QW(0, tt_after_ms(SHORT_MS)), QW(0, TT_FOREVER)};
  spawn_all(t, joiner, w, 3, &Q.joiners);
  ASSERT_OK(tt_cancel(t[0]));
  ASSERT_OK(tt_sleep_ms(2 * SHORT_MS)); /* t[1] times out */
  void *it;
  ASSERT_OK(tt_queue_get_nowait(&Q, &it));
  ASSERT_OK(tt_queue_get_nowait(&Q, &it));
  ASSERT_EQ(tt_queue_size(&Q), 0);
  ASSERT_OK(tt_queue_task_done(&Q));
  ASSERT_EQ(list_len(&Q.joiners), 1); /* one unfinished left */
  ASSERT_OK(tt_queue_task_done(&Q));
  ASSERT_EQ(list_len(&Q.joiners), 0);
  ASSERT_ERR(tt_queue_task_done(&Q), -EINVAL);
  ASSERT_OK(tt_gather(t, 3, NULL, TT_FOREVER));
  ASSERT_ERR(w[0].result, -ECANCELED);
  ASSERT_ERR(w[1].result, -ETIMEDOUT);
  ASSERT_OK(w[2].result);
  ASSERT_OK(tt_queue_close(&Q));
  return 0;
}

TEST(task_done_join) { ASSERT_EQ(tt_run(main_join, NULL), 0); }

static int main_close_busy(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 1, NULL));
  tt_task *t[1];
  qw w[1] = {QW(0, TT_FOREVER)};
  spawn_all(t, getter, w, 1, &Q.getters);
  ASSERT_ERR(tt_queue_close(&Q), -EBUSY);
  ASSERT_ERR(tt_queue_close(&Q), -EBUSY);
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(8))); /* still works */
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  ASSERT_EQ(w[0].item, 8);
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(9)));
  qw p[1] = {QW(10, TT_FOREVER)};
  spawn_all(t, putter, p, 1, &Q.putters);
  ASSERT_ERR(tt_queue_close(&Q), -EBUSY);
  void *it;
  ASSERT_OK(tt_queue_get_nowait(&Q, &it));
  ASSERT_TRUE(it == ITEM(9));
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  qw j[1] = {QW(0, TT_FOREVER)};
  spawn_all(t, joiner, j, 1, &Q.joiners);
  ASSERT_ERR(tt_queue_close(&Q), -EBUSY);
  ASSERT_OK(tt_queue_get_nowait(&Q, &it));
  ASSERT_TRUE(it == ITEM(10));
  for (int i = 0; i < 3; i++)
    ASSERT_OK(tt_queue_task_done(&Q));
  ASSERT_OK(tt_join(t[0], NULL, TT_FOREVER));
  ASSERT_OK(j[0].result);
  ASSERT_OK(tt_queue_close(&Q));
  return 0;
}

TEST(close_busy) { ASSERT_EQ(tt_run(main_close_busy, NULL), 0); }

static int foreign_ops(void *arg) {
  void *it;
  ASSERT_ERR(tt_queue_put(&Q, ITEM(1), TT_NOWAIT), -EPERM);
  ASSERT_ERR(tt_queue_get(&Q, &it, TT_NOWAIT), -EPERM);
  ASSERT_ERR(tt_queue_put_nowait(&Q, ITEM(1)), -EPERM);
  ASSERT_ERR(tt_queue_get_nowait(&Q, &it), -EPERM);
  ASSERT_ERR(tt_queue_task_done(&Q), -EPERM);
  ASSERT_ERR(tt_queue_join(&Q, TT_NOWAIT), -EPERM);
  ASSERT_EQ(tt_queue_size(&Q), 0); /* refused: reads as 0 */
  ASSERT_ERR(tt_queue_close(&Q), -EPERM);
  return 0;
}

static int main_wrong_thread(void *arg) {
  ASSERT_OK(tt_queue_init(&Q, 4, "owned"));
  ASSERT_OK(tt_queue_put_nowait(&Q, ITEM(5)));
  ASSERT_OK(on_foreign_thread(foreign_ops, NULL));
  ASSERT_EQ(tt_queue_size(&Q), 1);
  void *it;
  ASSERT_OK(tt_queue_get_nowait(&Q, &it));
  ASSERT_TRUE(it == ITEM(5));
  ASSERT_OK(tt_queue_task_done(&Q));
  ASSERT_OK(tt_queue_close(&Q));
  return 0;
}

TEST(wrong_thread) { ASSERT_EQ(tt_run(main_wrong_thread, NULL), 0); }

/* ---- Stress: producers and consumers with random deadlines, both
 * blocking and nowait calls, and a chaos task cancelling them. An item
 * whose put returned 0 must be got exactly once; one whose put failed,
 * never. ---- */

#define NP 10
#define NC 10
#define PER 60
#define NITEMS (NP * PER)

static uint64_t run_seed;
static size_t maxsize;
static int put_ok[NITEMS], got[NITEMS];
static int issued[NP + NC], seen[NP + NC];
static tt_task *workers[NP + NC];

static void check_queue(void) {
  ASSERT_TRUE(list_len(&Q.getters) == 0 || tt_queue_size(&Q) == 0);
  ASSERT_TRUE(list_len(&Q.putters) == 0 || tt_queue_size(&Q) == maxsize);
  if (maxsize > 0)
    ASSERT_LE(tt_queue_size(&Q), maxsize);
}

static int producer(void *arg) {
  int id = (int)(intptr_t)arg;
  trng r = {run_seed * 1000 + (uint64_t)id};
  for (int i = 0; i < PER; i++) {
    int item = id * PER + i;
    tt_deadline d = rand_deadline(&r);
    int e = trng_below(&r, 4) == 0 ? tt_queue_put_nowait(&Q, ITEM(item + 1))
                                   : tt_queue_put(&Q, ITEM(item + 1), d);
    if (e == 0)
      put_ok[item] = 1;
    else if (e == -EAGAIN)
      ASSERT_TRUE(maxsize > 0);
    else {
      check_failed_wait(e, d);
      seen[id] += e == -ECANCELED;
    }
    check_queue();
    rand_pause(&r, &seen[id]);
  }
  return 0;
}

/* Consumers run until they get the 0 item (the stop sentinel). */
static int consumer(void *arg) {
  int id = (int)(intptr_t)arg;
  trng r = {run_seed * 1000 + (uint64_t)id};
  for (;;) {
    tt_deadline d = rand_deadline(&r);
    void *it = ITEM(-1);
    int e = trng_below(&r, 4) == 0 ? tt_queue_get_nowait(&Q, &it) : tt_queue_get(&Q, &it, d);
    check_queue();
    if (e == -EAGAIN) {
      ASSERT_TRUE(it == ITEM(-1));
    } else if (e < 0) {
      check_failed_wait(e, d);
      seen[id] += e == -ECANCELED;
      ASSERT_TRUE(it == ITEM(-1));
    } else {
      intptr_t v = (intptr_t)it;
      ASSERT_OK(tt_queue_task_done(&Q));
      if (v == 0)
        return 0;
      ASSERT_GE(v, 1);
      ASSERT_LE(v, NITEMS);
      ASSERT_EQ(++got[v - 1], 1);
    }
    rand_pause(&r, &seen[id]);
  }
}

static int main_stress(void *arg) {
  run_seed = (uint64_t)(intptr_t)arg;
  for (int round = 0; round < 2; round++) {
    maxsize = round == 0 ? 2 : 0;
    ASSERT_OK(tt_queue_init(&Q, maxsize, "stress"));
    memset(put_ok, 0, sizeof put_ok);
    memset(got, 0, sizeof got);
    for (int i = 0; i < NP + NC; i++) {
      issued[i] = seen[i] = 0;
      ASSERT_OK(tt_spawn(&workers[i], i < NP ? producer : consumer, (void *)(intptr_t)i, NULL));
    }
    chaos c = {workers, issued, NP + NC, 300, run_seed + (uint64_t)round};
    tt_task *ct;
    ASSERT_OK(tt_spawn(&ct, chaos_fn, &c, "chaos"));
    ASSERT_OK(tt_join(ct, NULL, TT_FOREVER));
    ASSERT_OK(tt_gather(workers, NP, NULL, TT_FOREVER));
    /* One stop item per consumer still running (counted first: a consumer
     * may take a stop and finish while we put the next ones). */
    int running = 0;
    for (int i = NP; i < NP + NC; i++)
      running += tt_task_done(workers[i]) == 0;
    for (int i = 0; i < running; i++)
      ASSERT_OK(tt_queue_put(&Q, ITEM(0), TT_FOREVER));
    ASSERT_OK(tt_queue_join(&Q, TT_FOREVER));
    ASSERT_OK(tt_gather(workers + NP, NC, NULL, TT_FOREVER));
    ASSERT_EQ(tt_queue_size(&Q), 0);
    int n_ok = 0;
    for (int i = 0; i < NITEMS; i++) {
      ASSERT_EQ(got[i], put_ok[i]); /* nothing lost, nothing duplicated */
      n_ok += put_ok[i];
    }
    ASSERT_GE(n_ok, NITEMS / 4);
    for (int i = 0; i < NP + NC; i++)
      ASSERT_LE(seen[i], issued[i]);
    ASSERT_ERR(tt_queue_task_done(&Q), -EINVAL);
    ASSERT_OK(tt_queue_close(&Q));
  }
  return 0;
}

TEST(stress_seeded) { run_seeded(main_stress); }
