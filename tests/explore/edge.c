/* Programs explore must answer truly about: edge never|always|hang|crash. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <tasktrace/tasktrace.h>

static const char *mode = "never";

static int work(void *arg) {
  (void)arg;
  tt_yield();
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *t[2];
  tt_spawn(&t[0], work, NULL, "w0");
  tt_spawn(&t[1], work, NULL, "w1");
  tt_join(t[0], NULL, TT_FOREVER);
  tt_join(t[1], NULL, TT_FOREVER);
  if (strcmp(mode, "always") == 0)
    return 1;
  if (strcmp(mode, "hang") == 0)
    for (;;)
      tt_sleep_ms(100);
  if (strcmp(mode, "crash") == 0)
    raise(SIGSEGV);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1)
    mode = argv[1];
  int r = tt_run(run, NULL);
  return r < 0 ? 2 : r;
}
