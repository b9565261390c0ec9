/* tt-lttng-prog MODE: the programs the LTTng tests record.
 *   all         emit every event of the schema once, field i of event `id`
 *               holding id*100+i (negated for I64) or "e<id>f<i>" (STR);
 *   contention  two tasks on one lock: 'holder' takes lock 'L' and sleeps
 *               30 ms, 'waiter' asks for it meanwhile;
 *   slow        task 'hog' busy for 60 ms in one step (run it with
 *               TASKTRACE_SLOW_MS=20): a slow_step event;
 *   first-task  print CLOCK_MONOTONIC at the first task's first step (the
 *               test subtracts the time it started the process);
 *   midrun FILE a program its session starts after: 'holder' takes lock
 *               'L-mid', 'waiter' waits for it, 'napper' sleeps; FILE is
 *               created once they are all in place, then the program waits
 *               (up to 20 s: exit 3) until LTTng records tasktrace events,
 *               runs a few more loop iterations and ends;
 *   ticking FILE  task 'ticker' wakes every 10 ms until FILE exists (up to
 *               60 s: exit 3), a program that runs while a live viewer
 *               reads it. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <tasktrace/emit.h>
#include <tasktrace/tasktrace.h>

#define V(id, i) ((uint64_t)(id) * 100 + (i))
#define ARG_U64(id, i, n) V(id, i)
#define ARG_I64(id, i, n) -(int64_t)V(id, i)
#define ARG_STR(id, i, n) "e" #id "f" #i
#define ARG_NONE(id, i, n)
#define COMMA_U64 ,
#define COMMA_I64 ,
#define COMMA_STR ,
#define COMMA_NONE
#define EMIT(id, name, ll, k0, f0, k1, f1, k2, f2, k3, f3)                                         \
  tt__emit_##name(ARG_##k0(id, 0, f0) COMMA_##k1 ARG_##k1(id, 1, f1) COMMA_##k2 ARG_##k2(id, 2, f2) \
                      COMMA_##k3 ARG_##k3(id, 3, f3));

static int emit_all(void) {
  int r = tt_tracer_init();
  if (r < 0)
    return 1;
  TT_EVENTS(EMIT)
  return 0;
}

static tt_lock L;

static int holder(void *arg) {
  (void)arg;
  if (tt_lock_acquire(&L, TT_FOREVER) < 0)
    return -1;
  tt_sleep_ms(30);
  return tt_lock_release(&L);
}

static int waiter(void *arg) {
  (void)arg;
  tt_yield(); /* holder runs first and takes the lock */
  int r = tt_lock_acquire(&L, TT_FOREVER);
  if (r < 0)
    return r;
  return tt_lock_release(&L);
}

static int main_contention(void *arg) {
  (void)arg;
  tt_task *t[2];
  int res[2];
  if (tt_lock_init(&L, "L") < 0 || tt_spawn(&t[0], holder, NULL, "holder") < 0 ||
      tt_spawn(&t[1], waiter, NULL, "waiter") < 0)
    return 1;
  if (tt_gather(t, 2, res, TT_FOREVER) < 0 || res[0] != 0 || res[1] != 0)
    return 1;
  return tt_lock_close(&L) < 0;
}

static int hog(void *arg) {
  (void)arg;
  int64_t end = tt_now() + 60 * 1000000;
  while (tt_now() < end) {
  }
  return tt_yield();
}

static int main_slow(void *arg) {
  (void)arg;
  tt_task *t;
  if (tt_spawn(&t, hog, NULL, "hog") < 0)
    return 1;
  return tt_join(t, NULL, TT_FOREVER);
}

static int main_first(void *arg) {
  (void)arg;
  printf("first_task_ns=%lld\n", (long long)tt_now());
  return 0;
}

static tt_lock mid;
static const char *ready_file;
static int mid_done;

/* Until a session records us, then a few more loop iterations (the state
 * dump is emitted at the first one). */
static int mid_holder(void *arg) {
  (void)arg;
  if (tt_lock_acquire(&mid, TT_FOREVER) < 0)
    return -1;
  int64_t give_up = tt_now() + 20 * 1000000000ll;
  while (!(tt__trace_on & TT__TRACE_LTTNG) && tt_now() < give_up)
    tt_sleep_ms(5);
  int on = (tt__trace_on & TT__TRACE_LTTNG) != 0;
  for (int i = 0; i < 5; i++)
    tt_sleep_ms(2);
  mid_done = 1;
  tt_lock_release(&mid);
  return on ? 0 : 3;
}

static int mid_waiter(void *arg) {
  (void)arg;
  if (tt_lock_acquire(&mid, TT_FOREVER) < 0)
    return -1;
  return tt_lock_release(&mid);
}

static int mid_napper(void *arg) {
  (void)arg;
  while (!mid_done)
    tt_sleep_ms(3);
  return 0;
}

static int main_midrun(void *arg) {
  (void)arg;
  tt_task *t[3];
  int res[3];
  if (tt_lock_init(&mid, "L-mid") < 0 || tt_spawn(&t[0], mid_holder, NULL, "holder") < 0 ||
      tt_spawn(&t[1], mid_waiter, NULL, "waiter") < 0 ||
      tt_spawn(&t[2], mid_napper, NULL, "napper") < 0)
    return 1;
  tt_sleep_ms(1); /* all three in place: holder holds, waiter waits */
  FILE *f = fopen(ready_file, "w");
  if (f == NULL || fclose(f) != 0)
    return 1;
  if (tt_gather(t, 3, res, TT_FOREVER) < 0)
    return 1;
  return res[0] != 0 ? res[0] : res[1] != 0 || res[2] != 0;
}

static const char *stop_file;

static int ticker(void *arg) {
  (void)arg;
  int64_t give_up = tt_now() + 60 * 1000000000ll;
  FILE *f;
  while ((f = fopen(stop_file, "r")) == NULL && tt_now() < give_up)
    tt_sleep_ms(10);
  if (f == NULL)
    return 3;
  fclose(f);
  return 0;
}

static int main_ticking(void *arg) {
  (void)arg;
  tt_task *t;
  int res = 1;
  if (tt_spawn(&t, ticker, NULL, "ticker") < 0 || tt_join(t, &res, TT_FOREVER) < 0)
    return 1;
  return res;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "ticking") == 0) {
    stop_file = argv[2];
    int r = tt_run(main_ticking, NULL);
    return r < 0 ? 1 : r;
  }
  if (argc == 3 && strcmp(argv[1], "midrun") == 0) {
    ready_file = argv[2];
    int r = tt_run(main_midrun, NULL);
    return r < 0 ? 1 : r;
  }
  if (argc == 2 && strcmp(argv[1], "all") == 0)
    return emit_all();
  if (argc == 2 && strcmp(argv[1], "contention") == 0)
    return tt_run(main_contention, NULL) != 0;
  if (argc == 2 && strcmp(argv[1], "slow") == 0)
    return tt_run(main_slow, NULL) != 0;
  if (argc == 2 && strcmp(argv[1], "first-task") == 0) {
    return tt_run(main_first, NULL) != 0;
  }
  fprintf(stderr, "usage: tt-lttng-prog all|contention|slow|first-task|midrun FILE|ticking FILE\n");
  return 2;
}
