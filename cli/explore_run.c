/* `tasktrace explore`: one run of the program, and what its end means. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "explore.h"
#include "tt_base.h"

volatile int ex_interrupted;
const char *ex_vt_env;

double ex_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child: its own process group (a timeout kills all it started),
 * output to one file, the exploration's environment, then exec. */
static void child(const ex_run *r, char **argv, char *const *env) {
  setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int fd = tt_open_private(r->out); /* in explore's own 0700 directory; checked all the same */
  int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || nul < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || dup2(nul, 0) < 0)
    _exit(127);
  unsetenv("TASKTRACE_SCHED_SEED");
  unsetenv("TASKTRACE_SCHED");
  unsetenv("TASKTRACE_SCHEDULE");
  unsetenv("TASKTRACE_SCHEDULE_LENIENT");
  if (ex_vt_env != NULL && !r->plain)
    putenv((char *)ex_vt_env);
  /* Runs are not traced (record makes the trace, with its own collector):
   * no LTTng-UST start-up, and its session daemon registration, per run. */
  if (!r->plain)
    setenv("TASKTRACE_LTTNG_PROVIDER", "", 0);
  for (size_t i = 0; env[i] != NULL; i++)
    putenv(env[i]);
  execvp(argv[0], argv);
  dprintf(2, "tasktrace explore: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

int ex_spawn(ex_run *r, char **argv, char *const *env) {
  unlink(r->sched); /* no file afterwards: no tasktrace loop ran */
  r->killed = 0;
  r->start = ex_now();
  pid_t pid = fork();
  if (pid < 0)
    return -errno;
  if (pid == 0)
    child(r, argv, env);
  setpgid(pid, pid); /* both sides, so a kill right after fork finds the group */
  r->pid = pid;
  return 0;
}

/* The first line of the run's output that starts with prefix, or NULL. */
static int find_line(const char *path, const char *prefix, char *line, size_t size) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  int found = 0;
  while (!found && fgets(line, (int)size, f) != NULL)
    found = strncmp(line, prefix, strlen(prefix)) == 0;
  fclose(f);
  if (found)
    line[strcspn(line, "\n")] = '\0';
  return found;
}

void ex_classify(const ex_run *r, int status, ex_result *res) {
  char line[512];
  memset(res, 0, sizeof *res);
  struct stat sb; /* a tasktrace loop that ran wrote at least its header */
  res->started = stat(r->sched, &sb) == 0 && sb.st_size > 0;
  res->failed = 1;
  if (r->killed) {
    snprintf(res->sig, sizeof res->sig, "hang (still running after the timeout)");
  } else if (WIFSIGNALED(status)) {
    snprintf(res->sig, sizeof res->sig, "signal %d (%s)", WTERMSIG(status),
             strsignal(WTERMSIG(status)));
  } else if (WEXITSTATUS(status) == 86 && find_line(r->out, "tasktrace: invariant '", line, sizeof line)) {
    char *q = strchr(line + 22, '\'');
    snprintf(res->sig, sizeof res->sig, "invariant '%.*s' broken", q ? (int)(q - line - 22) : 0,
             line + 22);
    char *id = strstr(line, "(id ");
    if (id != NULL)
      snprintf(res->task, sizeof res->task, "%.*s", (int)strspn(id + 4, "0123456789"), id + 4);
  } else if (find_line(r->out, "tasktrace: deadlock:", line, sizeof line)) {
    snprintf(res->sig, sizeof res->sig, "deadlock (exit %d)", WEXITSTATUS(status));
  } else if (WEXITSTATUS(status) == 85) {
    snprintf(res->sig, sizeof res->sig, "replay diverged");
  } else if (WEXITSTATUS(status) != 0) {
    snprintf(res->sig, sizeof res->sig, "exit %d", WEXITSTATUS(status));
  } else {
    res->failed = 0;
  }
}

int ex_run_sync(ex_run *r, char **argv, char *const *env, double timeout, ex_result *res) {
  int err = ex_spawn(r, argv, env), status = 0;
  if (err < 0)
    return err;
  for (;;) {
    pid_t w = waitpid(r->pid, &status, WNOHANG);
    if (w == r->pid)
      break;
    if (!r->killed && (ex_now() - r->start > timeout || ex_interrupted)) {
      kill(-r->pid, SIGKILL);
      r->killed = 1;
    }
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
  }
  ex_classify(r, status, res);
  if (ex_interrupted && r->killed)
    res->failed = 0;
  return 0;
}
