/* Helpers shared by the synchronisation primitive tests: a seeded random
 * generator, random deadlines, a chaos task that cancels random tasks, the
 * runs under several TASKTRACE_SCHED_SEED values, and calls from a foreign
 * thread. */
#ifndef TT_SYNC_UTIL_H
#define TT_SYNC_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <tasktrace/tasktrace.h>

#include "tt_test.h"

/* The deadline of a waiter that must time out in a targeted test: long
 * enough that it is surely parked by then even on a loaded machine (the
 * test then sleeps 2 * SHORT_MS, or busy-waits past it). */
#define SHORT_MS 60

/* The seeds the stress tests run under (plus one plain FIFO run). */
#define SYNC_SEEDS 6

typedef struct trng {
  uint64_t s;
} trng;

static inline uint64_t trng_next(trng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint64_t trng_below(trng *r, uint64_t n) { return trng_next(r) % n; }

/* A deadline for one blocking call: forever, don't wait, or soon (0 to
 * 1.5 ms away, so that timeouts race with wake-ups). */
static inline tt_deadline rand_deadline(trng *r) {
  uint64_t k = trng_below(r, 10);
  if (k < 4)
    return TT_FOREVER;
  if (k < 5)
    return TT_NOWAIT;
  return tt_now() + (int64_t)trng_below(r, 1500) * 1000;
}

/* A wait that gave up must say why truthfully. */
static inline void check_failed_wait(int r, tt_deadline d) {
  if (r == -ETIMEDOUT) {
    ASSERT_TRUE(d != TT_FOREVER);
    ASSERT_TRUE(tt_now() >= d);
  } else {
    ASSERT_ERR(r, -ECANCELED);
  }
}

/* Let others run a random while: a few yields, now and then a short sleep.
 * A pending cancellation may surface here: it is counted in *seen. */
static inline void rand_pause(trng *r, int *seen) {
  uint64_t k = trng_below(r, 16);
  int e = 0;
  if (k == 0)
    e = tt_sleep_until(tt_now() + 300 * 1000);
  else
    for (uint64_t i = 0; i < k % 4 && e == 0; i++)
      e = tt_yield();
  if (e == -ECANCELED)
    (*seen)++;
  else
    ASSERT_OK(e);
}

/* The chaos task: `rounds` times, cancel a random one of `tasks` and pause.
 * It stops on its own, so that a lost wake-up ends the run in a deadlock
 * (-EDEADLK) instead of being rescued by a later cancel. */
typedef struct chaos {
  tt_task **tasks;
  int *issued; /* per task: cancels that tt_cancel accepted */
  int n, rounds;
  uint64_t seed;
} chaos;

static inline int chaos_fn(void *arg) {
  chaos *c = arg;
  trng r = {c->seed ^ 0xc4a05};
  int dummy = 0;
  for (int i = 0; i < c->rounds; i++) {
    int k = (int)trng_below(&r, (uint64_t)c->n);
    int e = tt_cancel(c->tasks[k]);
    if (e == 0)
      c->issued[k]++;
    else
      ASSERT_ERR(e, -EALREADY);
    rand_pause(&r, &dummy);
  }
  ASSERT_EQ(dummy, 0);
  return 0;
}

/* Run main(seed) once in FIFO order and then under SYNC_SEEDS seeds; each
 * run must return 0 (a lost wake-up shows as -EDEADLK). */
static inline void run_seeded(tt_fn main_fn) {
  unsetenv("TASKTRACE_SCHED_SEED");
  ASSERT_EQ(tt_run(main_fn, (void *)(intptr_t)1000), 0);
  for (int s = 1; s <= SYNC_SEEDS; s++) {
    char buf[16];
    snprintf(buf, sizeof buf, "%d", s * 7919);
    setenv("TASKTRACE_SCHED_SEED", buf, 1);
    int r = tt_run(main_fn, (void *)(intptr_t)(s * 7919));
    if (r != 0)
      tt_test_fail(__FILE__, __LINE__, "run under TASKTRACE_SCHED_SEED=%s returned %d", buf, r);
  }
  unsetenv("TASKTRACE_SCHED_SEED");
}

/* Call fn(arg) on a new OS thread (no loop there) and return its result. */
typedef struct foreign_call {
  int (*fn)(void *);
  void *arg;
  int result;
} foreign_call;

static inline void foreign_entry(void *p) {
  foreign_call *c = p;
  c->result = c->fn(c->arg);
}

static inline int on_foreign_thread(int (*fn)(void *), void *arg) {
  foreign_call c = {fn, arg, 1};
  uv_thread_t th;
  ASSERT_OK(uv_thread_create(&th, foreign_entry, &c));
  ASSERT_OK(uv_thread_join(&th));
  return c.result;
}

/* Entries on a primitive's wait list (the list head is public). */
static inline int list_len(const tt__list *l) {
  int n = 0;
  for (const tt__list *p = l->next; p != l; p = p->next)
    n++;
  return n;
}

#endif
