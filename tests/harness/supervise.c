/* Supervised tests (supervise.h). ctest's own timeout SIGKILLs the test
 * process and leaves its temporary files and every process that left its
 * tree behind; so the test runs in a child, and this process stays outside
 * to clean up whatever happens. As a subreaper it also reaps the group's
 * orphans, so that an empty group can be told from one of zombies (some
 * containers' init never reaps them). */
#include "supervise.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tt_base.h"

static char tmp_dir[512];
static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

static int64_t now_ms(void) { return (int64_t)(tt_now_ns() / 1000000); }

static void nap_ms(long ms) {
  struct timespec d = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  if (remove(path) < 0 && errno != ENOENT)
    fprintf(stderr, "tt_test: cannot remove %s: %s\n", path, strerror(errno));
  return 0;
}

const char *tt__supervise_dir(void) { return tmp_dir[0] ? tmp_dir : NULL; }

/* Signal (sig 0: just count) the live orphans the test left: our children
 * (we are their subreaper) other than the test, in our session, with their
 * process groups (a `timeout` makes its own, with a browser in it). A
 * daemon the test started (lttng-sessiond) made its own session: it stays. */
static int orphans(pid_t test, int sig) {
  DIR *d = opendir("/proc");
  if (d == NULL)
    return 0;
  pid_t self = getpid(), sid = getsid(0);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9')
      continue;
    char path[300], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
      continue;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    /* pid (comm) state ppid pgrp session ...: comm may hold anything. */
    char *close = strrchr(buf, ')');
    char state;
    int ppid, pgrp, session;
    if (close == NULL || sscanf(close + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) != 4)
      continue;
    pid_t pid = (pid_t)atoi(e->d_name);
    if (ppid != self || pid == test || session != sid || state == 'Z')
      continue;
    n++;
    if (sig != 0) {
      if (pgrp != getpgrp())
        kill(-pgrp, sig);
      kill(pid, sig);
    }
  }
  closedir(d);
  return n;
}

/* Reap whatever ended (the test, orphans of its group); *status gets the
 * test's status when it is among them. */
static void reap(pid_t pid, int *status, int *done) {
  int st;
  pid_t w;
  while ((w = waitpid(-1, &st, WNOHANG)) > 0)
    if (w == pid) {
      *status = st;
      *done = 1;
    }
}

int tt__supervise(const char *name, void (*body)(void *), void *arg, int timeout_s) {
  const char *base = getenv("TMPDIR");
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tt-test-%.60s-XXXXXX", base && *base ? base : "/tmp",
           name);
  if (mkdtemp(tmp_dir) == NULL) {
    fprintf(stderr, "tt_test: mkdtemp %s: %s\n", tmp_dir, strerror(errno));
    return 1;
  }
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
  const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
  for (int k = 0; k < 3; k++)
    sigaction(sigs[k], &sa, NULL);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    for (int k = 0; k < 3; k++)
      signal(sigs[k], SIG_DFL);
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    setenv("TMPDIR", tmp_dir, 1);
    body(arg);
    fflush(NULL);
    _exit(0);
  }
  setpgid(pid, pid); /* also here: no window where the group does not exist */
  int st = 0, done = 0, rc;
  int64_t deadline = timeout_s > 0 ? now_ms() + (int64_t)timeout_s * 1000 : INT64_MAX;
  while (!done && !got_signal && now_ms() < deadline) {
    reap(pid, &st, &done);
    if (!done)
      nap_ms(5);
  }
  if (!done) {
    if (got_signal)
      fprintf(stderr, "FAIL %s: interrupted by signal %d\n", name, (int)got_signal);
    else
      fprintf(stderr, "FAIL %s: timed out after %d s (TT_TEST_TIMEOUT)\n", name, timeout_s);
    rc = 1;
  } else if (WIFEXITED(st)) {
    rc = WEXITSTATUS(st);
  } else {
    fprintf(stderr, "FAIL %s: killed by signal %d\n", name, WTERMSIG(st));
    rc = 1;
  }
  /* Whatever is left of the group, and orphans that left it: SIGTERM
   * first (scripts run their traps, e.g. lttng-record.sh destroys its
   * session), SIGKILL 3 s later. */
  int64_t term_at = now_ms();
  int killed = 0;
  reap(pid, &st, &done);
  if (kill(-pid, 0) == 0 || orphans(pid, 0) > 0) {
    if (done)
      fprintf(stderr, "tt_test: %s left processes behind: ending them\n", name);
    kill(-pid, SIGTERM);
    orphans(pid, SIGTERM);
    for (;;) {
      reap(pid, &st, &done);
      if (done && kill(-pid, 0) < 0 && orphans(pid, 0) == 0)
        break;
      if (!killed && now_ms() - term_at > 3000) {
        kill(-pid, SIGKILL);
        orphans(pid, SIGKILL);
        killed = 1;
      }
      if (now_ms() - term_at > 10000) {
        fprintf(stderr, "tt_test: process group %d does not end\n", (int)pid);
        break;
      }
      nap_ms(5);
    }
  }
  /* Orphans that left the group (daemons, crash handlers) but have ended. */
  reap(pid, &st, &done);
  nftw(tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return rc;
}
