/* Stack overflows (issue 8, item 10): a frame larger than a page must hit
 * the guard page (-fstack-clash-protection) instead of writing into another
 * task's stack, and the crash flush must run on a signal stack of its own
 * so that the events before the overflow are handed over, debug mode or
 * not. The program is recorded for real (tasktrace record) and the file
 * read back with tasktrace dump. */
#include <signal.h>

#include "tt_test.h"

static int record(const char *mode, const char *out_file, char **out) {
  char tt[4200], prog[4200]; /* tt_test_bin returns one static buffer */
  snprintf(tt, sizeof tt, "%s", tt_test_bin("tasktrace"));
  snprintf(prog, sizeof prog, "%s", tt_test_bin("tt-overflow-prog"));
  char *argv[] = {tt, "record", "--quiet", "-o", (char *)out_file, "--", prog, (char *)mode, NULL};
  return tt_test_spawn(argv, NULL, out, 60);
}

static char *dump(const char *file) {
  char *argv[] = {(char *)tt_test_bin("tasktrace"), "dump", (char *)file, NULL};
  char *out;
  tt_test_spawn(argv, NULL, &out, 60);
  return out;
}

TEST(overflow_hits_guard_and_flushes) {
  char file[4200], *out;
  snprintf(file, sizeof file, "%s/big.ttrace", tt_test_tmpdir());
  int st = record("big", file, &out);
#ifdef TT_SANITIZE
  ASSERT_NE(st, 0);
#else
  if (st != 128 + SIGSEGV) /* died of the overflow ... */
    tt_test_fail(__FILE__, __LINE__, "status %d, not SIGSEGV:\n%s", st, out);
#endif
  ASSERT_TRUE(strstr(out, "canary") == NULL); /* ... not after another task's stack */
  free(out);
  char *d = dump(file);
  ASSERT_CONTAINS(d, "before-overflow"); /* the crash flush ran */
  free(d);
}

TEST(overflow_debug_names_task) {
  char *argv[] = {(char *)tt_test_bin("tt-overflow-prog"), "big", NULL};
  char *env[] = {"TASKTRACE_DEBUG=1", NULL};
  char *out;
  int st = tt_test_spawn(argv, env, &out, 60);
#ifdef TT_SANITIZE
  ASSERT_NE(st, 0);
#else
  ASSERT_EQ(st, 128 + SIGSEGV);
#endif
  ASSERT_CONTAINS(out, "tasktrace: stack overflow: task 'overflower' (id ");
  ASSERT_CONTAINS(out, "overflowed its 16 KiB stack");
  free(out);
}

/* Item 9 (the producer's part): the image before an exec hands its buffer
 * over first. Which file each image lands in is the collector's business:
 * look in all of them. */
#include <glob.h>

TEST(exec_flushes_first) {
  char file[4200], pat[4300], *out;
  snprintf(file, sizeof file, "%s/ex.ttrace", tt_test_tmpdir());
  ASSERT_EQ(record("exec", file, &out), 0);
  free(out);
  snprintf(pat, sizeof pat, "%s/ex*.ttrace", tt_test_tmpdir());
  glob_t g;
  ASSERT_EQ(glob(pat, 0, NULL, &g), 0);
  int before = 0, after = 0;
  for (size_t i = 0; i < g.gl_pathc; i++) {
    char *d = dump(g.gl_pathv[i]);
    before += strstr(d, "name = \"before-exec\"") != NULL;
    after += strstr(d, "name = \"after-exec\"") != NULL;
    free(d);
  }
  globfree(&g);
  ASSERT_EQ(after, 1);
  ASSERT_EQ(before, 1);
}

/* Past the guarded-stack budget, tasks get dense stacks (no guard page):
 * debug mode says how many, once; without debug mode nothing is said. */
TEST(dense_stacks_said_in_debug_mode) {
  char *argv[] = {(char *)tt_test_bin("tt-overflow-prog"), "dense", NULL};
  char *env[] = {"TASKTRACE_DEBUG=1", NULL};
  char *out;
  ASSERT_EQ(tt_test_spawn(argv, env, &out, 60), 0);
  const char *msg = " tasks use dense stacks without guard pages (vm.max_map_count budget "
                    "reached); an overflow there is not caught\n";
  const char *p = strstr(out, msg);
  ASSERT_TRUE(p != NULL);
  ASSERT_TRUE(strstr(p + 1, msg) == NULL); /* once */
  ASSERT_CONTAINS(out, "tasktrace: debug: ");
  const char *num = strstr(out, "tasktrace: debug: ") + strlen("tasktrace: debug: ");
  ASSERT_GE(atol(num), 1);
  ASSERT_LE(atol(num), atol(strstr(out, "tasks=") + 6));
  free(out);
  char *env0[] = {NULL};
  ASSERT_EQ(tt_test_spawn(argv, env0, &out, 60), 0);
  ASSERT_TRUE(strstr(out, "dense stacks") == NULL);
  free(out);
}
