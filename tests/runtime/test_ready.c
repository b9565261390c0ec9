/* The ready queue: a push cannot fail, so waking any number of tasks at
 * once neither aborts nor loses one; the only out-of-memory report left is
 * tt_spawn's -ENOMEM, where the queue's room for the new task is made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <valgrind/valgrind.h>

#include <tasktrace/tasktrace.h>

#include "tt_test.h"

static tt_event go;
static size_t waiting, woken;

static int waiter(void *arg) {
  (void)arg;
  waiting++;
  int r = tt_event_wait(&go, TT_FOREVER);
  if (r < 0)
    return r;
  woken++;
  tt_yield(); /* and back through the queue once more */
  return 0;
}

/* n tasks park on one event, which wakes them all in one call. */
static int main_wake_all(void *arg) {
  size_t n = (size_t)(uintptr_t)arg;
  tt_task **ts = calloc(n, sizeof *ts);
  ASSERT_TRUE(ts != NULL);
  waiting = woken = 0;
  ASSERT_OK(tt_event_init(&go, "go"));
  tt_spawn_opts o = {.name = "waiter", .stack_size = 16 * 1024};
  for (size_t i = 0; i < n; i++)
    ASSERT_OK(tt_spawn_opts(&ts[i], waiter, NULL, &o));
  while (waiting < n)
    ASSERT_OK(tt_yield());
  ASSERT_EQ(woken, 0);
  ASSERT_OK(tt_event_set(&go));
  for (size_t i = 0; i < n; i++) {
    int r = -1;
    ASSERT_OK(tt_join(ts[i], &r, TT_FOREVER));
    ASSERT_EQ(r, 0);
  }
  ASSERT_EQ(woken, n);
  free(ts);
  return 0;
}

TEST(wake_many_at_once) { ASSERT_EQ(tt_run(main_wake_all, (void *)(uintptr_t)30000), 0); }

/* The same under the seeded scheduler, whose extra yields at every yield
 * point push the running task again (a push that used to be allowed to
 * fail and lose it). */
TEST(wake_many_at_once_seeded) {
  setenv("TASKTRACE_SCHED_SEED", "7", 1);
  ASSERT_EQ(tt_run(main_wake_all, (void *)(uintptr_t)5000), 0);
  unsetenv("TASKTRACE_SCHED_SEED");
}

/* ---- Out of address space ---- */

#define MAX_SPAWN (1u << 20)
static tt_task **handles;
static size_t spawned;

static size_t vm_size(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  size_t kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmSize: %zu kB", &kb) == 1)
      break;
  if (f)
    fclose(f);
  return kb * 1024;
}

/* Spawn until tt_spawn says -ENOMEM, letting the tasks start and park as
 * it goes; then wake them all at once and join every one. Every task
 * either ran to its end (0) or could not get a stack (-ENOMEM, its
 * result): none vanished, and the wake did not abort. */
static int main_oom(void *arg) {
  (void)arg;
  ASSERT_OK(tt_event_init(&go, "go"));
  tt_spawn_opts o = {.name = "waiter", .stack_size = 16 * 1024};
  int r = 0;
  while (spawned < MAX_SPAWN) {
    if ((r = tt_spawn_opts(&handles[spawned], waiter, NULL, &o)) < 0)
      break;
    if (++spawned % 64 == 0)
      tt_yield(); /* they start: stacks, parking */
  }
  ASSERT_ERR(r, -ENOMEM);
  ASSERT_GE(spawned, 300); /* past the ring's first 256 slots */
  tt_yield();
  size_t parked = waiting;
  ASSERT_OK(tt_event_set(&go));
  size_t ran = 0, no_stack = 0;
  for (size_t i = 0; i < spawned; i++) {
    int res = 1;
    ASSERT_OK(tt_join(handles[i], &res, TT_FOREVER));
    if (res == 0)
      ran++;
    else if (res == -ENOMEM)
      no_stack++;
    else
      ASSERT_EQ(res, 0);
  }
  fprintf(stderr, "spawned %zu, parked %zu, ran %zu, no stack %zu\n", spawned, parked, ran,
          no_stack);
  ASSERT_EQ(ran + no_stack, spawned);
  ASSERT_EQ(woken, parked);
  ASSERT_EQ(ran, parked); /* every task that parked was woken and finished */
  return 0;
}

TEST(out_of_memory_loses_no_task) {
#if defined(__SANITIZE_ADDRESS__)
  tt_test_skip("ASan reserves terabytes of address space: RLIMIT_AS cannot be used");
#endif
  if (RUNNING_ON_VALGRIND)
    tt_test_skip("valgrind's own memory counts against RLIMIT_AS: the limit measures it, not us");
  handles = calloc(MAX_SPAWN, sizeof *handles);
  ASSERT_TRUE(handles != NULL);
  size_t vm = vm_size();
  ASSERT_GE(vm, 1);
  /* Room for the loop and a few thousand small tasks, not for a million. */
  struct rlimit rl = {vm + (48u << 20), vm + (48u << 20)};
  ASSERT_OK(setrlimit(RLIMIT_AS, &rl));
  int r = tt_run(main_oom, NULL);
  rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
  setrlimit(RLIMIT_AS, &rl); /* lowering the hard limit is for good: fine here */
  ASSERT_EQ(r, 0);
}
