/* Schedule files (runtime/src/policy.c): loading one costs time linear in
 * its size, whatever the allocator. A run that explore kills as a hang
 * leaves millions of decisions (about a million a second under virtual
 * time), and its replay (confirming it, tracing it) must start making them
 * within explore's --timeout: growing the array by a fixed step copied it
 * once per step, which glibc hides by moving the pages (mremap) but ASan's
 * allocator (and others) do not: 7 s to load a killed hang's file, so its
 * traced replay was stopped before its first task ran (explore.hang and
 * explore.schedule_killed under scripts/test.sh --asan).
 *
 * The program is linked with -Wl,--wrap=realloc (CMakeLists.txt): what
 * counts is the bytes every realloc may copy, not the time, so the check
 * holds on a loaded machine and under the sanitizers and valgrind. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <tasktrace/tasktrace.h>

#include "tt_test.h"

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static size_t realloc_bytes; /* the sizes asked of realloc: at most what it copies */

void *__wrap_realloc(void *p, size_t n) {
  realloc_bytes += n;
  return __real_realloc(p, n);
}

static int main_nothing(void *arg) {
  (void)arg;
  return 0;
}

/* A million yield decisions (a killed hang's file is of this size): the
 * array's growth and the file's reading copy a few times the file, not
 * the thousands of times a fixed step of 1024 decisions made it. */
TEST(load_is_linear) {
  const size_t n = 1000000;
  char path[] = "/tmp/tt-schedule-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  FILE *f = fdopen(fd, "w");
  ASSERT_TRUE(f != NULL);
  fputs("tasktrace-schedule 1\n# policy pct\n", f);
  for (size_t i = 0; i < n; i++)
    fputs("y 0\n", f);
  long size = ftell(f);
  ASSERT_EQ(fclose(f), 0);
  /* Lenient: the run makes none of them, and does not diverge for it. */
  setenv("TASKTRACE_SCHEDULE", path, 1);
  setenv("TASKTRACE_SCHEDULE_LENIENT", "1", 1);
  realloc_bytes = 0;
  int r = tt_run(main_nothing, NULL);
  size_t copied = realloc_bytes;
  unsetenv("TASKTRACE_SCHEDULE");
  unsetenv("TASKTRACE_SCHEDULE_LENIENT");
  unlink(path);
  ASSERT_EQ(r, 0);
  /* Doubling: the decisions (16 bytes each) twice over, the file twice:
   * about 10 times the file's 4 bytes a decision. A fixed step: 2000. */
  ASSERT_LE(copied, 32 * (size_t)size);
}
