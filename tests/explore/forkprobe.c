/* forkprobe [--old] [--spin]: how explore starts its runs. Before tt_run it
 * appends a line to $FORKPROBE (one per exec of the program: a fork
 * server's runs start after that point, in tt_run). --old ignores the fork
 * server, as a program built with a runtime without one would. --spin: a
 * task that spins on tt_yield until another sets a flag (pct must let the
 * setter run). Exit 0. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tasktrace/tasktrace.h>

static volatile int flag;

static int spinner(void *arg) {
  (void)arg;
  while (!flag)
    tt_yield();
  return 0;
}

static int setter(void *arg) {
  (void)arg;
  tt_yield();
  tt_yield();
  flag = 1;
  return 0;
}

static int work(void *arg) {
  (void)arg;
  tt_yield();
  return 0;
}

static int run(void *arg) {
  int spin = arg != NULL;
  tt_task *t[2];
  if (tt_spawn(&t[0], spin ? spinner : work, NULL, spin ? "spinner" : "w0") < 0 ||
      tt_spawn(&t[1], spin ? setter : work, NULL, spin ? "setter" : "w1") < 0)
    return 2;
  tt_join(t[0], NULL, TT_FOREVER);
  tt_join(t[1], NULL, TT_FOREVER);
  return 0;
}

int main(int argc, char **argv) {
  int spin = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--old") == 0)
      unsetenv("TASKTRACE_FORKSERVER");
    else if (strcmp(argv[i], "--spin") == 0)
      spin = 1;
  }
  const char *probe = getenv("FORKPROBE");
  if (probe != NULL) {
    int fd = open(probe, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "exec\n", 5) != 5)
      return 3;
    close(fd);
  }
  printf("forkprobe: before tt_run\n");
  int r = tt_run(run, spin ? "spin" : NULL);
  return r < 0 ? 2 : r;
}
