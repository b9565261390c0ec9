/* tasktraced built with the race detector (tt-tasktraced-race) serves
 * waves of real producers, in debug mode, and is stopped with
 * SIGTERM: no race and no lock-order inversion may be reported, and its
 * exit status stays 0 (a report would make it 66). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tt_test.h"

static void sleep_ms(int ms) {
  struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

/* argv in a child, stdout and stderr into log (NULL: /dev/null). */
static pid_t start(char *const argv[], const char *log) {
  pid_t pid = fork();
  ASSERT_TRUE(pid >= 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  return pid;
}

static int wait_exit(pid_t pid) {
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  ASSERT_TRUE(f != NULL);
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

#define WAVES 4

TEST(tasktraced_reports_nothing) {
  char dir[512], sock[600], out[600], log[600], daemon[4200], prod[4200];
  snprintf(dir, sizeof dir, "%s/coll-XXXXXX", tt_test_tmpdir());
  ASSERT_TRUE(mkdtemp(dir) != NULL);
  snprintf(sock, sizeof sock, "%s/run/c.sock", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(log, sizeof log, "%s/tasktraced.log", dir);
  snprintf(daemon, sizeof daemon, "%s", tt_test_bin("tt-tasktraced-race"));
  snprintf(prod, sizeof prod, "%s", tt_test_bin("tt-test-producer"));
  setenv("TASKTRACE_DEBUG", "1", 1); /* lock-order inversions too */
  char *dargv[] = {daemon, "--socket", sock, "--dir", out, "--quiet", NULL};
  pid_t d = start(dargv, log);
  for (int i = 0; i < 1000 && access(sock, F_OK) != 0; i++)
    sleep_ms(10);
  ASSERT_OK(access(sock, F_OK));
  unsetenv("TASKTRACE_DEBUG");
  setenv("TASKTRACE_COLLECTOR", sock, 1);
  /* Waves of four producers at once (each a connection task of the
   * daemon), with pauses so that their streams interleave; their
   * connection records are freed and allocated again from wave to wave.
   * One idle producer stays connected across two flushes (every 500 ms the
   * writer walks the connection list while others connect and leave); the
   * last wave comes after it left, into an empty list. */
  char *idle[] = {prod, "2", "1", "600000", NULL};
  pid_t slow = start(idle, NULL);
  char *pargv[] = {prod, "20000", "500", "200", NULL};
  for (int wave = 0; wave < WAVES; wave++) {
    if (wave == WAVES - 1)
      ASSERT_EQ(wait_exit(slow), 0);
    pid_t p[4];
    for (int i = 0; i < 4; i++) {
      p[i] = start(pargv, NULL);
      sleep_ms(10);
    }
    for (int i = 0; i < 4; i++)
      ASSERT_EQ(wait_exit(p[i]), 0);
    sleep_ms(150);
  }
  kill(d, SIGTERM);
  int st = wait_exit(d);
  const char *text = slurp(log);
  if (strstr(text, "tasktrace: race:") != NULL || strstr(text, "lock-order inversion") != NULL)
    tt_test_fail(__FILE__, __LINE__, "tasktraced reported:\n%s", text);
  ASSERT_EQ(st, 0);
  /* It did serve them: a trace file each. */
  DIR *od = opendir(out);
  ASSERT_TRUE(od != NULL);
  int files = 0;
  for (struct dirent *e; (e = readdir(od)) != NULL;)
    files += strstr(e->d_name, ".ttrace") != NULL;
  closedir(od);
  ASSERT_EQ(files, 1 + 4 * WAVES);
}
