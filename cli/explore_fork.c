/* `tasktrace explore`: runs through PROGRAM's fork server (the runtime's
 * forkserver.c has the protocol): PROGRAM is started once per job slot,
 * stops in its first tt_run, and forks there for each run. A server that
 * does not say hello (a program whose runtime has no fork server, one that
 * exits or hangs before tt_run) is no server: that slot runs fresh execs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "explore.h"
#include "tt_base.h"

#define HELLO "tasktrace-forkserver 1"

static void drop(ex_server *s) {
  if (s->sock >= 0)
    close(s->sock);
  s->sock = -1;
  if (s->pid > 0) {
    kill(-s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
  }
  s->pid = 0;
}

int ex_server_start(ex_server *s, char **argv, const char *log, double wait) {
  int sv[2];
  s->sock = -1;
  s->pid = 0;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return -errno;
  fcntl(sv[1], F_SETFD, 0); /* PROGRAM's end is inherited, explore's is not */
  char var[64];
  snprintf(var, sizeof var, "TASKTRACE_FORKSERVER=%d", sv[1]);
  /* The dynamic linker binds every symbol at the server's start, once,
   * instead of lazily in every run (a run would resolve each libc and libuv
   * function it calls first after the fork: a dozen page faults of symbol
   * tables and GOT a run). The runs inherit it, as the rest of the
   * server's environment; a user's own LD_BIND_NOW stands. */
  char *env[] = {var, getenv("LD_BIND_NOW") == NULL ? "LD_BIND_NOW=1" : NULL, NULL};
  ex_run r = {0};
  snprintf(r.out, sizeof r.out, "%s", log);
  snprintf(r.sched, sizeof r.sched, "%s.sched", log);
  int err = ex_spawn(&r, argv, env);
  close(sv[1]);
  s->sock = sv[0];
  if (err < 0) {
    drop(s);
    return err;
  }
  s->pid = r.pid;
  struct pollfd p = {.fd = s->sock, .events = POLLIN};
  char hello[64];
  ssize_t n = poll(&p, 1, (int)(wait * 1000)) == 1 ? recv(s->sock, hello, sizeof hello, 0) : -1;
  if (n != (ssize_t)strlen(HELLO) || memcmp(hello, HELLO, (size_t)n) != 0) {
    drop(s);
    return -EPROTO;
  }
  return 0;
}

/* One reply of two int32s, waiting at most ms. 0, or <0: the server is lost. */
static int reply(ex_server *s, int32_t msg[2], int ms) {
  struct pollfd p = {.fd = s->sock, .events = POLLIN};
  if (poll(&p, 1, ms) != 1)
    return -ETIMEDOUT;
  return recv(s->sock, msg, 2 * sizeof *msg, 0) == 2 * sizeof *msg ? 0 : -EPIPE;
}

int ex_server_run(ex_server *s, ex_run *r, char *const *env) {
  char req[16384];
  size_t len = 0;
  for (size_t i = 0; env[i] != NULL; i++) {
    size_t l = strlen(env[i]) + 1;
    if (len + l > sizeof req)
      return -E2BIG;
    memcpy(req + len, env[i], l);
    len += l;
  }
  /* The run's files are the slot's, made once: emptied here, not removed
   * and made again (an inode each run). An empty schedule afterwards: no
   * tasktrace loop ran. The output file stays open: the run gets this very
   * descriptor, whose offset is shared, so it is rewound too. */
  if (truncate(r->sched, 0) < 0 && errno != ENOENT)
    return -errno;
  if (s->out <= 0) {
    s->out = tt_open_private(r->out) + 1; /* 0 stays "none" in a zeroed struct */
    if (s->out <= 0)
      return s->out - 1;
  } else if (ftruncate(s->out - 1, 0) < 0 || lseek(s->out - 1, 0, SEEK_SET) < 0) {
    return -errno;
  }
  int fd = s->out - 1;
  union {
    struct cmsghdr h;
    char space[CMSG_SPACE(sizeof(int))];
  } u;
  memset(&u, 0, sizeof u);
  struct iovec iov = {.iov_base = req, .iov_len = len};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.space,
                     .msg_controllen = sizeof u.space};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n = sendmsg(s->sock, &m, MSG_NOSIGNAL);
  int32_t msg[2];
  if (n != (ssize_t)len || reply(s, msg, 5000) < 0 || msg[0] != 1) {
    drop(s);
    return -EPIPE;
  }
  r->pid = msg[1];
  r->killed = 0;
  r->start = ex_now();
  return 0;
}

int ex_server_poll(ex_server *s, int *status) {
  int32_t msg[2];
  ssize_t n = recv(s->sock, msg, sizeof msg, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  if (n != (ssize_t)sizeof msg || msg[0] != 2) {
    drop(s);
    return -EPIPE;
  }
  *status = msg[1];
  return 1;
}

void ex_server_stop(ex_server *s) {
  if (s->out > 0)
    close(s->out - 1);
  s->out = 0;
  if (s->sock >= 0)
    close(s->sock); /* the server's end of file: it exits */
  s->sock = -1;
  if (s->pid > 0)
    waitpid(s->pid, NULL, 0);
  s->pid = 0;
}
