/* Programs for tests/debug/test_lockdep.c: lock orders, FIFO order. No run
 * here deadlocks: each task finishes before the next starts, so only the
 * order graph can tell an inversion. Call sites are tagged for the test. */
#include <stdio.h>
#include <string.h>

#include <tasktrace/tasktrace.h>

static tt_lock L1, L2, L3;

static void init(void) {
  tt_lock_init(&L1, "L1");
  tt_lock_init(&L2, "L2");
  tt_lock_init(&L3, "L3");
}

/* first, then second, nested; both released. */
static void nest(tt_lock *first, tt_lock *second) {
  tt_lock_acquire(first, TT_FOREVER);
  tt_lock_acquire(second, TT_FOREVER);
  tt_lock_release(second);
  tt_lock_release(first);
}

/* ---- inversion: A takes L1 then L2, later B takes L2 then L1 ---- */
static int take_12(void *arg) {
  (void)arg;
  tt_lock_acquire(&L1, TT_FOREVER); /* @a_held */
  tt_lock_acquire(&L2, TT_FOREVER); /* @a_take */
  tt_lock_release(&L2);
  tt_lock_release(&L1);
  return 0;
}
static int take_21(void *arg) {
  /* Twice: the cycle is the same, reported once. */
  for (int i = 0; i < 2; i++) {
    tt_lock_acquire(&L2, TT_FOREVER); /* @b_held */
    tt_lock_acquire(&L1, TT_FOREVER); /* @b_take */
    tt_lock_release(&L1);
    tt_lock_release(&L2);
  }
  (void)arg;
  return 0;
}
static int main_inversion(void *arg) {
  (void)arg;
  init();
  tt_task *a, *b;
  tt_spawn(&a, take_12, NULL, "a"); /* @a_spawn */
  tt_join(a, NULL, TT_FOREVER);
  tt_spawn(&b, take_21, NULL, "b"); /* @b_spawn */
  return tt_join(b, NULL, TT_FOREVER);
}

/* ---- consistent: both tasks take L1 then L2, and L1 then L3 ---- */
static int take_123(void *arg) {
  (void)arg;
  nest(&L1, &L2);
  nest(&L1, &L3);
  nest(&L2, &L3);
  return 0;
}
static int main_consistent(void *arg) {
  (void)arg;
  init();
  tt_task *t[2];
  tt_spawn(&t[0], take_123, NULL, "c0");
  tt_spawn(&t[1], take_123, NULL, "c1");
  return tt_gather(t, 2, NULL, TT_FOREVER);
}

/* ---- retake: one task nests L1 -> L2, then takes L2 and L1 again one at
 * a time, nothing held: no order, so no inversion ---- */
static int main_retake(void *arg) {
  (void)arg;
  init();
  nest(&L1, &L2);
  for (int i = 0; i < 2; i++) {
    tt_lock_acquire(&L2, TT_FOREVER);
    tt_lock_release(&L2);
    tt_lock_acquire(&L1, TT_FOREVER);
    tt_lock_release(&L1);
  }
  return 0;
}

/* ---- trylock: after L1 -> L2, a try-acquire of L1 under L2 cannot wait,
 * so it orders nothing ---- */
static int main_trylock(void *arg) {
  (void)arg;
  init();
  nest(&L1, &L2);
  tt_lock_acquire(&L2, TT_FOREVER);
  if (tt_lock_acquire(&L1, TT_NOWAIT) == 0)
    tt_lock_release(&L1);
  tt_lock_release(&L2);
  return 0;
}

/* ---- three: L1 -> L2, L2 -> L3, then L3 -> L1 closes a cycle of three ---- */
static int t12(void *arg) {
  (void)arg;
  tt_lock_acquire(&L1, TT_FOREVER); /* @x_held */
  tt_lock_acquire(&L2, TT_FOREVER); /* @x_take */
  tt_lock_release(&L2);
  tt_lock_release(&L1);
  return 0;
}
static int t23(void *arg) {
  (void)arg;
  tt_lock_acquire(&L2, TT_FOREVER); /* @y_held */
  tt_lock_acquire(&L3, TT_FOREVER); /* @y_take */
  tt_lock_release(&L3);
  tt_lock_release(&L2);
  return 0;
}
static int t31(void *arg) {
  (void)arg;
  tt_lock_acquire(&L3, TT_FOREVER); /* @z_held */
  tt_lock_acquire(&L1, TT_FOREVER); /* @z_take */
  tt_lock_release(&L1);
  tt_lock_release(&L3);
  return 0;
}
static int main_three(void *arg) {
  (void)arg;
  init();
  tt_fn fns[] = {t12, t23, t31};
  const char *names[] = {"x", "y", "z"};
  for (int i = 0; i < 3; i++) {
    tt_task *t;
    tt_spawn(&t, fns[i], NULL, names[i]);
    tt_join(t, NULL, TT_FOREVER);
  }
  return 0;
}

static const struct {
  const char *name;
  tt_fn fn;
} modes[] = {
    {"inversion", main_inversion}, {"consistent", main_consistent}, {"retake", main_retake},
    {"trylock", main_trylock},     {"three", main_three},
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  for (size_t i = 0; argc == 2 && i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp(argv[1], modes[i].name) == 0) {
      int r = tt_run(modes[i].fn, NULL);
      printf("tt_run=%d\n", r);
      return r == 0 ? 0 : 1;
    }
  fprintf(stderr, "usage: tt-lockdep-prog MODE\n");
  return 2;
}
