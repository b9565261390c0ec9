/* Programs recorded by check_sync.sh: every sync object in the trace
 * (issue 10, items 16-18).
 *   tt-sync-prog missed     a missed signal: 'setter' sets the event 'ready'
 *                           and clears it before 'waiter' waits; the waiter
 *                           waits forever (the loop's deadlock check ends it)
 *   tt-sync-prog lockorder  a lock-order deadlock: 'alice' holds 'acct-a'
 *                           and wants 'acct-b', 'bob' the other way round
 *   tt-sync-prog mixed      one of everything: a semaphore, a condition, a
 *                           queue, an event wait that times out, a lock
 *                           taken once uncontended and never released, a
 *                           mark and a region
 * Exit status: the run's result (a deadlock: 1). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tasktrace/tasktrace.h"

static tt_event ready;
static tt_lock acct_a, acct_b, leaked;
static tt_sem pool;
static tt_cond cond;
static tt_queue queue;
static int cond_flag;

static int setter(void *arg) {
  (void)arg;
  tt_event_set(&ready);
  tt_event_clear(&ready); /* before the waiter ever looked: the signal is lost */
  return 0;
}

static int waiter(void *arg) {
  (void)arg;
  tt_yield(); /* the setter runs first */
  return tt_event_wait(&ready, TT_FOREVER);
}

static int missed(void *arg) {
  (void)arg;
  tt_task *t[2];
  tt_event_init(&ready, "ready");
  tt_spawn(&t[0], setter, NULL, "setter");
  tt_spawn(&t[1], waiter, NULL, "waiter");
  return tt_gather(t, 2, NULL, TT_FOREVER);
}

/* a then b, or b then a: each yields holding the first. */
static int transfer(void *arg) {
  int ab = arg != NULL;
  tt_lock *first = ab ? &acct_a : &acct_b, *second = ab ? &acct_b : &acct_a;
  int r = tt_lock_acquire(first, TT_FOREVER);
  if (r < 0)
    return r;
  tt_yield();
  r = tt_lock_acquire(second, TT_FOREVER);
  if (r < 0)
    return r; /* -EDEADLK: still holding `first`, as a careless program would */
  tt_lock_release(second);
  tt_lock_release(first);
  return 0;
}

static int lockorder(void *arg) {
  (void)arg;
  tt_task *t[2];
  tt_lock_init(&acct_a, "acct-a");
  tt_lock_init(&acct_b, "acct-b");
  tt_spawn(&t[0], transfer, (void *)1, "alice");
  tt_spawn(&t[1], transfer, NULL, "bob");
  return tt_gather(t, 2, NULL, TT_FOREVER);
}

static int worker(void *arg) {
  (void)arg;
  tt_sem_acquire(&pool, TT_FOREVER);
  tt_region_begin("work");
  tt_sleep_ms(2);
  tt_region_end("work");
  tt_sem_release(&pool);
  void *item;
  tt_queue_get(&queue, &item, TT_FOREVER);
  tt_lock_acquire(tt_cond_lock(&cond), TT_FOREVER);
  while (!cond_flag)
    tt_cond_wait(&cond, TT_FOREVER);
  tt_lock_release(tt_cond_lock(&cond));
  return 0;
}

static int mixed(void *arg) {
  (void)arg;
  tt_task *t[2];
  tt_event_init(&ready, "never-set");
  tt_lock_init(&leaked, "leaked-lock");
  tt_sem_init(&pool, 1, "pool");
  tt_cond_init(&cond, NULL, "flag-cond");
  tt_queue_init(&queue, 4, "jobs");
  tt_spawn(&t[0], worker, NULL, "worker-1");
  tt_spawn(&t[1], worker, NULL, "worker-2");
  tt_mark("started");
  int r = tt_event_wait(&ready, tt_after_ms(5));
  if (r != -ETIMEDOUT)
    return 1;
  tt_queue_put(&queue, &queue, TT_FOREVER);
  tt_queue_put(&queue, &queue, TT_FOREVER);
  tt_sleep_ms(1);
  tt_lock_acquire(tt_cond_lock(&cond), TT_FOREVER);
  cond_flag = 1;
  tt_cond_notify_all(&cond);
  tt_lock_release(tt_cond_lock(&cond));
  r = tt_gather(t, 2, NULL, TT_FOREVER);
  tt_lock_acquire(&leaked, TT_FOREVER); /* never released: the trace must say so */
  return r;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  tt_fn fn = strcmp(mode, "missed") == 0      ? missed
             : strcmp(mode, "lockorder") == 0 ? lockorder
             : strcmp(mode, "mixed") == 0     ? mixed
                                              : NULL;
  if (fn == NULL) {
    fprintf(stderr, "usage: tt-sync-prog missed|lockorder|mixed\n");
    return 2;
  }
  return tt_run(fn, NULL) == 0 ? 0 : 1;
}
