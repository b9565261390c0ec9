/* The collector for real: a tasktraced process, producer processes
 * (tt-test-producer), kill -9 of either, SIGSTOP, garbage on the socket,
 * SIGTERM and SIGHUP, and `tasktrace record` / `tasktrace dump`. */
#include <limits.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tasktrace/ttrace.h"
#include "tasktrace/wire.h"
#include "tt_test.h"

static char dir[160], sock[200], outdir[200];

static void sleep_ms(long ms) {
  struct timespec d = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* How long a wait for progress may take: an idle machine needs
 * milliseconds, a loaded one (ctest -j16 on two cores, busy neighbours)
 * far more. The tests wait for what they need to see, not a fixed time. */
#define PROGRESS_DEADLINE_NS (120 * 1000000000LL)

/* Every process a test starts dies with it (PR_SET_PDEATHSIG), failed or
 * not, so that no orphan holds ctest's pipes open. */
static const char *child_stderr; /* a file for the next child's stderr, NULL: ours */
static pid_t start(char *const argv[], int quiet_stdout) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (quiet_stdout) {
      int fd = open("/dev/null", O_WRONLY);
      dup2(fd, 1);
    }
    if (child_stderr != NULL) {
      int fd = open(child_stderr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0 || dup2(fd, 2) < 0)
        _exit(126);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  return pid;
}

static pid_t start_collector(void) {
  snprintf(dir, sizeof dir, "%s/coll-XXXXXX", tt_test_tmpdir());
  ASSERT_TRUE(mkdtemp(dir) != NULL);
  snprintf(sock, sizeof sock, "%s/run/c.sock", dir);
  snprintf(outdir, sizeof outdir, "%s/out", dir);
  char *argv[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock, "--dir", outdir,
                  "--quiet", NULL};
  pid_t pid = start(argv, 0);
  for (int64_t end = mono_ns() + PROGRESS_DEADLINE_NS; access(sock, F_OK) != 0 && mono_ns() < end;)
    sleep_ms(10);
  ASSERT_OK(access(sock, F_OK));
  setenv("TASKTRACE_COLLECTOR", sock, 1);
  return pid;
}

static int wait_exit(pid_t pid) {
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The producers' PAUSE_EVERY (one setting per test). */
static long producer_pause_every;

/* At most how many events besides `numbered` numbered ones a lost record
 * may count: the marks (one per 10000) and, with pauses, what each
 * tt_sleep_ms(0) emits (two task switches, a loop poll begin and end). */
static long unnumbered_within(long numbered) {
  long n = numbered / 10000 + 2;
  if (producer_pause_every > 0)
    n += 4 * (numbered / producer_pause_every + 1);
  return n;
}

static pid_t start_producer(long events, long pause_every, long pause_us) {
  char n[32], pe[32], pu[32];
  producer_pause_every = pause_every;
  snprintf(n, sizeof n, "%ld", events);
  snprintf(pe, sizeof pe, "%ld", pause_every);
  snprintf(pu, sizeof pu, "%ld", pause_us);
  char *argv[] = {(char *)tt_test_bin("tt-test-producer"), n, pe, pu, NULL};
  return start(argv, 1);
}

/* A producer that reports its progress: a byte on *progress for every
 * 1000 numbered events it has emitted (TT_TEST_PROGRESS_FD). */
static pid_t start_producer_watched(long events, long pause_every, long pause_us, int *progress) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  char fd[16];
  snprintf(fd, sizeof fd, "%d", fds[1]);
  setenv("TT_TEST_PROGRESS_FD", fd, 1);
  pid_t p = start_producer(events, pause_every, pause_us);
  unsetenv("TT_TEST_PROGRESS_FD");
  close(fds[1]);
  fcntl(fds[0], F_SETFD, FD_CLOEXEC); /* not into later producers */
  *progress = fds[0];
  return p;
}

/* Wait until the producer on progress has emitted at least thousands * 1000
 * numbered events; *seen counts the thousands read so far. */
static void wait_progress(int progress, long *seen, long thousands) {
  int64_t end = mono_ns() + PROGRESS_DEADLINE_NS;
  while (*seen < thousands) {
    if (mono_ns() > end)
      tt_test_fail(__FILE__, __LINE__, "the producer emitted only %ld000 of %ld000 events in %lld s",
                   *seen, thousands, PROGRESS_DEADLINE_NS / 1000000000LL);
    struct pollfd pf = {.fd = progress, .events = POLLIN};
    if (poll(&pf, 1, 100) <= 0)
      continue;
    char b[4096];
    ssize_t n = read(progress, b, sizeof b);
    if (n == 0)
      tt_test_fail(__FILE__, __LINE__, "the producer stopped after %ld000 events", *seen);
    if (n > 0)
      *seen += n;
  }
}

/* The file of process pid in outdir (the newest if several), or NULL. */
static char *file_of(pid_t pid, const char *suffix) {
  static char path[512];
  DIR *d = opendir(outdir);
  if (d == NULL)
    return NULL;
  char want[64];
  snprintf(want, sizeof want, "tt-test-producer-%d-", (int)pid);
  struct dirent *e;
  char *found = NULL;
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, want, strlen(want)) == 0 &&
        (suffix == NULL || strstr(e->d_name, suffix) != NULL)) {
      snprintf(path, sizeof path, "%s/%s", outdir, e->d_name);
      found = path;
    }
  closedir(d);
  return found;
}

typedef struct summary {
  long seq_events; /* lock_released events (the numbered ones) */
  uint64_t tail_lost; /* lost after the last numbered event */
  long next_seq;   /* one past the last number seen */
  uint64_t lost;
  int truncated;
  int marks;
} summary;

/* Read a producer's file and check it: timestamps never go back; the
 * numbered events are 0, 1, 2... with every gap exactly covered by a lost
 * event before the next one; strings resolve. */
static summary check_file_from(const char *path, int want_complete, int from_anywhere) {
  summary s = {0};
  int first = 1;
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, path));
  s.truncated = tt_reader_truncated(r);
  if (want_complete)
    ASSERT_EQ(s.truncated, 0);
  tt_trace_event ev;
  uint64_t last_ts = 0, pending_lost = 0;
  int n;
  while ((n = tt_reader_next(r, &ev)) > 0) {
    ASSERT_GE(ev.ts, last_ts);
    last_ts = ev.ts;
    if (ev.type == TT_EV_lost) {
      pending_lost += ev.u[0];
      s.lost += ev.u[0];
    } else if (ev.type == TT_EV_mark) {
      ASSERT_STR_EQ(ev.s[1], "phase");
      s.marks++;
    } else if (ev.type == TT_EV_lock_released) {
      ASSERT_EQ(ev.u[2], 7);
      if (first && from_anywhere) /* a file opened on SIGHUP starts midway */
        s.next_seq = (long)ev.u[0];
      first = 0;
      /* Dropped events include the marks (and task switches) between
       * numbered ones. */
      uint64_t gap = ev.u[0] - (uint64_t)s.next_seq;
      if (gap != 0) {
        ASSERT_TRUE(pending_lost >= gap);
        ASSERT_LE(pending_lost, gap + (uint64_t)unnumbered_within((long)gap));
      } else {
        ASSERT_EQ(pending_lost, 0);
      }
      pending_lost = 0;
      s.next_seq = (long)ev.u[0] + 1;
      s.seq_events++;
    }
  }
  s.tail_lost = pending_lost;
  ASSERT_EQ(n, 0); /* cut files end cleanly too */
  if (s.truncated)
    ASSERT_CONTAINS(tt_reader_error(r), "cut after chunk");
  tt_reader_close(r);
  return s;
}

static summary check_file(const char *path, int want_complete) {
  return check_file_from(path, want_complete, 0);
}

/* A producer of `events` that exited normally: every one of them is in the
 * file or counted in a lost record (in a gap, checked by check_file, or at
 * the end). Lost records also count the dropped marks (one per 10000). A
 * producer drops only when the collector lags (a loaded machine). */
static void check_all_accounted(const summary *s, long events) {
  ASSERT_GE(s->next_seq + (long)s->tail_lost, events);
  ASSERT_LE(s->next_seq + (long)s->tail_lost, events + unnumbered_within(events));
  ASSERT_LE(s->seq_events, events);
  if (s->lost == 0)
    ASSERT_EQ(s->seq_events, events);
}

/* Wait until the collector has closed pid's file (it has an end record). */
static char *wait_closed(pid_t pid) {
  for (int64_t end = mono_ns() + PROGRESS_DEADLINE_NS; mono_ns() < end;) {
    char *p = file_of(pid, NULL);
    tt_reader *r;
    if (p && tt_reader_open(&r, p) == 0) {
      int cut = tt_reader_truncated(r);
      tt_reader_close(r);
      if (!cut)
        return p;
    }
    sleep_ms(10);
  }
  tt_test_fail(__FILE__, __LINE__, "the file of pid %d was never closed", (int)pid);
}

/* Remove the test's directory (sockets, trace files). */
static void cleanup(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (dir[0] && system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  unsetenv("TASKTRACE_COLLECTOR");
}

/* Wait until the collector has opened pid's file: it is streaming. */
static void wait_streaming(pid_t pid) {
  for (int64_t end = mono_ns() + PROGRESS_DEADLINE_NS; file_of(pid, NULL) == NULL && mono_ns() < end;)
    sleep_ms(5);
  ASSERT_TRUE(file_of(pid, NULL) != NULL);
}

static void stop_collector(pid_t c) {
  kill(c, SIGTERM);
  ASSERT_EQ(wait_exit(c), 0);
  cleanup();
}

/* The events a producer said on stderr it could not hand over at exit
 * ("tasktrace: N events lost: ..."): the file cannot count those. */
static long said_lost(const char *err_path) {
  FILE *f = fopen(err_path, "r");
  ASSERT_TRUE(f != NULL);
  long total = 0, n;
  char line[256];
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "tasktrace: %ld events lost", &n) == 1)
      total += n;
    else
      fputs(line, stderr); /* anything else it said, for the log */
  fclose(f);
  return total;
}

TEST(several_producers_at_once) {
  pid_t c = start_collector();
  pid_t p[4];
  char err[4][256];
  long delivered = 0;
  for (int i = 0; i < 4; i++) {
    snprintf(err[i], sizeof err[i], "%s/producer%d.err", dir, i);
    child_stderr = err[i];
    p[i] = start_producer(200000, 5000, 1000);
  }
  child_stderr = NULL;
  for (int i = 0; i < 4; i++)
    ASSERT_EQ(wait_exit(p[i]), 0);
  for (int i = 0; i < 4; i++) {
    summary s = check_file(wait_closed(p[i]), 1);
    /* A loaded machine: what the collector could not take before the
     * producer's exit flush gave up is counted on its stderr instead. */
    uint64_t said = (uint64_t)said_lost(err[i]);
    s.tail_lost += said;
    s.lost += said;
    check_all_accounted(&s, 200000);
    if (s.lost == 0)
      ASSERT_EQ(s.marks, 20);
    delivered += s.seq_events;
  }
  /* A steady rate is taken whole on an idle machine; on a loaded one the
   * collector may lag and producers drop (counted above), but most must
   * get through. */
  printf("delivered %ld of %d numbered events\n", delivered, 4 * 200000);
  ASSERT_GE(delivered, 4 * 200000 / 2);
  struct stat st;
  ASSERT_OK(stat(sock, &st));
  ASSERT_EQ(st.st_mode & 0777, 0600);
  char rundir[200];
  snprintf(rundir, sizeof rundir, "%s/run", dir);
  ASSERT_OK(stat(rundir, &st));
  ASSERT_EQ(st.st_mode & 0777, 0700);
  stop_collector(c);
}

/* kill -9 of producers at random moments: each file reads back whole, with
 * every event the producer handed over, numbered from 0 with every gap
 * covered by a lost record (check_file): a producer drops events only when
 * the collector lags (a loaded machine), and says so. */
TEST(kill9_producer) {
  pid_t c = start_collector();
  srand((unsigned)getpid());
  long total = 0, lost = 0;
  for (int trial = 0; trial < 50; trial++) {
    int progress;
    long seen = 0;
    pid_t p = start_producer_watched(0, 20000, 200, &progress);
    wait_streaming(p);
    wait_progress(progress, &seen, 1 + rand() % 100); /* a random moment: 1k to 100k events in */
    if (trial % 10 == 9) {
      /* The collector lagging: stopped while the producer emits more than
       * its 2 MiB pool and the socket can hold (3M events of at least 2
       * bytes), so it drops; then running again while it emits as many
       * more, so that the lost record is past the pool before the kill. */
      kill(c, SIGSTOP);
      wait_progress(progress, &seen, seen + 3000);
      kill(c, SIGCONT);
      wait_progress(progress, &seen, seen + 3000);
    }
    close(progress);
    kill(p, SIGKILL);
    ASSERT_EQ(wait_exit(p), 128 + SIGKILL);
    char *f = wait_closed(p);
    summary s = check_file(f, 1);
    /* The numbered events and the lost ones before the last of them make a
     * prefix without a hole: every drop is accounted for. */
    ASSERT_LE(s.seq_events, s.next_seq);
    ASSERT_LE((long)s.lost - (long)s.tail_lost,
              s.next_seq - s.seq_events + unnumbered_within(s.next_seq));
    ASSERT_GE((long)s.lost - (long)s.tail_lost, s.next_seq - s.seq_events);
    total += s.seq_events;
    lost += (long)s.lost;
  }
  printf("%ld events through, %ld lost\n", total, lost);
  ASSERT_GE(lost, 1); /* the lagging rounds did drop, and said so */
  ASSERT_GE(total, 50 * 100); /* they did get events through */
  stop_collector(c);
}

/* A producer that crashes hands over what it had buffered. */
TEST(crash_flushes) {
  pid_t c = start_collector();
  int progress;
  long seen = 0;
  pid_t p = start_producer_watched(0, 0, 0, &progress);
  wait_streaming(p);
  wait_progress(progress, &seen, 2);
  kill(p, SIGSEGV);
  int status = wait_exit(p);
#ifdef TT_SANITIZE
  /* Our handler passes the signal on to ASan's, which reports and exits 1. */
  ASSERT_TRUE(status == 128 + SIGSEGV || status == 1);
#else
  ASSERT_EQ(status, 128 + SIGSEGV);
#endif
  summary s = check_file(wait_closed(p), 1);
  /* Every event emitted before the signal is in the file (or, had the
   * collector lagged, counted lost): 2000 in a 2 MiB pool never drop. */
  ASSERT_GE(s.next_seq + (long)s.tail_lost, seen * 1000);
  ASSERT_GE(s.seq_events, 1000);
  close(progress);
  stop_collector(c);
}

/* kill -9 of the collector: its files read back to their last chunk and
 * say they were cut; the producer runs on. */
TEST(kill9_collector) {
  pid_t c = start_collector();
  pid_t p = start_producer(0, 10000, 1000);
  wait_streaming(p); /* on a loaded machine the producer's start took over the 1.2 s below */
  sleep_ms(1200);    /* idle flushes put chunks on disk */
  kill(c, SIGKILL);
  ASSERT_EQ(wait_exit(c), 128 + SIGKILL);
  sleep_ms(300);
  int st;
  ASSERT_EQ(waitpid(p, &st, WNOHANG), 0); /* runs on: no SIGPIPE, no hang */
  kill(p, SIGKILL);
  wait_exit(p);
  summary s = check_file(file_of(p, NULL), 0);
  ASSERT_EQ(s.truncated, 1);
  ASSERT_GE(s.seq_events, 10000);
  ASSERT_EQ(s.seq_events, s.next_seq);
  cleanup();
}


/* Entries in dir that are not hidden. */
static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL)
    n += e->d_name[0] != '.';
  if (d != NULL)
    closedir(d);
  return n;
}

/* Collector stopped: the producer's CPU cost per event stays within 10%,
 * and what it dropped is counted in lost events. */
TEST(sigstop_collector) {
  pid_t c = start_collector();
  double best[2] = {1e9, 1e9};
  long long told = 0; /* lost events the producers could only report on stderr */
  for (int round = 0; round < 3; round++) {
    for (int stopped = 0; stopped < 2; stopped++) {
      if (stopped)
        kill(c, SIGSTOP);
      char *argv[] = {(char *)tt_test_bin("tt-test-producer"), "2000000", NULL};
      char *out;
      char *env[] = {NULL};
      /* Let it run stopped for most of its life, then continue the
       * collector so that the lost count reaches the file. */
      pid_t waker = 0;
      if (stopped && (waker = fork()) == 0) {
        sleep_ms(1000);
        kill(c, SIGCONT);
        _exit(0);
      }
      ASSERT_EQ(tt_test_spawn(argv, env, &out, 60), 0);
      if (waker)
        ASSERT_EQ(wait_exit(waker), 0);
      double ns = 0;
      char *k = strstr(out, "cpu_ns_per_event=");
      ASSERT_TRUE(k != NULL);
      ns = atof(k + strlen("cpu_ns_per_event="));
      if (ns < best[stopped])
        best[stopped] = ns;
      /* CPU time does not see a thread blocked in send(): the wall clock
       * does. Blocked on the stopped collector, the loop would last until
       * the SIGCONT a second later; it takes some 20 ms. */
      k = strstr(out, "wall_ms=");
      ASSERT_TRUE(k != NULL);
      if (stopped)
        ASSERT_LE(atol(k + strlen("wall_ms=")), 500);
      /* The exit flush gives up on a collector still stopped: what it
       * could not hand over is counted on stderr instead of in the file. */
      const char *l = strstr(out, " events lost: the collector did not keep up");
      if (l != NULL) {
        while (l > out && l[-1] >= '0' && l[-1] <= '9')
          l--;
        told += atoll(l);
      }
      free(out);
    }
  }
  kill(c, SIGCONT);
  printf("cpu ns/event: collector running %.2f, stopped %.2f\n", best[0], best[1]);
  ASSERT_LE(best[1], best[0] * 1.10);
  /* The last producer may have ended while the collector was still
   * stopped (it no longer waits): its connection is accepted, and its file
   * made, once the collector runs again. Give it that moment. */
  for (int i = 0; i < 1000 && count_files(outdir) < 6; i++)
    sleep_ms(10);
  /* The drops are accounted for in every file: numbered + lost covers all. */
  DIR *d = opendir(outdir);
  struct dirent *e;
  int files = 0, with_lost = 0;
  long long in_files = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", outdir, e->d_name);
    for (int i = 0; i < 500; i++) { /* wait for it to be closed */
      tt_reader *r;
      ASSERT_OK(tt_reader_open(&r, path));
      int cut = tt_reader_truncated(r);
      tt_reader_close(r);
      if (!cut)
        break;
      sleep_ms(10);
    }
    summary s = check_file(path, 1);
    /* Numbered events, gaps covered by lost ones, and the lost at the end
     * (which include the marks: one per 10000) make up all 2000000. */
    in_files += s.next_seq + (long)s.tail_lost;
    ASSERT_LE(s.next_seq + (long)s.tail_lost, 2000000 + 2000000 / 10000 + 2);
    files++;
    with_lost += s.lost > 0;
  }
  closedir(d);
  ASSERT_EQ(files, 6);
  ASSERT_GE(in_files + told, 6LL * 2000000);
  ASSERT_LE(in_files + told, 6LL * (2000000 + 2000000 / 10000 + 2));
  ASSERT_GE(with_lost + (told > 0), 1);
  stop_collector(c);
}

static int connect_raw(void) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strcpy(sa.sun_path, sock);
  ASSERT_OK(connect(fd, (struct sockaddr *)&sa, sizeof sa));
  return fd;
}

/* Garbage and cut streams close only their own connection. */
TEST(garbage_closes_one_connection) {
  pid_t c = start_collector();
  pid_t p = start_producer(300000, 10000, 2000);
  int g1 = connect_raw();
  ASSERT_EQ(write(g1, "GET / HTTP/1.0\r\n\r\n", 18), 18);
  /* A valid hello, then a message cut short. */
  int g2 = connect_raw();
  uint8_t hello[TT__HELLO_SIZE];
  tt__hello_encode(hello, &(tt_proc_info){.pid = 999999, .program = "liar"});
  ASSERT_EQ(write(g2, hello, sizeof hello), 100);
  uint8_t msg[20] = {100, 0, 0, 0};
  ASSERT_EQ(write(g2, msg, sizeof msg), 20);
  /* A valid hello, then a bad record. */
  int g3 = connect_raw();
  ASSERT_EQ(write(g3, hello, sizeof hello), 100);
  uint8_t bad[20] = {16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xEE, 0, 0, 0};
  ASSERT_EQ(write(g3, bad, sizeof bad), 20);
  char b;
  ASSERT_EQ(read(g1, &b, 1), 0); /* closed by the collector */
  ASSERT_EQ(read(g3, &b, 1), 0);
  close(g2);
  close(g1);
  close(g3);
  ASSERT_EQ(wait_exit(p), 0);
  summary s = check_file(wait_closed(p), 1);
  check_all_accounted(&s, 300000);
  ASSERT_GE(s.seq_events, 300000 / 2);
  ASSERT_EQ(kill(c, 0), 0); /* still running */
  stop_collector(c);
}

/* SIGTERM flushes and closes every open file; SIGHUP starts new ones that
 * still resolve the strings defined before. */
TEST(sigterm_and_sighup) {
  pid_t c = start_collector();
  pid_t p = start_producer(0, 10000, 2000);
  sleep_ms(300);
  kill(c, SIGHUP);
  for (int i = 0; i < 300 && file_of(p, "~1.ttrace") == NULL; i++)
    sleep_ms(10);
  ASSERT_TRUE(file_of(p, "~1.ttrace") != NULL);
  sleep_ms(300);
  kill(c, SIGTERM);
  ASSERT_EQ(wait_exit(c), 0);
  char second[512];
  snprintf(second, sizeof second, "%s", file_of(p, "~1.ttrace"));
  summary s2 = check_file_from(second, 1, 1);
  ASSERT_GE(s2.marks, 1); /* "phase" was defined in the first file */
  kill(p, SIGKILL);
  wait_exit(p);
  cleanup();
}

/* SIGTERM while a producer streams as fast as it can: the collector stops
 * at once (a cancelled connection task once went on reading forever) and
 * the file is complete. Three rounds: the race was lost about half the
 * time. */
TEST(sigterm_busy_producer) {
  for (int round = 0; round < 3; round++) {
    pid_t c = start_collector();
    int progress;
    long seen = 0;
    pid_t p = start_producer_watched(0, 0, 0, &progress);
    wait_streaming(p);
    /* Streaming for real: the collector has written events to the file
     * (its size grew past the first flush), and the producer is busy. */
    struct stat st0, st1;
    ASSERT_OK(stat(file_of(p, NULL), &st0));
    for (int64_t end = mono_ns() + PROGRESS_DEADLINE_NS;
         stat(file_of(p, NULL), &st1) == 0 && st1.st_size == st0.st_size && mono_ns() < end;)
      sleep_ms(10);
    ASSERT_TRUE(st1.st_size > st0.st_size);
    wait_progress(progress, &seen, seen + 100 + 50 * round);
    close(progress);
    kill(c, SIGTERM);
    /* "At once" on an idle machine; the bound only catches a collector
     * that never stops, so it is the generous one. */
    int st = 0;
    int64_t end = mono_ns() + PROGRESS_DEADLINE_NS;
    while (waitpid(c, &st, WNOHANG) == 0 && mono_ns() < end)
      sleep_ms(10);
    if (mono_ns() >= end)
      tt_test_fail(__FILE__, __LINE__, "round %d: the collector did not stop within %lld s", round,
                   PROGRESS_DEADLINE_NS / 1000000000LL);
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    summary s = check_file(file_of(p, NULL), 1);
    ASSERT_GE(s.seq_events, 1);
    kill(p, SIGKILL);
    wait_exit(p);
    cleanup();
  }
}

/* A peer of another uid is refused (SO_PEERCRED), even when the file
 * modes would let it in. */
TEST(other_uid_refused) {
  if (geteuid() != 0)
    return; /* needs root to become another uid */
  pid_t c = start_collector();
  char rundir[200];
  snprintf(rundir, sizeof rundir, "%s/run", dir);
  ASSERT_OK(chmod(tt_test_tmpdir(), 0711)); /* the path down to the socket */
  ASSERT_OK(chmod(dir, 0711));
  ASSERT_OK(chmod(rundir, 0711));
  ASSERT_OK(chmod(sock, 0666));
  pid_t child = fork();
  if (child == 0) {
    if (setgid(65534) < 0 || setuid(65534) < 0)
      _exit(10);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, sock);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
      _exit(11);
    char b;
    alarm(2); /* at once, not after the 10 s wait for a hello */
    _exit(read(fd, &b, 1) == 0 ? 0 : 12); /* closed on us */
  }
  ASSERT_EQ(wait_exit(child), 0);
  chmod(sock, 0600);
  stop_collector(c);
}

/* Connect to (or, do_bind, bind and close: a stale socket file, what a
 * collector killed with -9 leaves) the Unix socket at path: 0 or -errno. */
static int unix_socket_at(const char *path, int do_bind) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  ASSERT_TRUE(fd >= 0 && strlen(path) < sizeof sa.sun_path);
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int r = do_bind ? bind(fd, (struct sockaddr *)&sa, sizeof sa)
                  : connect(fd, (struct sockaddr *)&sa, sizeof sa);
  int e = errno;
  close(fd);
  return r < 0 ? -e : 0;
}

/* A new dir with the socket's directory made (0700) before any collector
 * starts, so that a test can watch it or plant names in it; sets sock and
 * outdir as start_collector does. */
static void fresh_run_dir(char *rundir, size_t n) {
  snprintf(dir, sizeof dir, "%s/coll-XXXXXX", tt_test_tmpdir());
  ASSERT_TRUE(mkdtemp(dir) != NULL);
  snprintf(rundir, n, "%s/run", dir);
  ASSERT_OK(mkdir(rundir, 0700));
  snprintf(sock, sizeof sock, "%s/c.sock", rundir);
  snprintf(outdir, sizeof outdir, "%s/out", dir);
}

/* The socket's name appears only once it listens, already 0600: a client
 * that connects the moment it sees the name gets in, and a chmod by the
 * socket's owner then is not undone. The collector bound the real name,
 * then listened, then chmod-ed it: a connect in that window was refused
 * (ECONNREFUSED; other_uid_refused's connect failed so under load, and its
 * chmod 0666 was undone). Watched with inotify, twenty starts. */
TEST(socket_listens_when_it_appears) {
  for (int round = 0; round < 20; round++) {
    char rundir[sizeof dir + 8];
    fresh_run_dir(rundir, sizeof rundir);
    int in = inotify_init1(IN_CLOEXEC);
    ASSERT_TRUE(in >= 0);
    ASSERT_TRUE(inotify_add_watch(in, rundir, IN_CREATE | IN_MOVED_TO) >= 0);
    char *argv[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock, "--dir", outdir,
                    "--quiet", NULL};
    pid_t c = start(argv, 0);
    int seen = 0;
    char buf[4096] __attribute__((aligned(8)));
    for (int64_t end = mono_ns() + PROGRESS_DEADLINE_NS; !seen && mono_ns() < end;) {
      struct pollfd pf = {in, POLLIN, 0};
      if (poll(&pf, 1, 100) <= 0)
        continue;
      ssize_t n = read(in, buf, sizeof buf);
      for (char *q = buf; n > 0 && q < buf + n;) {
        struct inotify_event *e = (struct inotify_event *)q;
        if (e->len > 0 && strcmp(e->name, "c.sock") == 0)
          seen = 1;
        q += sizeof *e + e->len;
      }
    }
    ASSERT_TRUE(seen);
    if (round % 2 == 1) {
      /* A SIGTERM the moment the name appears is a clean stop that takes
       * the name with it (the signals were caught only after the socket
       * appeared: it killed the collector and left the socket). */
      kill(c, SIGTERM);
      ASSERT_EQ(wait_exit(c), 0);
      ASSERT_TRUE(access(sock, F_OK) != 0);
      close(in);
      cleanup();
      continue;
    }
    struct stat st;
    ASSERT_OK(stat(sock, &st));
    ASSERT_EQ(st.st_mode & 0777, 0600);
    int r = unix_socket_at(sock, 0);
    if (r < 0)
      tt_test_fail(__FILE__, __LINE__, "round %d: connect as the name appeared: %s", round,
                   strerror(-r));
    close(in);
    /* Nothing else stays in the directory: the temporary name goes (just
     * after the link that made the real one). */
    int names = 0;
    for (int64_t end = mono_ns() + PROGRESS_DEADLINE_NS; mono_ns() < end; sleep_ms(5)) {
      DIR *d = opendir(rundir);
      ASSERT_TRUE(d != NULL);
      names = 0;
      for (struct dirent *de; (de = readdir(d)) != NULL;)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
          names++;
      closedir(d);
      if (names == 1)
        break;
    }
    ASSERT_EQ(names, 1);
    kill(c, SIGTERM);
    ASSERT_EQ(wait_exit(c), 0);
    ASSERT_TRUE(access(sock, F_OK) != 0); /* and the socket goes with the collector */
    cleanup();
  }
}

/* A second collector on a live collector's socket says so and leaves it
 * alone: the first still takes connections, through the same name. */
TEST(second_collector_refused) {
  pid_t c = start_collector();
  char *out;
  char *argv[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock, "--dir", outdir, NULL};
  ASSERT_EQ(tt_test_spawn(argv, NULL, &out, 30), 1);
  ASSERT_CONTAINS(out, "another collector is listening there");
  free(out);
  ASSERT_EQ(unix_socket_at(sock, 0), 0);
  stop_collector(c);
}

/* Two collectors started at the same moment on one name, with nothing
 * there and over a stale socket: exactly one gets the name and takes
 * connections, the other says why it did not start. */
TEST(simultaneous_collectors_one_wins) {
  for (int round = 0; round < 10; round++) {
    char rundir[sizeof dir + 8], err[2][sizeof dir + 16];
    fresh_run_dir(rundir, sizeof rundir);
    if (round % 2 == 1)
      ASSERT_EQ(unix_socket_at(sock, 1), 0);
    char *argv[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock, "--dir", outdir,
                    "--quiet", NULL};
    pid_t c[2];
    for (int i = 0; i < 2; i++) {
      snprintf(err[i], sizeof err[i], "%s/err%d", dir, i);
      child_stderr = err[i];
      c[i] = start(argv, 0);
    }
    child_stderr = NULL;
    /* The loser exits 1 on its own; the winner runs until told to stop. */
    int loser = -1, st = 0;
    for (int64_t end = mono_ns() + PROGRESS_DEADLINE_NS; loser < 0 && mono_ns() < end;) {
      for (int i = 0; i < 2 && loser < 0; i++)
        if (waitpid(c[i], &st, WNOHANG) == c[i])
          loser = i;
      sleep_ms(5);
    }
    if (loser < 0)
      tt_test_fail(__FILE__, __LINE__, "round %d: both collectors run on one name", round);
    char msg[4096] = "";
    FILE *f = fopen(err[loser], "r");
    if (f != NULL) {
      msg[fread(msg, 1, sizeof msg - 1, f)] = 0;
      fclose(f);
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
      tt_test_fail(__FILE__, __LINE__, "round %d: the loser's status %#x, said: %s", round, st, msg);
    ASSERT_CONTAINS(msg, "another collector is listening there");
    int r = unix_socket_at(sock, 0);
    if (r < 0)
      tt_test_fail(__FILE__, __LINE__, "round %d: the winner is not reachable: %s", round,
                   strerror(-r));
    stop_collector(c[1 - loser]);
  }
}

/* Something else of the user's under the socket's name is left alone, and
 * said. */
TEST(socket_name_taken_by_a_file) {
  char rundir[sizeof dir + 8];
  fresh_run_dir(rundir, sizeof rundir);
  int fd = open(sock, O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(fd >= 0);
  ASSERT_EQ(write(fd, "keep", 4), 4);
  close(fd);
  char *out;
  char *argv[] = {(char *)tt_test_bin("tasktraced"), "--socket", sock, "--dir", outdir, NULL};
  ASSERT_EQ(tt_test_spawn(argv, NULL, &out, 30), 1);
  ASSERT_CONTAINS(out, "c.sock: exists and is not a socket: not replaced");
  free(out);
  struct stat st;
  ASSERT_OK(stat(sock, &st));
  ASSERT_TRUE(S_ISREG(st.st_mode) && st.st_size == 4);
  cleanup();
}

TEST(options_are_checked) {
  char *out;
  char *a1[] = {(char *)tt_test_bin("tasktraced"), "--socket", "/tmp/x.sock", NULL};
  ASSERT_EQ(tt_test_spawn(a1, NULL, &out, 10), 2);
  ASSERT_CONTAINS(out, "--dir DIR is required");
  free(out);
  char *a2[] = {(char *)tt_test_bin("tasktraced"), "--socket", "/tmp/x.sock", "--dir", "/tmp",
                "--level", "12", NULL};
  ASSERT_EQ(tt_test_spawn(a2, NULL, &out, 10), 2);
  ASSERT_CONTAINS(out, "--level: '12' is not a number from 0 to 9");
  free(out);
  char *a3[] = {(char *)tt_test_bin("tasktraced"), "--socket", "/tmp/tt-open-dir.sock", "--dir",
                "/tmp", NULL};
  ASSERT_EQ(tt_test_spawn(a3, NULL, &out, 10), 1);
  ASSERT_CONTAINS(out, "is open to others");
  free(out);
  char *a4[] = {(char *)tt_test_bin("tasktraced"), "--help", NULL};
  ASSERT_EQ(tt_test_spawn(a4, NULL, &out, 10), 0);
  ASSERT_CONTAINS(out, "--flight-recorder");
  free(out);
}

/* The native path's clock (tracer/emit/src/tsc.c: TASKTRACE_CLOCK): with
 * the TSC (forced through the cross-CPU check: this machine's kernel may not
 * use it) and with clock_gettime, events carry CLOCK_MONOTONIC time: within
 * what the test reads around the run, never back, and each of the
 * producer's 3 ms sleeps is at least 3 ms on the trace's clock (a TSC scale
 * that is off by a tenth shows). A bad value is said in one line. */
static void check_clock(const char *path, int64_t t0, int64_t t1, long every) {
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, path));
  tt_trace_event ev;
  uint64_t last = 0, prev_seq_ts = 0;
  long seq = 0, pauses = 0;
  while (tt_reader_next(r, &ev) > 0) {
    ASSERT_GE(ev.ts, (uint64_t)t0);
    ASSERT_LE(ev.ts, (uint64_t)t1);
    ASSERT_GE(ev.ts, last);
    last = ev.ts;
    if (ev.type != TT_EV_lock_released)
      continue;
    ASSERT_EQ(ev.u[0], (uint64_t)seq);
    if (seq > 0 && seq % every == 0) {
      ASSERT_GE(ev.ts - prev_seq_ts, 3000000);
      pauses++;
    }
    prev_seq_ts = ev.ts;
    seq++;
  }
  ASSERT_EQ(seq, 20000);
  ASSERT_EQ(pauses, 19);
  tt_reader_close(r);
}

/* Whether the kernel lists the TSC among its clocksources (tsc.c's first
 * check when TASKTRACE_CLOCK=tsc). */
static int tsc_offered(void) {
  FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/available_clocksource", "r");
  char line[512] = "";
  if (f != NULL) {
    if (fgets(line, sizeof line, f) == NULL)
      line[0] = 0;
    fclose(f);
  }
  for (char *p = strtok(line, " \n"); p != NULL; p = strtok(NULL, " \n"))
    if (strcmp(p, "tsc") == 0)
      return 1;
  return 0;
}

TEST(record_clock) {
  char tmp[300], file[400];
  snprintf(tmp, sizeof tmp, "%s/clk-XXXXXX", tt_test_tmpdir());
  ASSERT_TRUE(mkdtemp(tmp) != NULL);
  snprintf(file, sizeof file, "%s/p.ttrace", tmp);
  unsetenv("TASKTRACE_COLLECTOR");
  char *tasktrace = strdup(tt_test_bin("tasktrace"));
  char *producer = strdup(tt_test_bin("tt-test-producer"));
  char *argv[] = {tasktrace, "record", "-o", file, "--", producer, "20000", "1000", "3000", NULL};
  const char *clocks[] = {"tsc", "monotonic", "auto"};
  for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
    char env[64];
    snprintf(env, sizeof env, "TASKTRACE_CLOCK=%s", clocks[i]);
    char *envp[] = {env, NULL};
    char *out;
    int64_t t0 = mono_ns();
    ASSERT_EQ(tt_test_spawn(argv, envp, &out, 60), 0);
    int64_t t1 = mono_ns();
    if (i == 0 && !tsc_offered())
      /* A kernel that marked the TSC unstable (this boot parameter is
       * seen on some VMs: tsc=unstable) takes it off its list: =tsc must
       * then say why it falls back, and the trace must still be right. */
      ASSERT_CONTAINS(out, "tasktrace: TASKTRACE_CLOCK=tsc: the kernel does not offer the TSC "
                           "as a clocksource (or marked it unstable): using clock_gettime\n");
    else
      ASSERT_TRUE(strstr(out, "TASKTRACE_CLOCK") == NULL);
    free(out);
    check_clock(file, t0, t1, 1000);
    unlink(file);
  }
  char *envp[] = {"TASKTRACE_CLOCK=rdtsc\x1b", NULL};
  char *out;
  ASSERT_EQ(tt_test_spawn(argv, envp, &out, 60), 0);
  ASSERT_CONTAINS(out, "tasktrace: TASKTRACE_CLOCK=rdtsc\\x1b: want auto, tsc or monotonic: "
                       "using auto\n");
  free(out);
  free(producer);
  free(tasktrace);
  unlink(file);
  rmdir(tmp);
}

/* One clock read serves the events whose order is known (issue 14): a
 * contended acquire and the park's switch, a release and the wake of the
 * waiter it hands the lock to, a waiter's switch back in and its
 * lock_acquired carry the same time. */
TEST(record_shares_time_stamps) {
  char tmp[300], file[400];
  snprintf(tmp, sizeof tmp, "%s/shr-XXXXXX", tt_test_tmpdir());
  ASSERT_TRUE(mkdtemp(tmp) != NULL);
  snprintf(file, sizeof file, "%s/p.ttrace", tmp);
  unsetenv("TASKTRACE_COLLECTOR");
  char *tasktrace = strdup(tt_test_bin("tasktrace"));
  char *bench = strdup(tt_test_bin("tasktrace-bench"));
  char *argv[] = {tasktrace, "record", "-o", file, "--", bench, "--quick", "lock_counter", NULL};
  char *out;
  ASSERT_EQ(tt_test_spawn(argv, NULL, &out, 60), 0);
  free(out);
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, file));
  tt_trace_event ev, prev = {0};
  long contended = 0, handoffs = 0, resumed = 0;
  while (tt_reader_next(r, &ev) > 0) {
    if (prev.type == TT_EV_lock_contended) {
      ASSERT_EQ(ev.type, TT_EV_task_switch);
      ASSERT_EQ(ev.u[2], TT_STATE_lock);
      ASSERT_EQ(ev.ts, prev.ts);
      contended++;
    }
    if (prev.type == TT_EV_lock_released && ev.type == TT_EV_task_wake && ev.u[2] == prev.u[0]) {
      ASSERT_EQ(ev.ts, prev.ts);
      handoffs++;
    }
    if (ev.type == TT_EV_lock_acquired && ev.u[2] > 0) {
      ASSERT_EQ(prev.type, TT_EV_task_switch);
      ASSERT_EQ(prev.u[1], ev.u[1]);
      ASSERT_EQ(ev.ts, prev.ts);
      resumed++;
    }
    prev = ev;
  }
  tt_reader_close(r);
  ASSERT_GE(contended, 900); /* --quick: 1000 critical sections, all but the first contended */
  ASSERT_GE(handoffs, 900);
  ASSERT_GE(resumed, 900);
  free(bench);
  free(tasktrace);
  unlink(file);
  rmdir(tmp);
}

/* A thread's events reach the file up to its end: its last buffer, and
 * what other thread-specific destructors emit in the C library's rounds
 * while the tracer's destructor still holds the buffer (it puts itself back
 * until the last round). An event after that is dropped, counted, and the
 * count reaches the file as a lost record of that thread, not a crash on
 * the missing buffer (SIGSEGV before) and not silence (no count before). */
TEST(record_event_after_thread_exit) {
  char tmp[300], file[400];
  snprintf(tmp, sizeof tmp, "%s/late-XXXXXX", tt_test_tmpdir());
  ASSERT_TRUE(mkdtemp(tmp) != NULL);
  snprintf(file, sizeof file, "%s/p.ttrace", tmp);
  unsetenv("TASKTRACE_COLLECTOR");
  char *tasktrace = strdup(tt_test_bin("tasktrace"));
  char *producer = strdup(tt_test_bin("tt-test-producer"));
  char *argv[] = {tasktrace, "record", "-o", file, "--", producer, "late-thread", NULL};
  char *out;
  ASSERT_EQ(tt_test_spawn(argv, NULL, &out, 60), 0);
  ASSERT_CONTAINS(out, "late-thread done");
  ASSERT_CONTAINS(out, "(1 lost)");
  free(out);
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, file));
  tt_trace_event ev;
  uint32_t tid = 0;
  unsigned seen = 0; /* bit k: lock_released with lock = k from the thread */
  uint64_t lost = 0;
  int lost_tid_ok = 0;
  while (tt_reader_next(r, &ev) > 0) {
    if (ev.type == TT_EV_lock_released && ev.u[0] >= 1 && ev.u[0] < 32) {
      if (tid == 0)
        tid = ev.tid;
      ASSERT_EQ(ev.tid, tid);
      seen |= 1u << ev.u[0];
    } else if (ev.type == TT_EV_lost) {
      lost += ev.u[0];
      lost_tid_ok = ev.tid == tid;
    }
  }
  tt_reader_close(r);
  /* lock 1 before the exit; 2..PTHREAD_DESTRUCTOR_ITERATIONS in the
   * destructor's rounds while the tracer still held the buffer; the last
   * round's event is the one lost. */
  unsigned want = 0;
  for (unsigned k = 1; k <= PTHREAD_DESTRUCTOR_ITERATIONS; k++)
    want |= 1u << k;
  ASSERT_EQ(seen, want);
  ASSERT_EQ(lost, 1);
  ASSERT_TRUE(lost_tid_ok);
  free(producer);
  free(tasktrace);
  unlink(file);
  rmdir(tmp);
}

TEST(record_and_dump) {
  char tmp[300], file[400];
  snprintf(tmp, sizeof tmp, "%s/rec-XXXXXX", tt_test_tmpdir());
  ASSERT_TRUE(mkdtemp(tmp) != NULL);
  snprintf(file, sizeof file, "%s/p.ttrace", tmp);
  unsetenv("TASKTRACE_COLLECTOR");
  char *out;
  /* tt_test_bin returns a static buffer: copy before the second call. */
  char *tasktrace = strdup(tt_test_bin("tasktrace"));
  char *argv[] = {tasktrace, "record", "-o", file, "--", (char *)tt_test_bin("tt-test-producer"),
                  "30000", NULL};
  ASSERT_EQ(tt_test_spawn(argv, NULL, &out, 60), 0);
  ASSERT_CONTAINS(out, "tasktrace record: wrote");
  free(out);
  summary s = check_file(file, 1);
  ASSERT_EQ(s.seq_events, 30000);
  char *dump[] = {tasktrace, "dump", file, NULL};
  ASSERT_EQ(tt_test_spawn(dump, NULL, &out, 60), 0);
  ASSERT_CONTAINS(out, "lock_released: { lock = 29999, task = 1, hold_ns = 7 }");
  ASSERT_CONTAINS(out, "mark: { task = 1, name = \"phase\" }");
  ASSERT_CONTAINS(out, "task_switch: { prev = 0, next = 1, prev_state = start, object = 0 }");
  free(out);
  /* The exit status is forwarded. */
  char *f[] = {tasktrace, "record", "-o", file, "--", "/bin/sh", "-c", "exit 3", NULL};
  ASSERT_EQ(tt_test_spawn(f, NULL, &out, 60), 3);
  free(out);
  /* An output that is not a regular file is refused before the program
   * runs (a full disk is test_collector_security's sighup_full_disk). */
  char *full[] = {tasktrace, "record", "-o", "/dev/full", "--",
                  (char *)tt_test_bin("tt-test-producer"), "1000", NULL};
  ASSERT_EQ(tt_test_spawn(full, NULL, &out, 60), 1);
  ASSERT_CONTAINS(out, "tasktrace record: -o /dev/full: not a regular file");
  free(out);
  free(tasktrace);
  unlink(file);
  rmdir(tmp);
}
