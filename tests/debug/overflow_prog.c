/* tt-overflow-prog MODE: stack overflows for test_stack_guard.c.
 *   big   a task on a 16 KiB stack calls a function whose frame (16 KiB)
 *         is larger than a page, after a mark("before-overflow"); a second
 *         task keeps a canary on its own stack and reports it afterwards
 *         if the process survives ("canary intact" / "canary broken").
 *   exec  mark("before-exec") then exec itself with MODE "after" (which
 *         marks "after-exec"): events before an exec must be handed over.
 *   dense more tasks at once than the guarded-stack budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tasktrace/tasktrace.h>

static volatile int sink;

__attribute__((noinline)) static void big_frame(void) {
  volatile char buf[16384];
  buf[0] = 1; /* the far end: the lowest address */
  buf[sizeof buf - 1] = 2;
  sink = buf[0] + buf[sizeof buf - 1];
}

static int overflower(void *arg) {
  (void)arg;
  tt_mark("before-overflow");
  big_frame();
  return 0;
}

static int keeper(void *arg) {
  (void)arg;
  char canary[256];
  memset(canary, 0x5a, sizeof canary);
  tt_yield();
  tt_yield();
  for (size_t i = 0; i < sizeof canary; i++)
    if (((volatile char *)canary)[i] != 0x5a) {
      printf("canary broken\n");
      return 0;
    }
  printf("canary intact\n");
  return 0;
}

static int main_big(void *arg) {
  (void)arg;
  tt_spawn_opts o = {.name = "keeper", .stack_size = 16 * 1024};
  tt_task *k, *b;
  tt_spawn_opts(&k, keeper, NULL, &o);
  o.name = "overflower";
  tt_spawn_opts(&b, overflower, NULL, &o);
  tt_join(b, NULL, TT_FOREVER);
  tt_join(k, NULL, TT_FOREVER);
  return 0;
}

/* dense: more tasks alive at once than the guarded-stack budget (an
 * eighth of vm.max_map_count), so that some get dense stacks. */
static int yielder(void *arg) {
  (void)arg;
  tt_yield();
  return 0;
}

static int main_dense(void *arg) {
  (void)arg;
  long max_maps = 65530;
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  if (f != NULL) {
    if (fscanf(f, "%ld", &max_maps) != 1)
      max_maps = 65530;
    fclose(f);
  }
  long n = max_maps / 8 + 100;
  tt_task **t = calloc((size_t)n, sizeof *t);
  tt_spawn_opts o = {.name = "y", .stack_size = 16 * 1024};
  for (long i = 0; i < n; i++)
    if (tt_spawn_opts(&t[i], yielder, NULL, &o) < 0)
      return 1;
  for (long i = 0; i < n; i++)
    tt_join(t[i], NULL, TT_FOREVER);
  free(t);
  printf("tasks=%ld\n", n);
  return 0;
}

static char *self;

static int main_exec(void *arg) {
  (void)arg;
  tt_mark("before-exec");
  execl(self, self, "after", (char *)NULL);
  perror("execl");
  return 1;
}

static int main_after(void *arg) {
  (void)arg;
  tt_mark("after-exec");
  return 0;
}

int main(int argc, char **argv) {
  self = argv[0];
  tt_fn fn = argc < 2                      ? NULL
             : strcmp(argv[1], "big") == 0  ? main_big
             : strcmp(argv[1], "exec") == 0 ? main_exec
             : strcmp(argv[1], "after") == 0 ? main_after
             : strcmp(argv[1], "dense") == 0 ? main_dense
                                             : NULL;
  if (fn == NULL) {
    fprintf(stderr, "usage: tt-overflow-prog big|exec\n");
    return 2;
  }
  return tt_run(fn, NULL) < 0 ? 1 : 0;
}
