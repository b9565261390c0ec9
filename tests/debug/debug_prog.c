/* tt-debug-prog MODE: one misbehaving program per debug-mode check, run by
 * test_debug.c with TASKTRACE_DEBUG=1. Lines marked with an at-sign tag are
 * call sites the tests expect in messages: they find the line numbers by
 * the tags, so edit freely but keep each tag on its call. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tasktrace/tasktrace.h>

static void busy_ms(int64_t ms) {
  int64_t end = tt_now() + ms * 1000000;
  while (tt_now() < end) {
  }
}

/* ---- slow-step: one step of 120 ms between two yields ---- */
static int hog(void *arg) {
  (void)arg;
  tt_yield(); /* @hog_from */
  busy_ms(120);
  tt_yield(); /* @hog_to */
  return 0;
}
static int main_slow_step(void *arg) {
  (void)arg;
  tt_task *t;
  tt_spawn(&t, hog, NULL, "hog"); /* @hog_spawn */
  return tt_join(t, NULL, TT_FOREVER);
}

/* ---- slow-callback: a cross-thread callback of 120 ms ---- */
static void slow_cb(void *arg) {
  (void)arg;
  busy_ms(120);
}
static void caller_thread(void *arg) {
  tt_loop_call_threadsafe(arg, slow_cb, NULL); /* @cb_site */
}
static int main_slow_callback(void *arg) {
  (void)arg;
  uv_thread_t th;
  uv_thread_create(&th, caller_thread, tt_loop_current());
  uv_thread_join(&th); /* the call is queued once this returns */
  return tt_sleep_ms(200);
}

/* ---- slow-iteration: ten steps of 10 ms in one loop iteration ---- */
static int busy10(void *arg) {
  (void)arg;
  busy_ms(10);
  return 0;
}
static int main_slow_iteration(void *arg) {
  (void)arg;
  tt_task *t[10];
  for (int i = 0; i < 10; i++)
    tt_spawn(&t[i], busy10, NULL, "busy"); /* @busy_spawn */
  return tt_gather(t, 10, NULL, TT_FOREVER);
}

/* ---- wrong-thread: release a loop's lock from another thread ---- */
static tt_lock L, L2;
static int wrong_result;
static tt_event WE;
static tt_sem WS;
static tt_queue WQ;
static int wrong_more[3];
static void wrong_thread(void *arg) {
  (void)arg;
  wrong_result = tt_lock_release(&L); /* @wrong_site */
  wrong_more[0] = tt_event_set(&WE);              /* @wrong_event */
  wrong_more[1] = tt_sem_release(&WS);            /* @wrong_sem */
  wrong_more[2] = tt_queue_put_nowait(&WQ, NULL); /* @wrong_queue */
}
static int main_wrong_thread(void *arg) {
  (void)arg;
  tt_lock_init(&L, "L");
  tt_event_init(&WE, "WE");
  tt_sem_init(&WS, 0, "WS");
  tt_queue_init(&WQ, 0, "WQ");
  uv_thread_t th;
  uv_thread_create(&th, wrong_thread, NULL);
  uv_thread_join(&th);
  printf("result=%d\n", wrong_result);
  printf("event=%d sem=%d queue=%d set=%d\n", wrong_more[0], wrong_more[1], wrong_more[2],
         tt_event_is_set(&WE));
  return 0;
}

/* ---- unretrieved: a detached task fails; a joined one fails too ---- */
static int fail_eio(void *arg) {
  (void)arg;
  tt_sleep_ms(1); /* @failer_last */
  return -EIO;
}
static int fail_at_once(void *arg) {
  (void)arg;
  return -EIO;
}
static int main_unretrieved(void *arg) {
  (void)arg;
  tt_task *a, *b;
  tt_spawn(&a, fail_eio, NULL, "failer"); /* @failer_spawn */
  tt_detach(a);
  tt_task *c;
  tt_spawn(&c, fail_at_once, NULL, "quick-failer"); /* @quick_spawn */
  tt_detach(c);
  tt_spawn(&b, fail_eio, NULL, "joined-failer");
  int r;
  tt_join(b, &r, TT_FOREVER);
  tt_sleep_ms(5);
  return 0;
}

/* ---- pending: main returns while two tasks still wait ---- */
static int sleeper(void *arg) {
  (void)arg;
  return tt_sleep_until(TT_FOREVER); /* @sleeper_wait */
}
static int locker(void *arg) {
  (void)arg;
  return tt_lock_acquire(&L, TT_FOREVER); /* @locker_wait */
}
static int main_pending(void *arg) {
  (void)arg;
  tt_task *a, *b;
  tt_lock_init(&L, "L");
  tt_lock_acquire(&L, TT_FOREVER);
  tt_spawn(&a, sleeper, NULL, "sleeper"); /* @sleeper_spawn */
  tt_spawn(&b, locker, NULL, "locker");   /* @locker_spawn */
  tt_sleep_ms(20);
  return 0;
}

/* ---- deadlock: two tasks take two locks in opposite orders ---- */
static int take_ab(void *arg) {
  (void)arg;
  tt_lock_acquire(&L, TT_FOREVER); /* @ab_take */
  tt_sleep_ms(10);
  return tt_lock_acquire(&L2, TT_FOREVER); /* @ab_wait */
}
static int take_ba(void *arg) {
  (void)arg;
  tt_lock_acquire(&L2, TT_FOREVER); /* @ba_take */
  tt_sleep_ms(10);
  return tt_lock_acquire(&L, TT_FOREVER); /* @ba_wait */
}
static int main_deadlock(void *arg) {
  (void)arg;
  tt_task *t[2];
  tt_lock_init(&L, "L1");
  tt_lock_init(&L2, "L2");
  tt_spawn(&t[0], take_ab, NULL, "ab"); /* @ab_spawn */
  tt_spawn(&t[1], take_ba, NULL, "ba"); /* @ba_spawn */
  return tt_gather(t, 2, NULL, TT_FOREVER);
}

/* ---- deadlock-ticker: the same lock-order deadlock while a detached
 * ticker keeps the loop busy; the task refused with -EDEADLK backs off ---- */
static int ticker(void *arg) {
  (void)arg;
  for (;;)
    if (tt_sleep_ms(50) < 0)
      return 0;
}
static int polite(tt_lock *first, tt_lock *second) {
  tt_lock_acquire(first, TT_FOREVER); /* @polite_first */
  tt_sleep_ms(10);
  int r = tt_lock_acquire(second, TT_FOREVER); /* @polite_second */
  if (r == 0)
    tt_lock_release(second);
  tt_lock_release(first);
  return r;
}
static int polite_ab(void *arg) {
  (void)arg;
  return polite(&L, &L2);
}
static int polite_ba(void *arg) {
  (void)arg;
  return polite(&L2, &L);
}
static int main_deadlock_ticker(void *arg) {
  (void)arg;
  tt_task *tick, *t[2];
  int res[2];
  tt_lock_init(&L, "L1");
  tt_lock_init(&L2, "L2");
  tt_spawn(&tick, ticker, NULL, "ticker");
  tt_detach(tick);
  tt_spawn(&t[0], polite_ab, NULL, "ab");
  tt_spawn(&t[1], polite_ba, NULL, "ba");
  int r = tt_gather(t, 2, res, TT_FOREVER);
  printf("gather=%d ab=%d ba=%d\n", r, res[0], res[1]);
  return r;
}

/* ---- join-cycle: two tasks join each other ---- */
static tt_task *ja, *jb;
static int join_b(void *arg) {
  (void)arg;
  int r;
  int j = tt_join(jb, &r, TT_FOREVER); /* @ja_wait */
  return j < 0 ? j : r;
}
static int join_a(void *arg) {
  (void)arg;
  tt_yield();
  return tt_join(ja, NULL, TT_FOREVER); /* @jb_wait */
}
static int main_join_cycle(void *arg) {
  (void)arg;
  tt_spawn(&ja, join_b, NULL, "ja"); /* @ja_spawn */
  tt_spawn(&jb, join_a, NULL, "jb"); /* @jb_spawn */
  tt_sleep_ms(10); /* not joining ja yet: that would take its join slot */
  int r, j = tt_join(ja, &r, TT_FOREVER);
  printf("join=%d ja=%d\n", j, r);
  return 0;
}

/* ---- finish-holding: tasks that end holding a lock: one returns, one
 * fails, one is cancelled ---- */
static tt_lock FH[3];
static int holds_returns(void *arg) {
  (void)arg;
  tt_lock_acquire(&FH[0], TT_FOREVER); /* @fh_ret */
  return 0;
}
static int holds_fails(void *arg) {
  (void)arg;
  tt_lock_acquire(&FH[1], TT_FOREVER); /* @fh_fail */
  tt_yield();
  return -EIO;
}
static int holds_cancelled(void *arg) {
  (void)arg;
  tt_lock_acquire(&FH[2], TT_FOREVER); /* @fh_cancel */
  return tt_sleep_until(TT_FOREVER);
}
static int main_finish_holding(void *arg) {
  (void)arg;
  tt_task *t[3];
  tt_lock_init(&FH[0], "F0");
  tt_lock_init(&FH[1], "F1");
  tt_lock_init(&FH[2], "F2");
  tt_spawn(&t[0], holds_returns, NULL, "returner");  /* @fh_ret_spawn */
  tt_spawn(&t[1], holds_fails, NULL, "failer");      /* @fh_fail_spawn */
  tt_spawn(&t[2], holds_cancelled, NULL, "cancelee"); /* @fh_cancel_spawn */
  tt_sleep_ms(1);
  tt_cancel(t[2]);
  return tt_gather(t, 3, NULL, TT_FOREVER);
}

/* ---- sem-over: a bounded semaphore released by a task holding no permit ---- */
static tt_sem BS;
static int pool_user(void *arg) {
  (void)arg;
  tt_sem_acquire(&BS, TT_FOREVER);
  tt_sleep_ms(2);
  return tt_sem_release(&BS); /* @sem_good */
}
static int rogue(void *arg) {
  (void)arg;
  return tt_sem_release(&BS); /* @sem_rogue */
}
static int main_sem_over(void *arg) {
  (void)arg;
  tt_task *t[3];
  int res[3];
  tt_bsem_init(&BS, 2, "pool");
  tt_spawn(&t[0], pool_user, NULL, "user1");
  tt_spawn(&t[1], pool_user, NULL, "user2");
  tt_spawn(&t[2], rogue, NULL, "rogue"); /* @rogue_spawn */
  tt_gather(t, 3, res, TT_FOREVER);
  printf("user1=%d user2=%d rogue=%d\n", res[0], res[1], res[2]);
  return 0;
}

/* ---- deadlock-done: a task finished holding L (not joined), another waits
 * for L, main joins that one ---- */
static int quitter(void *arg) {
  (void)arg;
  return tt_lock_acquire(&L, TT_FOREVER); /* returns without releasing */
}
static int waiter(void *arg) {
  (void)arg;
  return tt_lock_acquire(&L, TT_FOREVER); /* @done_wait */
}
static int main_deadlock_done(void *arg) {
  (void)arg;
  tt_task *q, *w;
  tt_lock_init(&L, "L");
  tt_spawn(&q, quitter, NULL, "quitter");
  tt_sleep_ms(1);
  tt_spawn(&w, waiter, NULL, "waiter");
  return tt_join(w, NULL, TT_FOREVER);
}

/* ---- lock-held: held 120 ms while another task waits ---- */
static int slowpoke(void *arg) {
  (void)arg;
  tt_lock_acquire(&L, TT_FOREVER); /* @slowpoke_take */
  tt_sleep_ms(120);
  fprintf(stderr, "slowpoke: releasing\n");
  return tt_lock_release(&L); /* @release_site */
}
static int patient(void *arg) {
  (void)arg;
  int r = tt_lock_acquire(&L, TT_FOREVER); /* @patient_wait */
  return r < 0 ? r : tt_lock_release(&L);
}
static int main_lock_held(void *arg) {
  (void)arg;
  tt_task *t[2];
  tt_lock_init(&L, "L");
  tt_spawn(&t[0], slowpoke, NULL, "slowpoke"); /* @slowpoke_spawn */
  tt_spawn(&t[1], patient, NULL, "patient");   /* @patient_spawn */
  return tt_gather(t, 2, NULL, TT_FOREVER);
}

/* ---- overflow: unbounded recursion on a 64 KiB stack ---- */
static volatile int depth_limit = 1 << 30; /* never reached: 64 KiB runs out first */
static int recurse(int n) {
  volatile char pad[512];
  pad[0] = (char)n;
  if (n > depth_limit)
    return 0;
  return recurse(n + 1) + pad[0];
}
static int deep(void *arg) {
  (void)arg;
  return recurse(0);
}
static int main_overflow(void *arg) {
  (void)arg;
  tt_task *t;
  tt_spawn(&t, deep, NULL, "deep"); /* @deep_spawn */
  return tt_join(t, NULL, TT_FOREVER);
}

/* ---- sigquit: a dump while tasks sleep and wait ---- */
static tt_event E;
static int napper(void *arg) {
  (void)arg;
  return tt_sleep_ms(5000); /* @napper_wait */
}
static int blocked(void *arg) {
  (void)arg;
  return tt_event_wait(&E, TT_FOREVER); /* @blocked_wait */
}
static int main_sigquit(void *arg) {
  (void)arg;
  tt_task *a, *b;
  tt_event_init(&E, "E");
  tt_spawn(&a, napper, NULL, "napper");   /* @napper_spawn */
  tt_spawn(&b, blocked, NULL, "blocked"); /* @blocked_spawn */
  tt_yield();
  kill(getpid(), SIGQUIT);
  tt_sleep_ms(50); /* @main_wait */
  tt_event_set(&E);
  tt_cancel(a);
  tt_join(a, NULL, TT_FOREVER);
  return tt_join(b, NULL, TT_FOREVER);
}

/* ---- sigquit-idle: a dump while the loop is idle in its poll ---- */
static void *quit_later(void *arg) {
  (void)arg;
  usleep(40 * 1000);
  kill(getpid(), SIGQUIT);
  return NULL;
}
static int main_sigquit_idle(void *arg) {
  (void)arg;
  pthread_t th;
  pthread_create(&th, NULL, quit_later, NULL);
  int r = tt_sleep_ms(150);
  pthread_join(th, NULL);
  return r;
}

/* ---- queue-join: a task joins a queue whose item nobody takes; main
 * returns (queue-join) or joins that task (queue-join-deadlock) ---- */
static tt_queue Q;
static int joiner(void *arg) {
  (void)arg;
  return tt_queue_join(&Q, TT_FOREVER); /* @queue_join_wait */
}
static int start_joiner(tt_task **t) {
  tt_queue_init(&Q, 4, "jobs");
  tt_queue_put_nowait(&Q, &Q);
  return tt_spawn(t, joiner, NULL, "joiner"); /* @joiner_spawn */
}
static int main_queue_join(void *arg) {
  (void)arg;
  tt_task *t;
  start_joiner(&t);
  return tt_sleep_ms(10);
}
static int main_queue_join_deadlock(void *arg) {
  (void)arg;
  tt_task *t;
  start_joiner(&t);
  return tt_join(t, NULL, TT_FOREVER);
}

static const struct {
  const char *name;
  tt_fn fn;
} modes[] = {
    {"queue-join", main_queue_join},   {"queue-join-deadlock", main_queue_join_deadlock},
    {"slow-step", main_slow_step},     {"slow-callback", main_slow_callback},
    {"slow-iteration", main_slow_iteration}, {"wrong-thread", main_wrong_thread},
    {"unretrieved", main_unretrieved}, {"pending", main_pending},
    {"deadlock", main_deadlock},       {"lock-held", main_lock_held},
    {"deadlock-done", main_deadlock_done}, {"sigquit-idle", main_sigquit_idle},
    {"overflow", main_overflow},       {"sigquit", main_sigquit},
    {"deadlock-ticker", main_deadlock_ticker}, {"join-cycle", main_join_cycle},
    {"finish-holding", main_finish_holding}, {"sem-over", main_sem_over},
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  for (size_t i = 0; argc == 2 && i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp(argv[1], modes[i].name) == 0) {
      int r = tt_run(modes[i].fn, NULL);
      printf("tt_run=%d\n", r);
      return r == 0 ? 0 : 1;
    }
  fprintf(stderr, "usage: tt-debug-prog MODE\n");
  return 2;
}
