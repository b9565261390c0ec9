/* The floor of `tasktrace explore`'s runs per second (scripts/bench-explore.sh):
 * what this machine's kernel charges for a run of a forked process when the
 * run itself does nothing, with no tasktrace at all.
 *
 *   tt-bench-fork-floor [--jobs J] [--pages N] [--seconds S] [--served]
 *
 * J loops at once (default 2, as explore --jobs 2), each for S seconds
 * (default 2): fork a child that writes one byte into each of N pages the
 * parent had touched before forking (copy-on-write faults, as a run of a
 * fork server writes the server's heap and stacks; default 0) and _exits;
 * waitpid it. --served adds explore's own shape on top: each loop is an
 * "explore" process that asks a "server" process over a SOCK_SEQPACKET
 * socketpair for every run; the server forks the child, replies with its
 * pid, waits for it and replies with its status (runtime/src/forkserver.c,
 * without the descriptor passing and the environment). Prints one line:
 *   fork_floor jobs=J pages=N served=0|1 runs=R seconds=S runs_per_s=X
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *heap;
static long pages;
static long page;

/* One run: fork, the child dirties its pages and exits, wait. */
static pid_t run_once(void) {
  pid_t pid = fork();
  if (pid == 0) {
    for (long i = 0; i < pages; i++)
      heap[i * page] = 1;
    _exit(0);
  }
  return pid;
}

static int wait_ok(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The server side of --served: a run per request until the socket closes. */
static void serve(int sock) {
  char req[64];
  while (recv(sock, req, sizeof req, 0) > 0) {
    pid_t pid = run_once();
    int32_t m[2] = {1, pid};
    if (pid < 0 || send(sock, m, sizeof m, 0) != sizeof m)
      _exit(1);
    int st = 0;
    waitpid(pid, &st, 0);
    m[0] = 2;
    m[1] = st;
    if (send(sock, m, sizeof m, 0) != sizeof m)
      _exit(1);
  }
  _exit(0);
}

/* One loop for `seconds`: runs made, or -1. */
static long loop(double seconds, int served) {
  int sv[2] = {-1, -1};
  pid_t server = 0;
  if (served) {
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
      return -1;
    server = fork();
    if (server == 0) {
      close(sv[0]);
      serve(sv[1]);
    }
    close(sv[1]);
  }
  long runs = 0;
  double end = now_s() + seconds;
  while (now_s() < end) {
    if (served) {
      int32_t m[2];
      if (send(sv[0], "run", 3, 0) != 3 || recv(sv[0], m, sizeof m, 0) != sizeof m || m[0] != 1 ||
          recv(sv[0], m, sizeof m, 0) != sizeof m || m[0] != 2 || m[1] != 0)
        return -1;
    } else {
      pid_t pid = run_once();
      if (pid < 0 || wait_ok(pid) < 0)
        return -1;
    }
    runs++;
  }
  if (served) {
    close(sv[0]);
    wait_ok(server);
  }
  return runs;
}

static long arg(const char *v, long lo, long hi, const char *opt) {
  char *e;
  errno = 0;
  long x = v ? strtol(v, &e, 10) : 0;
  if (v == NULL || errno || *e || e == v || x < lo || x > hi) {
    fprintf(stderr, "tt-bench-fork-floor: %s wants a number from %ld to %ld\n", opt, lo, hi);
    exit(2);
  }
  return x;
}

int main(int argc, char **argv) {
  long jobs = 2, seconds = 2;
  int served = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--jobs") == 0)
      jobs = arg(argv[++i], 1, 64, "--jobs");
    else if (strcmp(argv[i], "--pages") == 0)
      pages = arg(argv[++i], 0, 1 << 20, "--pages");
    else if (strcmp(argv[i], "--seconds") == 0)
      seconds = arg(argv[++i], 1, 3600, "--seconds");
    else if (strcmp(argv[i], "--served") == 0)
      served = 1;
    else {
      fprintf(stderr, "usage: tt-bench-fork-floor [--jobs J] [--pages N] [--seconds S] [--served]\n");
      return 2;
    }
  }
  page = sysconf(_SC_PAGESIZE);
  if (pages > 0) {
    heap = mmap(NULL, (size_t)(pages * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                -1, 0);
    if (heap == MAP_FAILED) {
      perror("tt-bench-fork-floor: mmap");
      return 1;
    }
    memset(heap, 1, (size_t)(pages * page)); /* the parent's own pages: the child's are COW */
  }
  /* Each loop in a process of its own, reporting its count through a pipe. */
  int p[2];
  if (pipe(p) < 0)
    return 1;
  double t0 = now_s();
  for (long j = 0; j < jobs; j++) {
    pid_t w = fork();
    if (w == 0) {
      long n = loop((double)seconds, served);
      if (write(p[1], &n, sizeof n) != sizeof n)
        _exit(1);
      _exit(n < 0);
    }
    if (w < 0)
      return 1;
  }
  close(p[1]);
  long total = 0, n;
  int bad = 0;
  for (long j = 0; j < jobs; j++) {
    if (read(p[0], &n, sizeof n) != sizeof n || n < 0)
      bad = 1;
    else
      total += n;
  }
  while (wait(NULL) > 0) {
  }
  double dt = now_s() - t0;
  if (bad) {
    fprintf(stderr, "tt-bench-fork-floor: a loop failed\n");
    return 1;
  }
  printf("fork_floor jobs=%ld pages=%ld served=%d runs=%ld seconds=%.2f runs_per_s=%.0f\n", jobs,
         pages, served, total, dt, (double)total / dt);
  return 0;
}
