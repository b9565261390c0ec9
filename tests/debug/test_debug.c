/* Debug mode (TASKTRACE_DEBUG=1): every check, by its exact message. Each
 * test runs tt-debug-prog MODE as a real child process and matches its
 * stderr line by line; call sites are found by their tags in debug_prog.c,
 * and `*` in an expected line stands for a number that varies (an id, a
 * duration, an address). */
#include <signal.h>
#include <stdlib.h>

#include <tasktrace/tasktrace.h>

#include "tt_test.h"

#define PROG_SRC "tests/debug/debug_prog.c"

/* "tests/debug/debug_prog.c:N" for the line tagged `@tag`. */
static const char *site(const char *tag) {
  static char bufs[16][96];
  static int next;
  char path[4096], needle[64], line[512];
  const char *src = getenv("TT_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/" PROG_SRC, src ? src : ".");
  snprintf(needle, sizeof needle, "/* @%s */", tag);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    tt_test_fail(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
  for (int n = 1; fgets(line, sizeof line, f) != NULL; n++)
    if (strstr(line, needle) != NULL) {
      fclose(f);
      char *b = bufs[next++ % 16];
      snprintf(b, 96, PROG_SRC ":%d", n);
      return b;
    }
  tt_test_fail(__FILE__, __LINE__, "no tag @%s in %s", tag, path);
}

/* Does `s` (one line) match `pat`, where '*' matches any run of characters? */
static int glob(const char *pat, const char *s, const char *end) {
  if (*pat == '\0')
    return s == end;
  if (*pat == '*') {
    for (const char *p = s; p <= end; p++)
      if (glob(pat + 1, p, end))
        return 1;
    return 0;
  }
  return s < end && *pat == *s && glob(pat + 1, s + 1, end);
}

/* Some line of out matches pat exactly (with '*' wildcards). */
static int has_line(const char *out, const char *pat) {
  for (const char *l = out; *l != '\0';) {
    const char *nl = strchr(l, '\n');
    const char *end = nl ? nl : l + strlen(l);
    if (glob(pat, l, end))
      return 1;
    if (nl == NULL)
      break;
    l = nl + 1;
  }
  return 0;
}

#define ASSERT_LINE(out, ...)                                                                      \
  do {                                                                                             \
    char pat_[1024];                                                                               \
    snprintf(pat_, sizeof pat_, __VA_ARGS__);                                                      \
    if (!has_line((out), pat_))                                                                    \
      tt_test_fail(__FILE__, __LINE__, "no line matches\n  %s\nin:\n%s", pat_, (out));             \
  } while (0)

/* Run tt-debug-prog mode with TASKTRACE_DEBUG=1 and the extra env entries. */
static int run(const char *mode, char *const extra[], char **out) {
  char *argv[] = {(char *)tt_test_bin("tt-debug-prog"), (char *)mode, NULL};
  char *env[8] = {"TASKTRACE_DEBUG=1"};
  int n = 1;
  for (int i = 0; extra != NULL && extra[i] != NULL && n < 7; i++)
    env[n++] = extra[i];
  env[n] = NULL;
  return tt_test_spawn(argv, env, out, 30);
}

static int count(const char *out, const char *needle) {
  int n = 0;
  for (const char *p = out; (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

static char *slow50[] = {"TASKTRACE_SLOW_MS=50", NULL};

TEST(slow_step) {
  char *out;
  ASSERT_EQ(run("slow-step", slow50, &out), 0);
  ASSERT_LINE(out,
              "tasktrace: slow step: task 'hog' (id *, spawned at %s) ran * ms without yielding "
              "(TASKTRACE_SLOW_MS=50), from %s to %s",
              site("hog_spawn"), site("hog_from"), site("hog_to"));
  /* One message: the iteration check does not repeat it. */
  ASSERT_EQ(count(out, "tasktrace:"), 1);
  free(out);
}

/* Debug mode off: the same program says nothing. */
TEST(off_by_default) {
  char *argv[] = {(char *)tt_test_bin("tt-debug-prog"), "slow-step", NULL};
  char *env[] = {"TASKTRACE_SLOW_MS=50", "TASKTRACE_DEBUG=0", NULL};
  char *out;
  ASSERT_EQ(tt_test_spawn(argv, env, &out, 30), 0);
  ASSERT_EQ(count(out, "tasktrace:"), 0);
  free(out);
}

TEST(slow_callback) {
  char *out;
  ASSERT_EQ(run("slow-callback", slow50, &out), 0);
  ASSERT_LINE(out,
              "tasktrace: slow callback: * 0x*, scheduled with tt_loop_call_threadsafe at %s, "
              "ran * ms on the loop thread (TASKTRACE_SLOW_MS=50)",
              site("cb_site"));
  ASSERT_EQ(count(out, "tasktrace:"), 1);
  free(out);
}

TEST(slow_iteration) {
  char *out;
  ASSERT_EQ(run("slow-iteration", slow50, &out), 0);
  ASSERT_LINE(out,
              "tasktrace: slow loop iteration: steps and callbacks ran * ms together before the "
              "loop could poll for I/O again (TASKTRACE_SLOW_MS=50): * task step(s), the longest "
              "* ms by task 'busy' (id *, spawned at %s)",
              site("busy_spawn"));
  ASSERT_EQ(count(out, "slow step"), 0);
  free(out);
}

TEST(wrong_thread) {
  char *out;
  ASSERT_EQ(run("wrong-thread", NULL, &out), 0);
  ASSERT_LINE(out,
              "tasktrace: wrong thread: tt_lock_release('L') at %s was called from a thread that "
              "does not run the object's loop: refused (-EPERM); use tt_loop_call_threadsafe()",
              site("wrong_site"));
  ASSERT_LINE(out, "result=%d", -EPERM);
  free(out);
}

TEST(failure_never_retrieved) {
  char *out;
  ASSERT_EQ(run("unretrieved", NULL, &out), 0);
  ASSERT_LINE(out,
              "tasktrace: failure never retrieved: task 'failer' (id *, spawned at %s) failed with "
              "%d (%s) and nobody joined it to get its result",
              site("failer_spawn"), -EIO, tt_strerror(-EIO));
  ASSERT_EQ(count(out, "joined-failer"), 0); /* joined: its result was retrieved */
  free(out);
}

TEST(pending_at_shutdown) {
  char *out;
  ASSERT_EQ(run("pending", NULL, &out), 0);
  ASSERT_LINE(out,
              "tasktrace: task pending at shutdown: task 'sleeper' (id *, spawned at %s) sleeps "
              "at %s (for * ms); main returned, so it is cancelled",
              site("sleeper_spawn"), site("sleeper_wait"));
  ASSERT_LINE(out,
              "tasktrace: task pending at shutdown: task 'locker' (id *, spawned at %s) waits for "
              "lock 'L' (held by task 'main', id 1, which has finished without releasing it) at %s "
              "(for * ms); main returned, so it is cancelled",
              site("locker_spawn"), site("locker_wait"));
  free(out);
}

/* The wait reasons' words and named objects come from the schema
 * (TT_STATES): a task in tt_queue_join is reported with the queue's name,
 * by the pending-at-shutdown check and by the deadlock report alike. */
TEST(queue_join_named) {
  char *out;
  ASSERT_EQ(run("queue-join", NULL, &out), 0);
  ASSERT_LINE(out,
              "tasktrace: task pending at shutdown: task 'joiner' (id *, spawned at %s) waits to "
              "join queue 'jobs' at %s (for * ms); main returned, so it is cancelled",
              site("joiner_spawn"), site("queue_join_wait"));
  free(out);
  ASSERT_NE(run("queue-join-deadlock", NULL, &out), 0);
  ASSERT_LINE(out, "  task 'joiner' (id *, spawned at %s) waits to join queue 'jobs' at %s that no "
                   "task can signal",
              site("joiner_spawn"), site("queue_join_wait"));
  ASSERT_LINE(out, "tt_run=%d", -EDEADLK);
  free(out);
}

TEST(deadlock_graph) {
  char *out;
  ASSERT_NE(run("deadlock", NULL, &out), 0);
  ASSERT_LINE(out, "tasktrace: deadlock: 3 task(s) blocked, none can run and nothing is pending "
                   "on the loop; wait-for graph:");
  ASSERT_LINE(out, "  task 'ab' (id *, spawned at %s) waits for lock 'L2' at %s held by task 'ba' (id *)",
              site("ab_spawn"), site("ab_wait"));
  ASSERT_LINE(out, "  task 'ba' (id *, spawned at %s) waits for lock 'L1' at %s held by task 'ab' (id *)",
              site("ba_spawn"), site("ba_wait"));
  ASSERT_LINE(out, "tt_run=%d", -EDEADLK);
  free(out);
}

/* Issue 10 item 9: the seeded scheduler's extra yield at a blocking call
 * must not cost the report that call's site. */
TEST(deadlock_sites_under_seeds) {
  int deadlocked = 0;
  for (int seed = 1; seed <= 24; seed++) {
    char env_seed[48];
    snprintf(env_seed, sizeof env_seed, "TASKTRACE_SCHED_SEED=%d", seed);
    char *extra[] = {env_seed, NULL};
    char *out;
    run("deadlock", extra, &out);
    if (strstr(out, "tasktrace: deadlock:") != NULL) {
      deadlocked++;
      ASSERT_LINE(out, "  task 'ab' (id *, spawned at %s) waits for lock 'L2' at %s held by task 'ba' (id *)",
                  site("ab_spawn"), site("ab_wait"));
      ASSERT_LINE(out, "  task 'ba' (id *, spawned at %s) waits for lock 'L1' at %s held by task 'ab' (id *)",
                  site("ba_spawn"), site("ba_wait"));
    }
    free(out);
  }
  ASSERT_GE(deadlocked, 12); /* the program deadlocks whatever the seed */
}

/* Issue 10 items 6, 8: the header counts the tasks it lists (not the
 * finished one nobody joined), and a lock whose holder finished says so. */
TEST(deadlock_holder_finished) {
  char *out;
  ASSERT_NE(run("deadlock-done", NULL, &out), 0);
  ASSERT_LINE(out, "tasktrace: deadlock: 2 task(s) blocked, none can run and nothing is pending "
                   "on the loop; wait-for graph:");
  ASSERT_LINE(out, "  task 'waiter' (id *, spawned at *) waits for lock 'L' at %s held by task "
                   "'quitter' (id *), which has finished without releasing it",
              site("done_wait"));
  ASSERT_EQ(count(out, "\n  task '"), 2);
  free(out);
}

TEST(lock_held_and_waited) {
  char *out;
  char *env[] = {"TASKTRACE_LOCK_MS=50", NULL};
  ASSERT_EQ(run("lock-held", env, &out), 0);
  ASSERT_LINE(out,
              "tasktrace: lock held too long: lock 'L' was held for * ms by task 'slowpoke' (id *, "
              "spawned at %s), released at %s (TASKTRACE_LOCK_MS=50)",
              site("slowpoke_spawn"), site("release_site"));
  ASSERT_LINE(out,
              "tasktrace: lock waited for too long: task 'patient' (id *, spawned at %s) waited * "
              "ms for lock 'L' at %s (held by task id * when it asked) and got it "
              "(TASKTRACE_LOCK_MS=50)",
              site("patient_spawn"), site("patient_wait"));
  free(out);
}

TEST(lock_ms_validated) {
  char *out;
  char *env[] = {"TASKTRACE_LOCK_MS=soon", NULL};
  ASSERT_NE(run("lock-held", env, &out), 0);
  ASSERT_LINE(out, "tasktrace: TASKTRACE_LOCK_MS='soon': expected a whole number of milliseconds "
                   "from 1 to 86400000");
  free(out);
}

TEST(stack_overflow) {
  char *out;
  int st = run("overflow", NULL, &out);
#ifdef TT_SANITIZE
  ASSERT_NE(st, 0); /* our message, then ASan's own report and exit status */
#else
  ASSERT_EQ(st, 128 + SIGSEGV); /* and then the process dies of the signal */
#endif
  ASSERT_LINE(out,
              "tasktrace: stack overflow: task 'deep' (id *, spawned at %s) overflowed its 64 KiB "
              "stack (fault at 0x*, in its guard page); give it a bigger one with "
              "tt_spawn_opts.stack_size",
              site("deep_spawn"));
  free(out);
}

TEST(sigquit_dump) {
  char *out;
  ASSERT_EQ(run("sigquit", NULL, &out), 0);
  ASSERT_LINE(out, "tasktrace: SIGQUIT: 3 task(s) on the loop of process *:");
  ASSERT_LINE(out, "*id  state*for  name*spawned at*where");
  ASSERT_LINE(out, "* 1  parked * ms  main *tt_run *sleeps at %s", site("main_wait"));
  ASSERT_LINE(out, "* parked * ms  napper *%s *sleeps at %s", site("napper_spawn"),
              site("napper_wait"));
  ASSERT_LINE(out, "* parked * ms  blocked *%s *waits for event 'E' at %s", site("blocked_spawn"),
              site("blocked_wait"));
  free(out);
}

/* Issue 10 item 14: a dump taken while the loop sleeps in its poll is not
 * followed by a false slow-iteration report. */
static char *slow20[] = {"TASKTRACE_SLOW_MS=20", NULL};
TEST(sigquit_idle_not_slow) {
  char *out;
  ASSERT_EQ(run("sigquit-idle", slow20, &out), 0);
  ASSERT_LINE(out, "tasktrace: SIGQUIT: 1 task(s) on the loop of process *:");
  ASSERT_EQ(count(out, "slow loop iteration"), 0);
  free(out);
}
