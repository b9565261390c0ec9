/* Issue 8, the collector's and record's side: what an attacker (a second
 * local user, tt-attacker, when the tests run as root) or a fault can do to
 * tasktraced and `tasktrace record`, each reproduced for real: a symlinked
 * socket directory, planted links and files in shared output directories,
 * producer names with terminal escapes, connection floods, FIFOs, a full
 * disk, a record killed with -9, a string id of 2^64-1. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tasktrace/ttrace.h"
#include "tasktrace/wire.h"
#include "tt_test.h"

static void sleep_ms(long ms) {
  struct timespec d = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

/* Start argv with stdout+stderr to log (when not NULL), in its own process
 * group, dying with the test; nofile > 0 sets its RLIMIT_NOFILE. */
static pid_t start_to(char *const argv[], const char *log, long nofile) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    if (log) {
      int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (nofile > 0) {
      /* Through the shell's ulimit, not setrlimit here: under valgrind
       * (scripts/test.sh --valgrind) this process's setrlimit is
       * valgrind's, and the daemon would not get the limit. */
      char script[96];
      snprintf(script, sizeof script, "ulimit -n %ld && exec \"$0\" \"$@\"", nofile);
      char *sh[16] = {"/bin/sh", "-c", script};
      int n = 3;
      for (int i = 0; argv[i] != NULL && n < 15; i++)
        sh[n++] = argv[i];
      sh[n] = NULL;
      execv(sh[0], sh);
      _exit(127);
    }
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

/* A file's whole content (malloc'ed), "" when missing. */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  char *buf = calloc(1, 1 << 20);
  if (f) {
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = 0;
    fclose(f);
  }
  return buf;
}

static int count_of(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
    n++;
  return n;
}

/* Events in a whole .ttrace file, read back with the reader. */
static long file_events(const char *path) {
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, path));
  tt_trace_event ev;
  int k;
  while ((k = tt_reader_next(r, &ev)) > 0) {
  }
  ASSERT_EQ(k, 0);
  ASSERT_EQ(tt_reader_truncated(r), 0);
  long n = (long)tt_reader_events(r);
  tt_reader_close(r);
  return n;
}

static void wait_for(const char *path) {
  for (int i = 0; i < 1000 && access(path, F_OK) != 0; i++)
    sleep_ms(10);
  ASSERT_OK(access(path, F_OK));
}

/* A connection to the Unix socket at path; the socket file appears at bind,
 * just before listen: retry a refused connect for a while. */
static int connect_to(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strcpy(sa.sun_path, path);
  for (int i = 0;; i++) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
      return fd;
    int e = errno;
    close(fd);
    if (i == 500 || (e != ECONNREFUSED && e != ENOENT))
      tt_test_fail(__FILE__, __LINE__, "connect %s: %s", path, strerror(e));
    sleep_ms(10);
  }
}

/* A tasktraced on SOCK writing to DIR, its log in LOG. */
static pid_t start_daemon(const char *sock, const char *dir, const char *log, const char *extra1,
                          const char *extra2, long nofile) {
  char *argv[] = {(char *)tt_test_bin("tasktraced"), "--socket", (char *)sock, "--dir",
                  (char *)dir, (char *)extra1, (char *)extra2, NULL};
  pid_t pid = start_to(argv, log, nofile);
  wait_for(sock);
  close(connect_to(sock)); /* listening: a first idle connection, closed at once */
  return pid;
}

static void stop_daemon(pid_t pid) {
  kill(pid, SIGTERM);
  ASSERT_EQ(wait_exit(pid), 0);
}

/* Run as the attacker: argv, expecting success. */
static void as_attacker(uid_t uid, gid_t gid, char *const argv[]) {
  char *out;
  int st = tt_test_spawn_as(uid, gid, argv, NULL, &out, 20);
  if (st != 0)
    tt_test_fail(__FILE__, __LINE__, "as tt-attacker: %s: status %d: %s", argv[0], st, out);
  free(out);
}

/* Item 3: the attacker plants a symbolic link where the victim's socket
 * directory should be (to a directory of the attacker's, which the
 * attacker could later swap): tasktraced refuses it, exit non-zero. */
TEST(symlinked_socket_dir_refused) {
  uid_t uid;
  gid_t gid;
  tt_test_attacker(&uid, &gid);
  const char *shared = tt_test_shared_dir("tmp", 01777);
  char adir[400], link[400], sock[450], out[400];
  snprintf(adir, sizeof adir, "%s/attackers", shared);
  snprintf(link, sizeof link, "%s/tt-run", shared);
  snprintf(sock, sizeof sock, "%s/c.sock", link);
  snprintf(out, sizeof out, "%s/out", tt_test_tmpdir());
  char *mk[] = {"/bin/mkdir", "-m", "0700", adir, NULL};
  as_attacker(uid, gid, mk);
  char *ln[] = {"/bin/ln", "-s", adir, link, NULL};
  as_attacker(uid, gid, ln);
  char *argv[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock, "--dir", out, NULL};
  char *msg;
  ASSERT_NE(tt_test_spawn(argv, NULL, &msg, 20), 0);
  char want[600];
  snprintf(want, sizeof want, "tasktraced: socket directory %s is a symbolic link: refusing it",
           link);
  ASSERT_CONTAINS(msg, want);
  ASSERT_EQ(count_of(msg, "\n"), 1);
  free(msg);
  struct stat st;
  ASSERT_TRUE(stat(sock, &st) < 0); /* nothing was bound through the link */
  /* The same with the link aimed at a private directory of the victim's
   * own (which stat() found fine: the old check passed, and the attacker
   * could re-aim the link later). */
  char mine[400], link2[400], sock2[450];
  snprintf(mine, sizeof mine, "%s/private", tt_test_tmpdir());
  ASSERT_OK(mkdir(mine, 0700));
  snprintf(link2, sizeof link2, "%s/tt-run2", shared);
  snprintf(sock2, sizeof sock2, "%s/c.sock", link2);
  char *ln2[] = {"/bin/ln", "-s", mine, link2, NULL};
  as_attacker(uid, gid, ln2);
  char *argv2[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock2, "--dir", out, NULL};
  ASSERT_NE(tt_test_spawn(argv2, NULL, &msg, 20), 0);
  snprintf(want, sizeof want, "tasktraced: socket directory %s is a symbolic link: refusing it",
           link2);
  ASSERT_CONTAINS(msg, want);
  free(msg);
  ASSERT_TRUE(stat(sock2, &st) < 0);
}

/* Item 14: a socket directory of another user is reported as such, not as
 * "open to others (mode 0700)". */
TEST(others_socket_dir_named_by_owner) {
  uid_t uid;
  gid_t gid;
  tt_test_attacker(&uid, &gid);
  const char *shared = tt_test_shared_dir("tmp", 01777);
  char adir[400], sock[450], out[400];
  snprintf(adir, sizeof adir, "%s/tt-0", shared);
  snprintf(sock, sizeof sock, "%s/c.sock", adir);
  snprintf(out, sizeof out, "%s/out", tt_test_tmpdir());
  char *mk[] = {"/bin/mkdir", "-m", "0700", adir, NULL};
  as_attacker(uid, gid, mk);
  char *argv[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock, "--dir", out, NULL};
  char *msg;
  ASSERT_NE(tt_test_spawn(argv, NULL, &msg, 20), 0);
  char want[600];
  snprintf(want, sizeof want, "socket directory %s is owned by uid %u, not by us (uid 0)", adir,
           (unsigned)uid);
  ASSERT_CONTAINS(msg, want);
  ASSERT_TRUE(strstr(msg, "open to others") == NULL);
  free(msg);
}

/* Items 4 and 9: in a sticky shared directory, the attacker plants, under
 * the names record will use for a process that execs itself, a symbolic
 * link to a victim file and a 0666 file. The victim file and the planted
 * file are untouched; each of the three images gets its own new file, 0600
 * and ours; the files' events sum to record's printed total. */
TEST(record_planted_names_and_exec) {
  uid_t uid;
  gid_t gid;
  tt_test_attacker(&uid, &gid);
  const char *shared = tt_test_shared_dir("out", 01777);
  char victim[400], gate[400], out[450];
  snprintf(victim, sizeof victim, "%s/victim", tt_test_tmpdir());
  snprintf(gate, sizeof gate, "%s/gate", tt_test_tmpdir());
  snprintf(out, sizeof out, "%s/run.ttrace", shared);
  FILE *f = fopen(victim, "w");
  fputs("precious\n", f);
  fclose(f);
  char *tasktrace = strdup(tt_test_bin("tasktrace"));
  char log[400];
  snprintf(log, sizeof log, "%s/record.log", tt_test_tmpdir());
  char *argv[] = {tasktrace, "record", "-o", out, "--", (char *)tt_test_bin("tt-test-exec"),
                  "3", "5000", gate, NULL};
  pid_t rec = start_to(argv, log, 0);
  char pidfile[450];
  snprintf(pidfile, sizeof pidfile, "%s.pid", gate);
  wait_for(pidfile);
  sleep_ms(50);
  char *pidtxt = slurp(pidfile);
  int pid = atoi(pidtxt);
  free(pidtxt);
  ASSERT_GE(pid, 1);
  char p1[500], p2[500];
  snprintf(p1, sizeof p1, "%s/run.%d.ttrace", shared, pid);
  snprintf(p2, sizeof p2, "%s/run.%d.2.ttrace", shared, pid);
  char *ln[] = {"/bin/ln", "-s", victim, p1, NULL};
  as_attacker(uid, gid, ln);
  char script[700];
  snprintf(script, sizeof script, "umask 0; : > '%s'", p2);
  char *touch[] = {"/bin/sh", "-c", script, NULL};
  as_attacker(uid, gid, touch);
  fclose(fopen(gate, "w"));
  ASSERT_EQ(wait_exit(rec), 0);
  char *msg = slurp(log);
  /* The victim and the planted file are as they were. */
  char *v = slurp(victim);
  ASSERT_STR_EQ(v, "precious\n");
  free(v);
  struct stat st;
  ASSERT_OK(lstat(p1, &st));
  ASSERT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_OK(lstat(p2, &st));
  ASSERT_EQ(st.st_uid, uid);
  ASSERT_EQ(st.st_size, 0);
  /* Three new files, 0600 and ours: run.ttrace, run.PID.3, run.PID.4. */
  char files[3][500];
  snprintf(files[0], sizeof files[0], "%s", out);
  snprintf(files[1], sizeof files[1], "%s/run.%d.3.ttrace", shared, pid);
  snprintf(files[2], sizeof files[2], "%s/run.%d.4.ttrace", shared, pid);
  long sum = 0;
  for (int i = 0; i < 3; i++) {
    if (lstat(files[i], &st) < 0)
      tt_test_fail(__FILE__, __LINE__, "%s missing; record said:\n%s", files[i], msg);
    ASSERT_TRUE(S_ISREG(st.st_mode));
    ASSERT_EQ(st.st_uid, geteuid());
    ASSERT_EQ(st.st_mode & 07777, 0600);
    sum += file_events(files[i]);
  }
  char want[600];
  snprintf(want, sizeof want, "tasktrace record: wrote %s: %ld events", out, sum);
  ASSERT_CONTAINS(msg, want);
  ASSERT_CONTAINS(msg, " in 3 files");
  ASSERT_GE(sum, 1);
  free(msg);
  free(tasktrace);
}

/* Item 9 without a second user: the same pid connecting three times gets
 * three files (no O_TRUNC of the first), and the printed total is theirs,
 * also in flight-recorder mode. */
TEST(record_exec_one_file_per_connection) {
  char out[400];
  snprintf(out, sizeof out, "%s/x.ttrace", tt_test_tmpdir());
  char *tasktrace = strdup(tt_test_bin("tasktrace"));
  for (int fr = 0; fr < 2; fr++) {
    char log[400];
    snprintf(log, sizeof log, "%s/record%d.log", tt_test_tmpdir(), fr);
    /* 1 MiB of ring: each image's 200000 events are more than it keeps. */
    char *argv[] = {tasktrace, "record", "-o", out, fr ? "--flight-recorder" : "--level",
                    "1", "--", (char *)tt_test_bin("tt-test-exec"), "3", "2000000", NULL};
    pid_t rec = start_to(argv, log, 0);
    ASSERT_EQ(wait_exit(rec), 0);
    char *msg = slurp(log);
    long sum = 0;
    int nfiles = 0;
    DIR *d = opendir(tt_test_tmpdir());
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
      if (strncmp(de->d_name, "x.", 2) != 0 || strstr(de->d_name, ".ttrace") == NULL)
        continue;
      char p[800];
      snprintf(p, sizeof p, "%s/%s", tt_test_tmpdir(), de->d_name);
      sum += file_events(p);
      nfiles++;
      unlink(p);
    }
    closedir(d);
    ASSERT_EQ(nfiles, 3);
    char want[600];
    snprintf(want, sizeof want, "tasktrace record: wrote %s: %ld events", out, sum);
    ASSERT_CONTAINS(msg, want);
    ASSERT_GE(sum, 1);
    free(msg);
  }
  free(tasktrace);
}

/* Item 4: a planted file under the -o name itself (0666, the attacker's)
 * is neither reused nor truncated: refused before the program runs. */
TEST(record_planted_output_refused) {
  uid_t uid;
  gid_t gid;
  tt_test_attacker(&uid, &gid);
  const char *shared = tt_test_shared_dir("out", 01777);
  char out[450], script[700];
  snprintf(out, sizeof out, "%s/run.ttrace", shared);
  snprintf(script, sizeof script, "umask 0; echo mine > '%s'", out);
  char *plant[] = {"/bin/sh", "-c", script, NULL};
  as_attacker(uid, gid, plant);
  char *argv[] = {(char *)tt_test_bin("tasktrace"), "record", "-o", out, "--", "/bin/true",
                  NULL};
  char *msg;
  ASSERT_EQ(tt_test_spawn(argv, NULL, &msg, 20), 1);
  char want[600];
  snprintf(want, sizeof want, "tasktrace record: -o %s: owned by uid %u, not by us\n", out,
           (unsigned)uid);
  ASSERT_CONTAINS(msg, want);
  free(msg);
  char *c = slurp(out);
  ASSERT_STR_EQ(c, "mine\n");
  free(c);
}

/* Item 4: an output directory others can write to, not sticky: refused by
 * record and by tasktraced, with one line. */
TEST(world_writable_output_dir_refused) {
  const char *shared = tt_test_shared_dir("open", 0777);
  char out[450], sock[400];
  snprintf(out, sizeof out, "%s/run.ttrace", shared);
  char *argv[] = {(char *)tt_test_bin("tasktrace"), "record", "-o", out, "--", "/bin/true",
                  NULL};
  char *msg;
  ASSERT_EQ(tt_test_spawn(argv, NULL, &msg, 20), 1);
  char want[600];
  snprintf(want, sizeof want, "tasktrace record: output directory %s is writable by others and "
           "not sticky (mode 0777): refusing it\n", shared);
  ASSERT_CONTAINS(msg, want);
  free(msg);
  ASSERT_TRUE(access(out, F_OK) != 0);
  snprintf(sock, sizeof sock, "%s/run/c.sock", tt_test_tmpdir());
  char *d[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock, "--dir", (char *)shared,
               NULL};
  ASSERT_NE(tt_test_spawn(d, NULL, &msg, 20), 0);
  ASSERT_CONTAINS(msg, "tasktraced: output directory ");
  ASSERT_CONTAINS(msg, "is writable by others and not sticky (mode 0777)");
  free(msg);
}

/* Item 5: a producer whose program name carries a newline and an ESC
 * sequence: the daemon's log line stays one line, escaped. */
TEST(producer_name_escaped_in_log) {
  char sock[400], dir[400], log[400];
  snprintf(sock, sizeof sock, "%s/run/c.sock", tt_test_tmpdir());
  snprintf(dir, sizeof dir, "%s/out", tt_test_tmpdir());
  snprintf(log, sizeof log, "%s/d.log", tt_test_tmpdir());
  pid_t d = start_daemon(sock, dir, log, NULL, NULL, 0);
  setenv("TASKTRACE_COLLECTOR", sock, 1);
  /* The name in the hello is the basename of argv[0]. */
  char *argv[] = {"evil\ntasktraced: FAKE\x1b[31mred", "100", NULL};
  pid_t p = fork();
  if (p == 0) {
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    execv(tt_test_bin("tt-test-producer"), argv);
    _exit(127);
  }
  ASSERT_EQ(wait_exit(p), 0);
  unsetenv("TASKTRACE_COLLECTOR");
  stop_daemon(d);
  char *msg = slurp(log);
  ASSERT_CONTAINS(msg, "(evil\\ntasktraced: FAKE\\x1b[31mred): recording to ");
  ASSERT_TRUE(strchr(msg, 0x1b) == NULL);
  /* Every line is one of the daemon's own (none starts with "FAKE"). */
  ASSERT_EQ(count_of(msg, "\ntasktraced: FAKE"), 0);
  ASSERT_TRUE(strncmp(msg, "tasktraced: FAKE", 16) != 0);
  free(msg);
}

/* Item 11: record -o FIFO refuses at once instead of blocking in open. */
TEST(record_fifo_refused) {
  char fifo[400];
  snprintf(fifo, sizeof fifo, "%s/fifo", tt_test_tmpdir());
  ASSERT_OK(mkfifo(fifo, 0600));
  /* tt_test_bin returns a static buffer: copy before the second call. */
  char *tasktrace = strdup(tt_test_bin("tasktrace"));
  char *argv[] = {tasktrace, "record", "-o", fifo, "--", (char *)tt_test_bin("tt-test-producer"),
                  "100", NULL};
  char *msg;
  ASSERT_EQ(tt_test_spawn(argv, NULL, &msg, 10), 1);
  free(tasktrace);
  char want[600];
  snprintf(want, sizeof want, "tasktrace record: -o %s: not a regular file\n", fifo);
  ASSERT_CONTAINS(msg, want);
  free(msg);
}

/* Item 11: SIGTERM always ends record: the first goes to the program (which
 * here ignores it), the second kills it. */
TEST(record_sigterm_always_ends) {
  char out[400], log[400];
  snprintf(out, sizeof out, "%s/t.ttrace", tt_test_tmpdir());
  snprintf(log, sizeof log, "%s/r.log", tt_test_tmpdir());
  char *argv[] = {(char *)tt_test_bin("tasktrace"), "record", "-o", out, "--", "/bin/sh", "-c",
                  "trap '' TERM; sleep 60 & wait; wait", NULL};
  pid_t rec = start_to(argv, log, 0);
  sleep_ms(500);
  kill(rec, SIGTERM);
  sleep_ms(300);
  int st;
  ASSERT_EQ(waitpid(rec, &st, WNOHANG), 0); /* the program ignored the first */
  kill(rec, SIGTERM);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int code = wait_exit(rec);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ASSERT_EQ(code, 128 + SIGKILL);
  ASSERT_LE(t1.tv_sec - t0.tv_sec, 10);
  kill(-rec, SIGKILL); /* the orphaned sleep */
}

/* Item 12: idle connections beyond --max-connections are refused with one
 * log line per burst; idle ones are closed after the handshake timeout,
 * and then a real producer gets through. */
TEST(idle_connections_capped) {
  char sock[400], dir[400], log[400];
  snprintf(sock, sizeof sock, "%s/run/c.sock", tt_test_tmpdir());
  snprintf(dir, sizeof dir, "%s/out", tt_test_tmpdir());
  snprintf(log, sizeof log, "%s/d.log", tt_test_tmpdir());
  pid_t d = start_daemon(sock, dir, log, "--max-connections", "8", 0);
  int fds[40];
  for (int i = 0; i < 40; i++)
    fds[i] = connect_to(sock);
  sleep_ms(500);
  char *msg = slurp(log);
  ASSERT_EQ(count_of(msg, "tasktraced: refusing connection: 8 open (--max-connections)\n"), 1);
  free(msg);
  setenv("TASKTRACE_COLLECTOR", sock, 1);
  /* After the handshake timeout (5 s) the idle ones are gone. */
  sleep_ms(5600);
  char *argv[] = {(char *)tt_test_bin("tt-test-producer"), "1000", NULL};
  pid_t p = start_to(argv, "/dev/null", 0);
  ASSERT_EQ(wait_exit(p), 0);
  unsetenv("TASKTRACE_COLLECTOR");
  for (int i = 0; i < 40; i++)
    close(fds[i]);
  stop_daemon(d);
  msg = slurp(log);
  ASSERT_CONTAINS(msg, "closing a connection: no hello (");
  char want[64];
  snprintf(want, sizeof want, "pid %d (tt-test-producer): recording to ", p);
  ASSERT_CONTAINS(msg, want);
  snprintf(want, sizeof want, "pid %d: closed ", p);
  ASSERT_CONTAINS(msg, want);
  free(msg);
}

/* Item 12: a low RLIMIT_NOFILE (below the default cap of 256): the
 * refusals are logged once, and once the idle connections time out (still
 * open on the attacker's side) a real producer gets through. */
TEST(out_of_fds_logged_and_recovers) {
  char sock[400], dir[400], log[400];
  snprintf(sock, sizeof sock, "%s/run/c.sock", tt_test_tmpdir());
  snprintf(dir, sizeof dir, "%s/out", tt_test_tmpdir());
  snprintf(log, sizeof log, "%s/d.log", tt_test_tmpdir());
  pid_t d = start_daemon(sock, dir, log, "--handshake-timeout", "1500", 64);
  int fds[80];
  for (int i = 0; i < 80; i++)
    fds[i] = connect_to(sock);
  sleep_ms(500);
  char *msg = slurp(log);
  ASSERT_CONTAINS(msg, "tasktraced: refusing connection: ");
  ASSERT_CONTAINS(msg, " open (file descriptor limit 64)\n");
  ASSERT_EQ(count_of(msg, "refusing connection"), 1);
  free(msg);
  /* The idle ones still open on our side; the daemon drops them after
   * its handshake timeout. */
  sleep_ms(2000);
  setenv("TASKTRACE_COLLECTOR", sock, 1);
  char *argv[] = {(char *)tt_test_bin("tt-test-producer"), "1000", NULL};
  pid_t p = start_to(argv, "/dev/null", 0);
  ASSERT_EQ(wait_exit(p), 0);
  unsetenv("TASKTRACE_COLLECTOR");
  for (int i = 0; i < 80; i++)
    close(fds[i]);
  stop_daemon(d);
  msg = slurp(log);
  char want[64];
  snprintf(want, sizeof want, "pid %d (tt-test-producer): recording to ", p);
  ASSERT_CONTAINS(msg, want);
  snprintf(want, sizeof want, "pid %d: closed ", p);
  ASSERT_CONTAINS(msg, want);
  free(msg);
}

/* Item 14: a string id of 2^64-1 is a protocol error naming the id, not
 * "out of memory". */
TEST(string_id_max_is_protocol_error) {
  char sock[400], dir[400], log[400];
  snprintf(sock, sizeof sock, "%s/run/c.sock", tt_test_tmpdir());
  snprintf(dir, sizeof dir, "%s/out", tt_test_tmpdir());
  snprintf(log, sizeof log, "%s/d.log", tt_test_tmpdir());
  pid_t d = start_daemon(sock, dir, log, NULL, NULL, 0);
  int fd = connect_to(sock);
  uint8_t hello[TT__HELLO_SIZE];
  tt__hello_encode(hello, &(tt_proc_info){.pid = 4242, .program = "idmax"});
  ASSERT_EQ(write(fd, hello, sizeof hello), 100);
  /* len, tid, base_ts, then STRDEF id=2^64-1 (varint) len=1 "a". */
  uint8_t m[4 + 12 + 1 + 10 + 1 + 1] = {0};
  uint32_t len = sizeof m - 4;
  memcpy(m, &len, 4);
  m[4] = 1;
  uint8_t *p = m + 16;
  *p++ = 0x40;
  for (int i = 0; i < 9; i++)
    *p++ = 0xff;
  *p++ = 0x01;
  *p++ = 1;
  *p++ = 'a';
  ASSERT_EQ(write(fd, m, sizeof m), (long)sizeof m);
  char b;
  ASSERT_EQ(read(fd, &b, 1), 0); /* closed on us */
  close(fd);
  stop_daemon(d);
  char *msg = slurp(log);
  ASSERT_CONTAINS(msg, "pid 4242: closing the connection: string id 18446744073709551615");
  ASSERT_TRUE(strstr(msg, "out of memory") == NULL);
  free(msg);
}

/* Item 14: a bad TMPDIR is named. */
TEST(record_bad_tmpdir_named) {
  char *argv[] = {(char *)tt_test_bin("tasktrace"), "record", "-o", "x.ttrace", "--",
                  "/bin/true", NULL};
  char *env[] = {"TMPDIR=/nonexistent/tt\x1b[2J", NULL};
  char *msg;
  char cwd[400];
  snprintf(cwd, sizeof cwd, "%s", tt_test_tmpdir());
  ASSERT_OK(chdir(cwd));
  ASSERT_EQ(tt_test_spawn(argv, env, &msg, 20), 1);
  ASSERT_CONTAINS(msg, "tasktrace record: cannot make a private directory in "
                       "/nonexistent/tt\\x1b[2J (TMPDIR): No such file or directory\n");
  free(msg);
}

/* Item 14: a record killed with -9 leaves its socket directory; the next
 * record of the same user removes it (nobody listens there any more),
 * and leaves a live one alone. */
TEST(record_kill9_socket_dir_cleaned) {
  char out[400], log[400], tmp[400];
  snprintf(tmp, sizeof tmp, "%s/t", tt_test_tmpdir());
  ASSERT_OK(mkdir(tmp, 0700));
  snprintf(out, sizeof out, "%s/k.ttrace", tt_test_tmpdir());
  snprintf(log, sizeof log, "%s/r.log", tt_test_tmpdir());
  setenv("TMPDIR", tmp, 1);
  char *tasktrace = strdup(tt_test_bin("tasktrace"));
  char *argv[] = {tasktrace, "record", "-o", out, "--", (char *)tt_test_bin("tt-test-producer"),
                  "0", NULL};
  pid_t live = start_to(argv, "/dev/null", 0);
  pid_t rec = start_to(argv, log, 0);
  /* Both listen in their directories (a fixed 800 ms was too short for
   * two starts on a loaded machine). */
  int before = 0, listening = 0;
  DIR *d;
  struct dirent *de;
  for (int i = 0; i < 3000 && listening < 2; i++) {
    if (i > 0)
      sleep_ms(10);
    before = listening = 0;
    d = opendir(tmp);
    while ((de = readdir(d)) != NULL)
      if (strncmp(de->d_name, "tasktrace-record-", 17) == 0) {
        char s[900];
        snprintf(s, sizeof s, "%s/%s/collector.sock", tmp, de->d_name);
        before++;
        listening += access(s, F_OK) == 0;
      }
    closedir(d);
  }
  kill(-rec, SIGKILL);
  wait_exit(rec);
  ASSERT_EQ(listening, 2);
  ASSERT_EQ(before, 2); /* the live one and the stale one */
  char *again[] = {tasktrace, "record", "-o", out, "--", "/bin/true", NULL};
  char *msg;
  ASSERT_EQ(tt_test_spawn(again, NULL, &msg, 20), 0);
  free(msg);
  int after = 0;
  d = opendir(tmp);
  while ((de = readdir(d)) != NULL)
    after += strncmp(de->d_name, "tasktrace-record-", 17) == 0;
  closedir(d);
  ASSERT_EQ(after, 1); /* the live one */
  kill(-live, SIGKILL);
  wait_exit(live);
  unsetenv("TMPDIR");
  free(tasktrace);
}

/* A recording killed between binding its socket and naming it leaves a
 * directory holding only the temporary name: once that directory is a
 * minute old, the next record removes it with its socket. */
TEST(record_stale_temporary_socket_cleaned) {
  char tmp[400], dead[450], s[500], out[400];
  snprintf(tmp, sizeof tmp, "%s/t2", tt_test_tmpdir());
  ASSERT_OK(mkdir(tmp, 0700));
  snprintf(dead, sizeof dead, "%s/tasktrace-record-AbCdEf", tmp);
  ASSERT_OK(mkdir(dead, 0700));
  /* Bound by a name relative to the directory: its full path may be longer
   * than a socket address holds. */
  int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_OK(chdir(dead));
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = ".tasktraced-1-0123456789abcdef.sock"};
  ASSERT_OK(bind(fd, (struct sockaddr *)&sa, sizeof sa));
  close(fd);
  ASSERT_OK(fchdir(here));
  close(here);
  snprintf(s, sizeof s, "%s/%s", dead, sa.sun_path);
  struct stat st;
  ASSERT_OK(stat(s, &st));
  ASSERT_TRUE(S_ISSOCK(st.st_mode));
  struct timespec old[2] = {{time(NULL) - 120, 0}, {time(NULL) - 120, 0}};
  ASSERT_OK(utimensat(AT_FDCWD, dead, old, 0));
  snprintf(out, sizeof out, "%s/k2.ttrace", tt_test_tmpdir());
  setenv("TMPDIR", tmp, 1);
  char *argv[] = {(char *)tt_test_bin("tasktrace"), "record", "-o", out, "--", "/bin/true", NULL};
  char *msg;
  ASSERT_EQ(tt_test_spawn(argv, NULL, &msg, 20), 0);
  free(msg);
  unsetenv("TMPDIR");
  ASSERT_TRUE(access(dead, F_OK) != 0);
}

/* Item 14: SIGHUP on a full disk: the new file cannot be written; it is
 * removed (no 0-byte file), said once, and the old file goes on and ends
 * whole. A small tmpfs is the full disk (root only). */
TEST(sighup_full_disk_keeps_old_file) {
  if (geteuid() != 0)
    tt_test_skip("needs root to mount a small tmpfs");
  char mnt[400], sock[400], log[400], fill[450];
  snprintf(mnt, sizeof mnt, "%s/small", tt_test_tmpdir());
  ASSERT_OK(mkdir(mnt, 0700));
  if (mount("tt-small", mnt, "tmpfs", 0, "size=256k,mode=0700") < 0)
    tt_test_skip("cannot mount a tmpfs at %s: %s", mnt, strerror(errno));
  snprintf(sock, sizeof sock, "%s/run/c.sock", tt_test_tmpdir());
  snprintf(log, sizeof log, "%s/d.log", tt_test_tmpdir());
  snprintf(fill, sizeof fill, "%s/fill", mnt);
  pid_t d = start_daemon(sock, mnt, log, NULL, NULL, 0);
  setenv("TASKTRACE_COLLECTOR", sock, 1);
  char *argv[] = {(char *)tt_test_bin("tt-test-producer"), "20000", "1000", "20000", NULL};
  pid_t p = start_to(argv, "/dev/null", 0);
  unsetenv("TASKTRACE_COLLECTOR");
  sleep_ms(300);
  /* Fill the disk, then ask for new files. */
  int fd = open(fill, O_WRONLY | O_CREAT, 0600);
  static char zeros[4096];
  while (write(fd, zeros, sizeof zeros) > 0) {
  }
  close(fd);
  kill(d, SIGHUP);
  sleep_ms(300);
  unlink(fill); /* room again: the old file can end whole */
  ASSERT_EQ(wait_exit(p), 0);
  stop_daemon(d);
  char *msg = slurp(log);
  ASSERT_CONTAINS(msg, ": No space left on device; continuing in ");
  int files = 0;
  DIR *dd = opendir(mnt);
  struct dirent *de;
  while ((de = readdir(dd)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    char path[800];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", mnt, de->d_name);
    ASSERT_OK(stat(path, &st));
    if (st.st_size == 0)
      tt_test_fail(__FILE__, __LINE__, "empty file left: %s\n%s", path, msg);
    ASSERT_TRUE(strchr(de->d_name, '~') == NULL);
    files++;
  }
  closedir(dd);
  ASSERT_EQ(files, 1);
  free(msg);
  umount2(mnt, MNT_DETACH);
}

/* The daemon's resident memory, kB, from /proc/PID/status. */
static long vm_rss_kb(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  char *s = slurp(path);
  char *p = strstr(s, "VmRSS:");
  long kb = p ? atol(p + 6) : -1;
  free(s);
  return kb;
}

/* Item 12: a producer sending endless distinct strings (here 96 MiB of
 * them) hits the per-connection cap (4 MiB): the connection ends with one
 * line, the file ends whole, and the daemon's memory stays far below what
 * was sent. */
TEST(distinct_strings_capped) {
  signal(SIGPIPE, SIG_IGN);
  char sock[400], dir[400], log[400];
  snprintf(sock, sizeof sock, "%s/run/c.sock", tt_test_tmpdir());
  snprintf(dir, sizeof dir, "%s/out", tt_test_tmpdir());
  snprintf(log, sizeof log, "%s/d.log", tt_test_tmpdir());
  pid_t d = start_daemon(sock, dir, log, "--max-string-mib", "4", 0);
  long rss0 = vm_rss_kb(d);
  int fd = connect_to(sock);
  uint8_t hello[TT__HELLO_SIZE];
  tt__hello_encode(hello, &(tt_proc_info){.pid = 4343, .program = "strings"});
  ASSERT_EQ(write(fd, hello, sizeof hello), 100);
  /* Messages of 1000 definitions of 1000-byte distinct strings each. */
  enum { PER = 1000, SLEN = 1000 };
  static uint8_t m[16 + PER * (1 + 3 + 2 + SLEN)];
  uint64_t id = 0;
  long sent = 0;
  for (int k = 0; k < 96; k++) {
    uint8_t *p = m + 16;
    for (int i = 0; i < PER; i++, id++) {
      *p++ = 0x40;
      uint64_t v = id; /* varint id */
      do {
        *p++ = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
      } while (v);
      *p++ = (uint8_t)(0x80 | (SLEN & 0x7f)); /* varint length */
      *p++ = (uint8_t)(SLEN >> 7);
      memset(p, 'a' + (int)(id % 26), SLEN);
      for (size_t j = 0; j < sizeof id; j++) /* no NUL bytes in a string */
        p[j] = (uint8_t)('A' + ((id >> (4 * j)) & 15));
      p += SLEN;
    }
    uint32_t len = (uint32_t)(p - m - 4);
    memset(m, 0, 16);
    memcpy(m, &len, 4);
    m[4] = 1;
    ssize_t w = send(fd, m, (size_t)(p - m), MSG_NOSIGNAL);
    if (w < 0)
      break; /* the daemon closed the connection */
    sent += (long)w;
  }
  long rss = vm_rss_kb(d);
  /* Closed on us, at once (without the cap: never). */
  struct pollfd pf = {fd, POLLIN, 0};
  ASSERT_EQ(poll(&pf, 1, 5000), 1);
  char b;
  ASSERT_EQ(read(fd, &b, 1), 0);
  /* The daemon took messages up to the cap (4 MiB of strings and their
   * ids: four of these messages) before closing; how much more the socket
   * had buffered by then depends on how fast this side ran. */
  ASSERT_GE(sent, 3 << 20);
  close(fd);
  /* Loose: the cap, a few messages in flight, the allocator's slack. */
  if (rss - rss0 > 40 * 1024)
    tt_test_fail(__FILE__, __LINE__, "RSS grew by %ld kB (sent %ld bytes)", rss - rss0, sent);
  stop_daemon(d);
  char *msg = slurp(log);
  ASSERT_CONTAINS(msg, "tasktraced: pid 4343: closing the connection: more than 4 MiB of "
                       "distinct strings (--max-string-mib); the file ends here\n");
  free(msg);
  DIR *dd = opendir(dir);
  struct dirent *de;
  int files = 0;
  while ((de = readdir(dd)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    char p[800];
    snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
    tt_reader *r;
    ASSERT_OK(tt_reader_open(&r, p));
    ASSERT_EQ(tt_reader_truncated(r), 0);
    tt_reader_close(r);
    files++;
  }
  closedir(dd);
  ASSERT_EQ(files, 1);
}
