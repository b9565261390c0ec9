/* The producer's side of tracing security (issue 8): what a tasktrace
 * program trusts before it sends its trace anywhere, and how bad settings
 * degrade (one line, the program runs untraced). The attack tests use a
 * real second user (tt_test_attacker: root only, skipped otherwise). */
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tt_test.h"
#include "tt_base.h"

static void sleep_ms(int ms) {
  struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

/* Copy a built binary to dst, mode 0755, so another user can run it. */
static void copy_bin(const char *name, const char *dst) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod 0755 '%s'", tt_test_bin(name), dst, dst);
  ASSERT_EQ(system(cmd), 0);
}

/* Start tt-listen as uid/gid in the background; wait until it listens. */
static pid_t listen_as(uid_t uid, gid_t gid, const char *bin, const char *sock,
                       const char *result) {
  pid_t pid = fork();
  ASSERT_TRUE(pid >= 0);
  if (pid == 0) {
    if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
      _exit(126);
    execl(bin, bin, sock, result, "1000", (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 300 && access(sock, F_OK) != 0; i++)
    sleep_ms(10);
  ASSERT_OK(access(sock, F_OK));
  return pid;
}

static long listener_result(pid_t pid, const char *result) {
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  FILE *f = fopen(result, "r");
  ASSERT_TRUE(f != NULL);
  long n = -1;
  ASSERT_EQ(fscanf(f, "%ld", &n), 1);
  fclose(f);
  return n;
}

static int run_producer(const char *collector, char **out) {
  char env[4200];
  snprintf(env, sizeof env, "TASKTRACE_COLLECTOR=%s", collector);
  char *argv[] = {(char *)tt_test_bin("tt-test-producer"), "1000", NULL};
  char *envv[] = {env, NULL};
  return tt_test_spawn(argv, envv, out, 30);
}

/* The attacker pre-creates the socket directory the victim will be told to
 * use (/tmp/tt-<uid>/ in the issue) and listens there. */
TEST(collector_dir_of_another_user) {
  uid_t uid;
  gid_t gid;
  tt_test_attacker(&uid, &gid);
  const char *shared = tt_test_shared_dir("shared", 01777);
  char bin[4200], dir[4200], sock[4300], result[4300], out_path[4300];
  snprintf(bin, sizeof bin, "%s/tt-listen", shared);
  copy_bin("tt-listen", bin);
  snprintf(dir, sizeof dir, "%s/tt-0", shared);
  ASSERT_OK(mkdir(dir, 0700));
  ASSERT_OK(chown(dir, uid, gid));
  snprintf(sock, sizeof sock, "%s/c.sock", dir);
  snprintf(result, sizeof result, "%s/result", shared);
  pid_t l = listen_as(uid, gid, bin, sock, result);
  char *out;
  int st = run_producer(sock, &out);
  (void)out_path;
  ASSERT_EQ(st, 0);
  char want[256];
  snprintf(want, sizeof want, ": directory owned by uid %lu, not by you: not recording",
           (unsigned long)uid);
  ASSERT_CONTAINS(out, want);
  ASSERT_EQ(listener_result(l, result), 0);
  free(out);
}

/* The directory is ours but the listener is not: a socket bound by the
 * attacker and moved into our directory (a bound socket keeps its owner).
 * Only SO_PEERCRED on the producer side catches it. */
TEST(collector_listener_of_another_user) {
  uid_t uid;
  gid_t gid;
  tt_test_attacker(&uid, &gid);
  const char *shared = tt_test_shared_dir("shared", 01777);
  char bin[4200], adir[4200], asock[4300], result[4300], mine[4200], sock[4300];
  snprintf(bin, sizeof bin, "%s/tt-listen", shared);
  copy_bin("tt-listen", bin);
  snprintf(adir, sizeof adir, "%s/att", shared);
  ASSERT_OK(mkdir(adir, 0755));
  ASSERT_OK(chown(adir, uid, gid));
  snprintf(asock, sizeof asock, "%s/c.sock", adir);
  snprintf(result, sizeof result, "%s/result", shared);
  pid_t l = listen_as(uid, gid, bin, asock, result);
  snprintf(mine, sizeof mine, "%s/mine", tt_test_tmpdir());
  ASSERT_OK(mkdir(mine, 0700));
  snprintf(sock, sizeof sock, "%s/c.sock", mine);
  ASSERT_OK(rename(asock, sock));
  char *out;
  ASSERT_EQ(run_producer(sock, &out), 0);
  char want[256];
  snprintf(want, sizeof want, ": the listener runs as uid %lu, not as you: not recording",
           (unsigned long)uid);
  ASSERT_CONTAINS(out, want);
  ASSERT_EQ(listener_result(l, result), 0);
  free(out);
}

/* Our own listener in a directory anyone can write to: whoever can write
 * there could have replaced the socket. Refused, whatever listens. */
TEST(collector_dir_writable_by_others) {
  char dir[4200], sock[4300], result[4300];
  snprintf(dir, sizeof dir, "%s/open", tt_test_tmpdir());
  ASSERT_OK(mkdir(dir, 0700));
  ASSERT_OK(chmod(dir, 0777));
  snprintf(sock, sizeof sock, "%s/c.sock", dir);
  snprintf(result, sizeof result, "%s/result", tt_test_tmpdir());
  pid_t l = listen_as(getuid(), getgid(), tt_test_bin("tt-listen"), sock, result);
  char *out;
  ASSERT_EQ(run_producer(sock, &out), 0);
  ASSERT_CONTAINS(out, ": directory writable by others (mode 0777): not recording");
  ASSERT_EQ(listener_result(l, result), 0);
  free(out);
}

/* A symbolic link as the socket's directory: its target can be swapped. */
TEST(collector_dir_symlink) {
  char dir[4200], link[4300], sock[4300], lsock[4400], result[4300];
  snprintf(dir, sizeof dir, "%s/real", tt_test_tmpdir());
  ASSERT_OK(mkdir(dir, 0700));
  snprintf(link, sizeof link, "%s/link", tt_test_tmpdir());
  ASSERT_OK(symlink(dir, link));
  snprintf(sock, sizeof sock, "%s/c.sock", dir);
  snprintf(lsock, sizeof lsock, "%s/c.sock", link);
  snprintf(result, sizeof result, "%s/result", tt_test_tmpdir());
  pid_t l = listen_as(getuid(), getgid(), tt_test_bin("tt-listen"), sock, result);
  char *out;
  ASSERT_EQ(run_producer(lsock, &out), 0);
  ASSERT_CONTAINS(out, ": its directory is a symbolic link: not recording");
  ASSERT_EQ(listener_result(l, result), 0);
  free(out);
}

/* The control: our own listener in our own directory gets the stream, so
 * the refusals above are the checks, not a broken listener. */
TEST(collector_own_listener_receives) {
  char dir[4200], sock[4300], result[4300];
  snprintf(dir, sizeof dir, "%s/own", tt_test_tmpdir());
  ASSERT_OK(mkdir(dir, 0700));
  snprintf(sock, sizeof sock, "%s/c.sock", dir);
  snprintf(result, sizeof result, "%s/result", tt_test_tmpdir());
  pid_t l = listen_as(getuid(), getgid(), tt_test_bin("tt-listen"), sock, result);
  char *out;
  ASSERT_EQ(run_producer(sock, &out), 0);
  ASSERT_TRUE(strstr(out, "not recording") == NULL);
  ASSERT_GE(listener_result(l, result), 100);
  free(out);
}

/* A too-long path and a missing socket degrade alike: one line, the
 * program runs (exit 0) untraced. The value is echoed escaped. */
TEST(collector_bad_values_do_not_stop_the_program) {
  char lng[300];
  memset(lng, 'a', sizeof lng - 1);
  lng[0] = '/';
  lng[sizeof lng - 1] = '\0';
  char *out;
  ASSERT_EQ(run_producer(lng, &out), 0);
  ASSERT_CONTAINS(out, ": path longer than 107 bytes: not recording");
  ASSERT_CONTAINS(out, "events=1000");
  free(out);
  char missing[4300];
  snprintf(missing, sizeof missing, "%s/none/c.sock", tt_test_tmpdir());
  ASSERT_EQ(run_producer(missing, &out), 0);
  ASSERT_CONTAINS(out, ": not recording");
  ASSERT_CONTAINS(out, "events=1000");
  free(out);
  char evil[64];
  snprintf(evil, sizeof evil, "/x\033[2J/c.sock");
  ASSERT_EQ(run_producer(evil, &out), 0);
  ASSERT_TRUE(strchr(out, '\033') == NULL);
  ASSERT_CONTAINS(out, "not recording");
  free(out);
}

static int run_seed(const char *seed, char **out) {
  char env[128];
  snprintf(env, sizeof env, "TASKTRACE_SCHED_SEED=%s", seed);
  char *argv[] = {(char *)tt_test_bin("tt-test-producer"), "10", NULL};
  char *envv[] = {env, NULL};
  return tt_test_spawn(argv, envv, out, 30);
}

TEST(sched_seed_leading_zeros) {
  char *out;
  ASSERT_EQ(run_seed("0001", &out), 0);
  ASSERT_CONTAINS(out, "TASKTRACE_SCHED_SEED=1\n");
  free(out);
  ASSERT_EQ(run_seed("000000000000000000000000007", &out), 0);
  ASSERT_CONTAINS(out, "TASKTRACE_SCHED_SEED=7\n");
  free(out);
  const char *bad[] = {"+1", "-1", " 1", "1x", "", "18446744073709551616",
                       "99999999999999999999999x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_NE(run_seed(bad[i], &out), 0);
    ASSERT_CONTAINS(out, "': expected an unsigned decimal integer");
    free(out);
  }
  ASSERT_NE(run_seed("1\033]0;pwned\007", &out), 0);
  ASSERT_TRUE(strchr(out, '\033') == NULL);
  free(out);
}

/* ---- A stopped collector (issue 8, item 7) ---- */

static int64_t now_ms(void) { return (int64_t)(tt_now_ns() / 1000000); }

static pid_t start_collector(char *sock, size_t cap) {
  char dir[4200], out[4300];
  snprintf(dir, sizeof dir, "%s/coll", tt_test_tmpdir());
  ASSERT_OK(mkdir(dir, 0700));
  snprintf(sock, cap, "%s/run/c.sock", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  pid_t pid = fork();
  ASSERT_TRUE(pid >= 0);
  if (pid == 0) {
    execl(tt_test_bin("tasktraced"), "tasktraced", "--socket", sock, "--dir", out, "--quiet",
          (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 500 && access(sock, F_OK) != 0; i++)
    sleep_ms(10);
  ASSERT_OK(access(sock, F_OK));
  return pid;
}

static int run_events(const char *collector, const char *events, char **out, int64_t *ms) {
  char env[4400];
  snprintf(env, sizeof env, "TASKTRACE_COLLECTOR=%s", collector ? collector : "");
  char *argv[] = {(char *)tt_test_bin("tt-test-producer"), (char *)events, NULL};
  char *envv[] = {collector ? env : NULL, NULL};
  int64_t t0 = now_ms();
  int st = tt_test_spawn(argv, envv, out, 60);
  *ms = now_ms() - t0;
  return st;
}

/* The program must not wait for a SIGSTOPped collector (it did: 1 s at
 * tt_run's return and 1 s at exit), and the events it drops are counted.
 * Timing: only a loose bound, against the same run untraced. */
TEST(stopped_collector) {
  const char *events = "2000000";
  char sock[4400], *out;
  int64_t base, ms;
  ASSERT_EQ(run_events(NULL, events, &out, &base), 0);
  free(out);
  pid_t c = start_collector(sock, sizeof sock);
  ASSERT_OK(kill(c, SIGSTOP));
  int st = run_events(sock, events, &out, &ms);
  kill(c, SIGCONT);
  kill(c, SIGTERM);
  waitpid(c, NULL, 0);
  ASSERT_EQ(st, 0);
  if (ms > base + 1000)
    tt_test_fail(__FILE__, __LINE__, "took %lld ms against %lld ms untraced:\n%s",
                 (long long)ms, (long long)base, out);
  const char *p = strstr(out, " events lost: the collector did not keep up\n");
  ASSERT_TRUE(p != NULL);
  while (p > out && p[-1] >= '0' && p[-1] <= '9')
    p--;
  long long lost = atoll(p);
  ASSERT_GE(lost, 1);
  ASSERT_LE(lost, atoll(events) + atoll(events) / 10000 + 1); /* with the marks */
  free(out);
}
