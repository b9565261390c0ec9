/* The fork server of `tasktrace explore` (AFL's, for tasktrace programs).
 *
 * explore starts PROGRAM once with TASKTRACE_FORKSERVER=FD, FD one end of
 * a socketpair it made and the process inherited (never a path another
 * user could plant). The first tt_run, before any loop exists or any task
 * runs, then serves runs instead of running: for each request (the run's
 * TASKTRACE_* variables, NUL-separated, and its output file as a passed
 * descriptor) it forks; the child takes the variables and the output, in
 * its own process group, and goes on into tt_run as a fresh run would; the
 * server sends the child's pid, waits for it, and sends its wait status.
 * It ends when explore closes its end. So a run costs a fork, not an exec,
 * the dynamic loader and the tracer's start-up.
 *
 * Messages (SOCK_SEQPACKET, one a datagram): the server's hello
 * "tasktrace-forkserver 1"; explore's request; the server's replies, two
 * int32s each: {1, pid} then {2, wait status}.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define HELLO "tasktrace-forkserver 1"
#define REQ_MAX 16384
/* Stacks mapped before the first fork: the examples and tests run up to a
 * dozen tasks at once; a run with more maps the rest itself. */
#define WARM_STACKS 16

/* Receive a request into buf (NUL-terminated) and its descriptor. Returns
 * the length, 0 at explore's end, <0 on a malformed request. */
static ssize_t recv_req(int sock, char *buf, size_t size, int *fd) {
  union {
    struct cmsghdr h;
    char space[CMSG_SPACE(sizeof(int))];
  } u;
  struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.space,
                     .msg_controllen = sizeof u.space};
  *fd = -1;
  ssize_t n;
  do
    n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return n < 0 ? -errno : 0;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    memcpy(fd, CMSG_DATA(c), sizeof *fd);
  buf[n] = '\0';
  if (*fd < 0 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
    if (*fd >= 0)
      close(*fd);
    return -EPROTO;
  }
  return n;
}

static int send2(int sock, int32_t kind, int32_t value) {
  int32_t msg[2] = {kind, value};
  return send(sock, msg, sizeof msg, MSG_NOSIGNAL) == (ssize_t)sizeof msg ? 0 : -1;
}

bool tt__served;

/* In the child: the run's output and variables, then back to tt_run. nul
 * is the server's /dev/null, opened once. */
static void become_run(int sock, int out, int nul, char *req, size_t len) {
  tt__served = true;
  close(sock);
  setpgid(0, 0);
  if (nul < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 || dup2(nul, 0) < 0)
    _exit(127);
  close(out);
  close(nul);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  unsetenv("TASKTRACE_SCHED_SEED");
  unsetenv("TASKTRACE_SCHED");
  unsetenv("TASKTRACE_SCHEDULE");
  unsetenv("TASKTRACE_SCHEDULE_OUT");
  unsetenv("TASKTRACE_SCHEDULE_LENIENT");
  for (size_t i = 0; i < len; i += strlen(req + i) + 1)
    if (strncmp(req + i, "TASKTRACE_", 10) == 0 && strchr(req + i, '=') != NULL)
      putenv(strdup(req + i)); /* the environment keeps the pointer */
}

/* Serve runs until explore closes its end; returns only in a run. */
static void serve(int sock) {
  static char req[REQ_MAX];
  int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (;;) {
    int out;
    ssize_t n = recv_req(sock, req, sizeof req, &out);
    if (n == 0)
      _exit(0);
    if (n < 0) {
      fprintf(stderr, "tasktrace: fork server: bad request from explore (%s)\n", tt_strerror((int)n));
      _exit(2);
    }
    pid_t pid = fork();
    if (pid == 0) {
      become_run(sock, out, nul, req, (size_t)n);
      return;
    }
    close(out);
    if (pid < 0) {
      send2(sock, 3, errno);
      continue;
    }
    setpgid(pid, pid); /* both sides, so a kill right after this finds the group */
    int status = 0;
    if (send2(sock, 1, pid) < 0) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      _exit(0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (send2(sock, 2, status) < 0)
      _exit(0);
  }
}

/* fd is explore's socketpair: a local SOCK_SEQPACKET socket whose other
 * end belongs to our parent, of our user. Not any socket that happens to
 * be inherited: a server takes orders from it. */
static bool from_explore(long fd) {
  struct stat sb;
  int type = 0;
  struct ucred cr;
  socklen_t tl = sizeof type, cl = sizeof cr;
  return fd >= 3 && fd <= 65535 && fstat((int)fd, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
         getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_SEQPACKET &&
         getsockopt((int)fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 && cr.pid == getppid() &&
         cr.uid == getuid();
}

int tt__forkserver(void) {
  static bool served;
  const char *v = getenv("TASKTRACE_FORKSERVER");
  if (TT_LIKELY(v == NULL) || *v == '\0' || served)
    return 0;
  served = true;
  char *end;
  errno = 0;
  long fd = strtol(v, &end, 10);
  if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || !from_explore(fd)) {
    char e[64];
    fprintf(stderr, "tasktrace: TASKTRACE_FORKSERVER='%s': not a socket inherited from "
                    "tasktrace explore\n", tt_esc(e, sizeof e, v));
    return -EINVAL;
  }
  unsetenv("TASKTRACE_FORKSERVER"); /* the runs are not servers */
  int sock = (int)fd;
  fcntl(sock, F_SETFD, FD_CLOEXEC);
  fflush(NULL); /* what main printed so far is printed once, not by every run */
  /* What every run would do first, done once here: */
  tt_tracer_fork_server(); /* LTTng off for the runs: no unregistering at each exit */
  tt__stack_warm(WARM_STACKS); /* stacks mapped: none mapped, protected, unmapped per run */
  if (send(sock, HELLO, sizeof HELLO - 1, MSG_NOSIGNAL) < 0)
    _exit(0);
  serve(sock);
  return 0;
}
