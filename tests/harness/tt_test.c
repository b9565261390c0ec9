#include "tt_test.h"
#include "supervise.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 512

static struct {
  const char *name;
  tt_test_fn fn;
} tests[MAX_TESTS];
static int ntests;

void tt_test_register(const char *name, tt_test_fn fn) {
  if (ntests == MAX_TESTS) {
    fprintf(stderr, "tt_test: more than %d tests in one program\n", MAX_TESTS);
    exit(2);
  }
  tests[ntests].name = name;
  tests[ntests].fn = fn;
  ntests++;
}

void tt_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "FAIL %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  _exit(1);
}

const char *tt_test_tmpdir(void) {
  const char *d = tt__supervise_dir();
  if (d == NULL)
    tt_test_fail(__FILE__, __LINE__, "tt_test_tmpdir() outside a supervised test");
  return d;
}

static void run_test(void *arg) { tests[*(int *)arg].fn(); }

static int run_supervised(int i, int timeout_s) {
  return tt__supervise(tests[i].name, run_test, &i, timeout_s);
}

/* TT_TEST_TIMEOUT (seconds), else the fallback. */
static int timeout_of(int fallback) {
  const char *v = getenv("TT_TEST_TIMEOUT");
  int t = v ? atoi(v) : 0;
  return t > 0 ? t : fallback;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    for (int i = 0; i < ntests; i++)
      printf("%s\n", tests[i].name);
    return 0;
  }
  if (argc > 1) {
    for (int i = 0; i < ntests; i++)
      if (strcmp(tests[i].name, argv[1]) == 0)
        return run_supervised(i, timeout_of(0));
    fprintf(stderr, "tt_test: no test named '%s' (--list lists them)\n", argv[1]);
    return 2;
  }
  int passed = 0, failed = 0;
  for (int i = 0; i < ntests; i++) {
    if (run_supervised(i, timeout_of(120)) == 0) {
      passed++;
      printf("ok   %s\n", tests[i].name);
    } else {
      failed++;
      printf("FAIL %s\n", tests[i].name);
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

const char *tt_test_bin(const char *name) {
  static char buf[4096];
  const char *dir = getenv("TT_BIN_DIR");
  snprintf(buf, sizeof buf, "%s/%s", dir ? dir : ".", name);
  return buf;
}

int tt_test_spawn(char *const argv[], char *const env[], char **out, int timeout_s) {
  char tmpl[] = "/tmp/tt_test_outXXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0)
    tt_test_fail(__FILE__, __LINE__, "mkstemp: %s", strerror(errno));
  unlink(tmpl);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    if (env != NULL)
      for (int i = 0; env[i] != NULL; i++)
        putenv(env[i]);
    alarm((unsigned)timeout_s);
    execvp(argv[0], argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  off_t len = lseek(fd, 0, SEEK_END);
  char *buf = malloc((size_t)len + 1);
  if (pread(fd, buf, (size_t)len, 0) != len)
    len = 0;
  buf[len] = '\0';
  close(fd);
  if (out != NULL)
    *out = buf;
  else
    free(buf);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
