/* Programs for virtual time (TASKTRACE_VIRTUAL_TIME, check_vtime.sh):
 *   sleep    main sleeps 10 s in 100 sleeps while 4 tasks sleep 2.5 s each;
 *            prints the loop's elapsed time (10000 ms under virtual time)
 *   race     20 rounds of a tie: "waiter" times out on a semaphore after
 *            50 ms while "poster" sleeps 50 ms and posts; then both sleep
 *            50 ms more and the one that runs first in that round marks
 *            it; prints one letter a round (what the waiter saw, who ran
 *            first)
 *   pipe     a thread writes to a pipe after 300 ms of real time; a task
 *            reads it (deadline 5 s) while another ticks 10 ms sleeps
 *   pipe_timeout  a read from a pipe nobody writes, deadline 200 ms
 *   spin     yields until tt_now() passes a deadline 100 ms ahead
 * Exit 0 when the program saw what it should, 1 otherwise. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tasktrace/tasktrace.h>

static int ms_since(int64_t t0) { return (int)((tt_now() - t0) / 1000000); }

/* ---- sleep --------------------------------------------------------------- */

static int sleeper(void *arg) {
  (void)arg;
  for (int i = 0; i < 25; i++)
    tt_sleep_ms(100);
  return 0;
}

static int do_sleep(void) {
  int64_t t0 = tt_now();
  tt_task *t[4];
  for (int i = 0; i < 4; i++)
    if (tt_spawn(&t[i], sleeper, NULL, "sleeper") < 0)
      return 1;
  for (int i = 0; i < 100; i++)
    tt_sleep_ms(100);
  for (int i = 0; i < 4; i++)
    tt_join(t[i], NULL, TT_FOREVER);
  printf("vtime: slept, loop time %d ms\n", ms_since(t0));
  return 0;
}

/* ---- race ---------------------------------------------------------------- */

static tt_sem sem;
static char first;

static int waiter(void *arg) {
  char *out = arg;
  int r = tt_sem_acquire(&sem, tt_after_ms(50));
  out[0] = r == 0 ? 'g' : r == -ETIMEDOUT ? 't' : '?';
  tt_sleep_ms(50);
  if (first == 0)
    first = 'w';
  return 0;
}

static int poster(void *arg) {
  (void)arg;
  tt_sleep_ms(50);
  tt_sem_release(&sem);
  tt_sleep_ms(50);
  if (first == 0)
    first = 'p';
  return 0;
}

static int do_race(void) {
  char line[2 * 20 + 1] = {0};
  for (int i = 0; i < 20; i++) {
    if (tt_sem_init(&sem, 0, "sem") < 0)
      return 1;
    first = 0;
    tt_task *a, *b;
    char seen[1] = {0};
    if (tt_spawn(&a, waiter, seen, "waiter") < 0 || tt_spawn(&b, poster, NULL, "poster") < 0)
      return 1;
    tt_join(a, NULL, TT_FOREVER);
    tt_join(b, NULL, TT_FOREVER);
    tt_sem_close(&sem);
    line[2 * i] = seen[0];
    line[2 * i + 1] = first;
  }
  printf("vtime: race %s\n", line);
  return 0;
}

/* ---- pipe ---------------------------------------------------------------- */

static int wfd;
static volatile int done;

static void *late_writer(void *arg) {
  (void)arg;
  usleep(300 * 1000);
  if (write(wfd, "x", 1) != 1)
    return NULL;
  return NULL;
}

static int ticker(void *arg) {
  int *ticks = arg;
  while (!done) {
    tt_sleep_ms(10);
    ++*ticks;
  }
  return 0;
}

static int do_pipe(int timeout) {
  int fds[2];
  tt_stream *s;
  if (pipe(fds) < 0 || tt_pipe_open(&s, fds[0]) < 0)
    return 1;
  wfd = fds[1];
  pthread_t th;
  if (!timeout && pthread_create(&th, NULL, late_writer, NULL) != 0)
    return 1;
  int ticks = 0;
  tt_task *t;
  if (tt_spawn(&t, ticker, &ticks, "ticker") < 0)
    return 1;
  int64_t t0 = tt_now();
  char c;
  ssize_t n = tt_stream_read(s, &c, 1, tt_after_ms(timeout ? 200 : 5000));
  int ms = ms_since(t0);
  done = 1;
  tt_join(t, NULL, TT_FOREVER);
  if (!timeout)
    pthread_join(th, NULL);
  tt_stream_close(s);
  close(wfd);
  printf("vtime: read %zd after %d ms of loop time, %d ticks\n", n, ms, ticks);
  if (timeout)
    return n == -ETIMEDOUT && ms >= 200 ? 0 : 1;
  return n == 1 && ms >= 250 ? 0 : 1;
}

/* ---- spin ---------------------------------------------------------------- */

static int spinner(void *arg) {
  (void)arg;
  tt_sleep_ms(1000); /* a timer stays pending while main spins */
  return 0;
}

static int do_spin(void) {
  tt_task *t;
  if (tt_spawn(&t, spinner, NULL, "sleeper") < 0)
    return 1;
  tt_deadline end = tt_after_ms(100);
  long yields = 0;
  while (tt_now() < end)
    tt_yield(), yields++;
  tt_join(t, NULL, TT_FOREVER);
  printf("vtime: spun %ld yields\n", yields);
  return 0;
}

static int run(void *arg) {
  const char *mode = arg;
  if (strcmp(mode, "sleep") == 0)
    return do_sleep();
  if (strcmp(mode, "race") == 0)
    return do_race();
  if (strcmp(mode, "pipe") == 0 || strcmp(mode, "pipe_timeout") == 0)
    return do_pipe(mode[4] != '\0');
  if (strcmp(mode, "spin") == 0)
    return do_spin();
  fprintf(stderr, "vtime: unknown mode '%s'\n", mode);
  return 2;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: vtime sleep|race|pipe|pipe_timeout|spin\n");
    return 2;
  }
  int r = tt_run(run, argv[1]);
  return r < 0 ? 2 : r;
}
