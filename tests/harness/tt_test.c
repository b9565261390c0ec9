#include "tt_test.h"
#include "supervise.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
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
    int rc = run_supervised(i, timeout_of(120));
    if (rc == 0 || rc == 77) {
      passed++;
      printf("%s %s\n", rc ? "skip" : "ok  ", tests[i].name);
    } else {
      failed++;
      printf("FAIL %s\n", tests[i].name);
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

const char *tt_test_site(const char *src, const char *tag) {
  static char bufs[16][160];
  static int next;
  char path[4096], needle[64], line[512];
  const char *dir = getenv("TT_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", src);
  snprintf(needle, sizeof needle, "/* @%s */", tag);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    tt_test_fail(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
  for (int n = 1; fgets(line, sizeof line, f) != NULL; n++)
    if (strstr(line, needle) != NULL) {
      fclose(f);
      char *b = bufs[next++ % 16];
      snprintf(b, sizeof bufs[0], "%s:%d", src, n);
      return b;
    }
  tt_test_fail(__FILE__, __LINE__, "no tag @%s in %s", tag, path);
}

const char *tt_test_bin(const char *name) {
  static char buf[4096];
  const char *dir = getenv("TT_BIN_DIR");
  snprintf(buf, sizeof buf, "%s/%s", dir ? dir : ".", name);
  return buf;
}

void tt_test_skip(const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "SKIPPED: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  _exit(77);
}

#define TT_ATTACKER "tt-attacker"

void tt_test_attacker(uid_t *uid, gid_t *gid) {
  if (geteuid() != 0)
    tt_test_skip("two-user test: needs root to create the user '" TT_ATTACKER "'");
  struct passwd *pw = getpwnam(TT_ATTACKER);
  if (pw == NULL) {
    /* Parallel tests create it once: the first takes the lock, the others
     * wait and then find it. */
    int lk = open("/run/tt-attacker.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lk < 0 || flock(lk, LOCK_EX) < 0)
      tt_test_fail(__FILE__, __LINE__, "lock /run/tt-attacker.lock: %s", strerror(errno));
    if ((pw = getpwnam(TT_ATTACKER)) == NULL) {
      char *argv[] = {"useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                      TT_ATTACKER, NULL};
      char *out = NULL;
      int rc = tt_test_spawn(argv, NULL, &out, 30);
      if (rc == 127)
        tt_test_skip("two-user test: no useradd on this machine");
      if (rc != 0)
        tt_test_fail(__FILE__, __LINE__, "useradd " TT_ATTACKER ": status %d: %s", rc, out);
      free(out);
      pw = getpwnam(TT_ATTACKER);
    }
    close(lk);
    if (pw == NULL)
      tt_test_fail(__FILE__, __LINE__, "user " TT_ATTACKER " not found after useradd");
  }
  *uid = pw->pw_uid;
  *gid = pw->pw_gid;
}

const char *tt_test_shared_dir(const char *name, mode_t mode) {
  static char buf[4096];
  if (chmod(tt_test_tmpdir(), 0711) < 0)
    tt_test_fail(__FILE__, __LINE__, "chmod %s: %s", tt_test_tmpdir(), strerror(errno));
  snprintf(buf, sizeof buf, "%s/%s", tt_test_tmpdir(), name);
  if (mkdir(buf, 0700) < 0 || chmod(buf, mode) < 0)
    tt_test_fail(__FILE__, __LINE__, "mkdir %s: %s", buf, strerror(errno));
  return buf;
}

static int spawn(uid_t uid, gid_t gid, int as, char *const argv[], char *const env[], char **out,
                 int timeout_s);

int tt_test_spawn(char *const argv[], char *const env[], char **out, int timeout_s) {
  return spawn(0, 0, 0, argv, env, out, timeout_s);
}

int tt_test_spawn_as(uid_t uid, gid_t gid, char *const argv[], char *const env[], char **out,
                     int timeout_s) {
  return spawn(uid, gid, 1, argv, env, out, timeout_s);
}

static int spawn(uid_t uid, gid_t gid, int as, char *const argv[], char *const env[], char **out,
                 int timeout_s) {
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
    if (as && (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)) {
      fprintf(stderr, "setuid %d: %s\n", (int)uid, strerror(errno));
      _exit(126);
    }
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

/* Does s..end (one line) match pat, where '*' matches any run of characters? */
static int line_glob(const char *pat, const char *s, const char *end) {
  if (*pat == '\0')
    return s == end;
  if (*pat == '*') {
    for (const char *p = s; p <= end; p++)
      if (line_glob(pat + 1, p, end))
        return 1;
    return 0;
  }
  return s < end && *pat == *s && line_glob(pat + 1, s + 1, end);
}

int tt_test_has_line(const char *out, const char *pat) {
  for (const char *l = out; *l != '\0';) {
    const char *nl = strchr(l, '\n');
    const char *end = nl ? nl : l + strlen(l);
    if (line_glob(pat, l, end))
      return 1;
    if (nl == NULL)
      break;
    l = nl + 1;
  }
  return 0;
}
