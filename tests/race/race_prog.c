/* Programs for the race detector's tests (test_race.c), built with
 * tasktrace-cc: `race_prog MODE`. The negative modes must get no report;
 * the predict modes hold a race that FIFO order never breaks. Lines the
 * tests look for carry a tag comment. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tasktrace/race.h>
#include <tasktrace/tasktrace.h>

#define CHECK(call)                                                                                \
  do {                                                                                             \
    int r_ = (call);                                                                               \
    if (r_ < 0) {                                                                                  \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, tt_strerror(r_));             \
      exit(3);                                                                                     \
    }                                                                                              \
  } while (0)
#define N 4

static const char *mode;
static int x, stats, shared;
static atomic_int counter;
static tt_lock lock;
static tt_event ready;
static tt_queue queue;

/* Each update is one step: yields only between them. */
static int single(void *arg) {
  for (int i = 0; i < 3; i++) {
    stats++;
    x = x + 2;
    CHECK(tt_yield());
  }
  return 0;
}

/* Read, yield, write, with a Lock across all of it. */
static int locked(void *arg) {
  CHECK(tt_lock_acquire(&lock, TT_FOREVER));
  int v = x;
  CHECK(tt_yield());
  x = v + 1;
  CHECK(tt_lock_release(&lock));
  return 0;
}

/* Atomic operations across a yield are never reported. */
static int atomics(void *arg) {
  int v = atomic_load(&counter);
  CHECK(tt_yield());
  atomic_store(&counter, v + 1);
  atomic_fetch_add(&counter, 1);
  return 0;
}

/* One task writes (across yields), the others only read. */
static int writer(void *arg) {
  for (int i = 0; i < 3; i++) {
    int v = x;
    CHECK(tt_yield());
    x = v + 1;
  }
  return 0;
}
static int reader(void *arg) {
  for (int i = 0; i < 3; i++) {
    stats = x; /* stats: this task's alone here */
    CHECK(tt_yield());
  }
  return 0;
}

/* Handed on: through an Event, then a Queue; one task at a time. */
static int by_event(void *arg) {
  CHECK(tt_event_wait(&ready, TT_FOREVER));
  int v = shared;
  CHECK(tt_yield());
  shared = v + 1;
  CHECK(tt_queue_put(&queue, &shared, TT_FOREVER));
  return 0;
}
static int by_queue(void *arg) {
  void *p;
  CHECK(tt_queue_get(&queue, &p, TT_FOREVER));
  int v = *(int *)p;
  CHECK(tt_yield());
  *(int *)p = v + 1;
  return 0;
}
/* Through a join: the child updates x across a yield, main after it. */
static int child(void *arg) {
  int v = x;
  CHECK(tt_yield());
  x = v + 1;
  return 0;
}

/* handoff_step: the rest of the step that spawns or signals is ordered
 * before the task it hands to (which can run only after that step, in any
 * schedule): the writes that follow the spawn and the set in the same
 * step are no race with the child's update. */
static int after_spawn(void *arg) {
  int v = x;
  CHECK(tt_yield());
  x = v + 1;
  return 0;
}
static int after_set(void *arg) {
  CHECK(tt_event_wait(&ready, TT_FOREVER));
  int v = shared;
  CHECK(tt_yield());
  shared = v + 1;
  return 0;
}

/* The prediction: FIFO runs the update's read and write before the
 * other write (predict_after) or after it (predict_before). */
static int update(void *arg) {
  int v = x;        /* @R */
  CHECK(tt_yield()); /* @Y */
  x = v + 1;        /* @W2 */
  return 0;
}
static int late_writer(void *arg) {
  CHECK(tt_yield());
  CHECK(tt_yield());
  x = 10; /* @W_after */
  return 0;
}
static int early_writer(void *arg) {
  x = 10; /* @W_before */
  return 0;
}

/* heap: the counter lives in a malloc'ed block; a lost update on it is
 * named by the allocation site. */
struct account {
  long id, total;
};
static struct account *acct;
static int heap_update(void *arg) {
  long v = acct->total;
  CHECK(tt_yield());
  acct->total = v + 1;
  return 0;
}
static struct account *new_account(void) {
  struct account *a = malloc(sizeof *a); /* @heap_alloc */
  if (a == NULL)
    exit(3);
  a->id = 1;
  a->total = 0;
  return a;
}

/* reuse: memory freed by one task and allocated again by another is a
 * new variable. The freer reads a field of its block, frees it and waits;
 * the allocator gets the same address back (checked: glibc's per-size
 * cache returns the chunk just freed), writes the field and hands the new
 * block over by a Queue; the freer then writes it without reading (a blind
 * write, no race); reuse_predicted: the allocator writes it after the
 * freer does instead. reuse_race: two tasks then race on the new block, a lost
 * update that must still be found and named by the new allocation site. */
struct rec {
  long id, value;
  char pad[216]; /* 232 bytes: a size class nothing else here uses */
};
static struct rec *freed, *reused;
static int freer(void *arg) {
  struct rec *p = malloc(sizeof *p);
  if (p == NULL)
    exit(3);
  p->value = 1;
  CHECK(tt_yield());
  long v = p->value; /* read in a step before the free: R of the old block */
  freed = p;
  free(p);
  void *q;
  CHECK(tt_queue_get(&queue, &q, TT_FOREVER)); /* the allocator runs here */
  ((struct rec *)q)->value = v + 1;          /* the new block, blind: not a lost update */
  return 0;
}
static int allocator(void *arg) {
  CHECK(tt_yield()); /* after the free */
  struct rec *q = malloc(sizeof *q); /* @reuse_alloc */
  if (q == NULL)
    exit(3);
  if (q != freed) {
    fprintf(stderr, "race_prog: reuse: malloc gave %p, not the block freed at %p\n", (void *)q,
            (void *)freed);
    exit(4);
  }
  q->id = 2;
  reused = q;
  if (strcmp(mode, "reuse_predicted") == 0) {
    /* The write comes after the freer's, unordered with it: with the old
     * block's read, a predicted lost update; with the new block, none. */
    CHECK(tt_queue_put(&queue, q, TT_FOREVER));
    CHECK(tt_yield());
    CHECK(tt_yield());
    q->value = 0;
    return 0;
  }
  q->value = 0; /* W of the new block, between R and the freer's write */
  CHECK(tt_queue_put(&queue, q, TT_FOREVER));
  return 0;
}
static int reuse_update(void *arg) {
  long v = reused->value;
  CHECK(tt_yield());
  reused->value = v + 1;
  return 0;
}

static void spawn_n(tt_task **t, int n, tt_fn fn) {
  for (int i = 0; i < n; i++)
    CHECK(tt_spawn(&t[i], fn, NULL, NULL));
}

static int handoff(void) {
  tt_task *t[3];
  shared = 1; /* before the spawns: ordered before everything they do */
  CHECK(tt_spawn(&t[0], by_event, NULL, "by-event"));
  CHECK(tt_spawn(&t[1], by_queue, NULL, "by-queue"));
  CHECK(tt_yield());
  shared = 2; /* before the set */
  CHECK(tt_event_set(&ready));
  CHECK(tt_gather(t, 2, NULL, TT_FOREVER));
  CHECK(tt_spawn(&t[2], child, NULL, "child"));
  CHECK(tt_join(t[2], NULL, TT_FOREVER));
  int v = x;
  CHECK(tt_yield());
  x = v + 1;
  printf("handoff: shared=%d x=%d\n", shared, x);
  return 0;
}

static int run(void *arg) {
  tt_task *t[N + 1];
  CHECK(tt_lock_init(&lock, "lock"));
  CHECK(tt_event_init(&ready, "ready"));
  CHECK(tt_queue_init(&queue, 1, "queue"));
  if (strcmp(mode, "single") == 0) {
    spawn_n(t, N, single);
  } else if (strcmp(mode, "locked") == 0) {
    spawn_n(t, N, locked);
  } else if (strcmp(mode, "atomics") == 0) {
    spawn_n(t, N, atomics);
  } else if (strcmp(mode, "one_writer") == 0) {
    CHECK(tt_spawn(&t[0], writer, NULL, "writer"));
    spawn_n(t + 1, 1, reader);
    CHECK(tt_gather(t, 2, NULL, TT_FOREVER));
    return 0;
  } else if (strcmp(mode, "handoff") == 0) {
    return handoff();
  } else if (strcmp(mode, "heap") == 0) {
    acct = new_account();
    spawn_n(t, 2, heap_update);
    CHECK(tt_gather(t, 2, NULL, TT_FOREVER));
    printf("heap: total=%ld\n", acct->total);
    free(acct);
    return 0;
  } else if (strcmp(mode, "handoff_step") == 0) {
    CHECK(tt_spawn(&t[0], after_spawn, NULL, "after-spawn"));
    x = 5; /* after the spawn, in its step */
    CHECK(tt_spawn(&t[1], after_set, NULL, "after-set"));
    CHECK(tt_yield()); /* after-set waits */
    CHECK(tt_event_set(&ready));
    shared = 5; /* after the set, in its step */
    CHECK(tt_gather(t, 2, NULL, TT_FOREVER));
    printf("handoff_step: x=%d shared=%d\n", x, shared);
    return 0;
  } else if (strncmp(mode, "reuse", 5) == 0) {
    CHECK(tt_spawn(&t[0], freer, NULL, "freer"));
    CHECK(tt_spawn(&t[1], allocator, NULL, "allocator"));
    CHECK(tt_gather(t, 2, NULL, TT_FOREVER));
    if (strcmp(mode, "reuse_race") == 0) {
      spawn_n(t, 2, reuse_update);
      CHECK(tt_gather(t, 2, NULL, TT_FOREVER));
    }
    printf("%s: value=%ld\n", mode, reused->value);
    free(reused);
    return 0;
  } else if (strncmp(mode, "predict", 7) == 0) {
    if (strstr(mode, "benign") != NULL)
      TT_RACE_BENIGN(x);
    bool after = strstr(mode, "after") != NULL;
    CHECK(tt_spawn(&t[0], after ? update : early_writer, NULL, after ? "update" : "early"));
    CHECK(tt_spawn(&t[1], after ? late_writer : update, NULL, after ? "late" : "update"));
    CHECK(tt_gather(t, 2, NULL, TT_FOREVER));
    printf("%s: x=%d\n", mode, x);
    return x == 10 || x == 11 ? 0 : 1;
  } else {
    fprintf(stderr, "race_prog: unknown mode %s\n", mode);
    return 2;
  }
  CHECK(tt_gather(t, N, NULL, TT_FOREVER));
  printf("%s: x=%d stats=%d counter=%d\n", mode, x, stats, atomic_load(&counter));
  return 0;
}

int main(int argc, char **argv) {
  mode = argc > 1 ? argv[1] : "";
  int r = tt_run(run, NULL);
  return r < 0 ? 3 : r;
}
