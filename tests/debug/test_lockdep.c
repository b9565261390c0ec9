/* Lock-order inversions (debug mode, runtime/src/lockdep.c): each test
 * runs tt-lockdep-prog MODE as a real child and matches its stderr; no
 * mode deadlocks (FIFO order runs the tasks one after the other), so only
 * the order graph can find the inversion. Sites are found by their tags
 * in lockdep_prog.c; `*` in an expected line stands for an id. */
#include <stdlib.h>

#include "tt_test.h"

#define PROG_SRC "tests/debug/lockdep_prog.c"

static const char *site(const char *tag) { return tt_test_site(PROG_SRC, tag); }

static int run(const char *mode, const char *debug, char **out) {
  char *argv[] = {(char *)tt_test_bin("tt-lockdep-prog"), (char *)mode, NULL};
  char *env[] = {(char *)debug, NULL};
  return tt_test_spawn(argv, env, out, 30);
}

static int count(const char *out, const char *needle) {
  int n = 0;
  for (const char *p = out; (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

TEST(inversion_fifo_never_deadlocks) {
  char *out;
  ASSERT_EQ(run("inversion", "TASKTRACE_DEBUG=1", &out), 0);
  ASSERT_LINE(out,
              "tasktrace: lock-order inversion: task 'b' (id *, spawned at %s) takes lock 'L1' at "
              "%s while holding lock 'L2' (taken at %s), but the opposite order was seen before:",
              site("b_spawn"), site("b_take"), site("b_held"));
  ASSERT_LINE(out,
              "  task 'a' (id *, spawned at %s) took lock 'L2' at %s while holding lock 'L1' "
              "(taken at %s)",
              site("a_spawn"), site("a_take"), site("a_held"));
  ASSERT_LINE(out, "  cycle: 'L2' -> 'L1' -> 'L2'; in another schedule each task can hold its "
                   "first lock and wait for the next: a deadlock, even if this run did not "
                   "deadlock");
  ASSERT_EQ(count(out, "lock-order inversion"), 1); /* b does it twice: one cycle, one report */
  ASSERT_CONTAINS(out, "tt_run=0");
  free(out);
}

TEST(inversion_needs_debug_mode) {
  char *out;
  ASSERT_EQ(run("inversion", "TASKTRACE_DEBUG=0", &out), 0);
  ASSERT_EQ(count(out, "lock-order inversion"), 0);
  free(out);
}

TEST(consistent_order_not_reported) {
  char *out;
  ASSERT_EQ(run("consistent", "TASKTRACE_DEBUG=1", &out), 0);
  ASSERT_EQ(count(out, "tasktrace:"), 0);
  ASSERT_CONTAINS(out, "tt_run=0");
  free(out);
}

TEST(retaken_with_nothing_held_not_reported) {
  char *out;
  ASSERT_EQ(run("retake", "TASKTRACE_DEBUG=1", &out), 0);
  ASSERT_EQ(count(out, "tasktrace:"), 0);
  free(out);
}

TEST(try_acquire_orders_nothing) {
  char *out;
  ASSERT_EQ(run("trylock", "TASKTRACE_DEBUG=1", &out), 0);
  ASSERT_EQ(count(out, "tasktrace:"), 0);
  free(out);
}

TEST(cycle_of_three) {
  char *out;
  ASSERT_EQ(run("three", "TASKTRACE_DEBUG=1", &out), 0);
  ASSERT_LINE(out,
              "tasktrace: lock-order inversion: task 'z' (id *, spawned at *) takes lock 'L1' at "
              "%s while holding lock 'L3' (taken at %s), but the opposite order was seen before:",
              site("z_take"), site("z_held"));
  ASSERT_LINE(out, "  task 'x' (id *, spawned at *) took lock 'L2' at %s while holding lock 'L1' "
                   "(taken at %s)",
              site("x_take"), site("x_held"));
  ASSERT_LINE(out, "  task 'y' (id *, spawned at *) took lock 'L3' at %s while holding lock 'L2' "
                   "(taken at %s)",
              site("y_take"), site("y_held"));
  ASSERT_LINE(out, "  cycle: 'L3' -> 'L1' -> 'L2' -> 'L3'; *");
  ASSERT_EQ(count(out, "lock-order inversion"), 1);
  free(out);
}

/* The inversion is an event of the trace too: recorded for real, and
 * `tasktrace summary` lists it. */
TEST(inversion_in_trace_summary) {
  char tt[4200], prog[4200], file[4200], *out;
  snprintf(tt, sizeof tt, "%s", tt_test_bin("tasktrace"));
  snprintf(prog, sizeof prog, "%s", tt_test_bin("tt-lockdep-prog"));
  snprintf(file, sizeof file, "%s/inv.ttrace", tt_test_tmpdir());
  char *argv[] = {tt, "record", "--quiet", "-o", file, "--", prog, "inversion", NULL};
  char *env[] = {"TASKTRACE_DEBUG=1", NULL};
  ASSERT_EQ(tt_test_spawn(argv, env, &out, 60), 0);
  free(out);
  char *sum[] = {tt, "summary", file, NULL};
  ASSERT_EQ(tt_test_spawn(sum, NULL, &out, 60), 0);
  ASSERT_LINE(out, "lock-order inversions: 1");
  ASSERT_LINE(out, "  * 'b' (id *) inverts the order of 'a' (id *): 'L1' at %s holding 'L2' (taken at %s); "
                   "opposite: 'L2' at %s holding 'L1' (taken at %s)",
              site("b_take"), site("b_held"), site("a_take"), site("a_held"));
  free(out);
}
