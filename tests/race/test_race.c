/* The race detector, end to end: programs built with tasktrace-cc run as
 * child processes with no seed (FIFO); their stderr is matched line by
 * line. Expected lines are computed from the sources (a line's text, or a
 * tag comment in race_prog.c), so an edit of the examples moves them. */
#include <stdlib.h>

#include "tt_test.h"

/* "FILE:N" (FILE relative to the source tree) of the nth line holding text. */
static const char *line_of(const char *file, const char *text, int nth) {
  static char bufs[16][160];
  static int next;
  char path[4096], line[512];
  const char *src = getenv("TT_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/%s", src ? src : ".", file);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    tt_test_fail(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
  for (int n = 1; fgets(line, sizeof line, f) != NULL; n++)
    if (strstr(line, text) != NULL && --nth == 0) {
      fclose(f);
      char *b = bufs[next++ % 16];
      snprintf(b, 160, "%s:%d", file, n);
      return b;
    }
  tt_test_fail(__FILE__, __LINE__, "no line with '%s' in %s", text, path);
}

static int count(const char *out, const char *s) {
  int n = 0;
  for (const char *p = out; (p = strstr(p, s)) != NULL; p++)
    n++;
  return n;
}

/* Run build/tests/race/prog [arg] with the extra environment entries. */
static int run(const char *prog, const char *arg, char *const env[], char **out) {
  char path[4096];
  snprintf(path, sizeof path, "%s/../tests/race/%s", getenv("TT_BIN_DIR"), prog);
  char *argv[] = {path, (char *)arg, NULL};
  return tt_test_spawn(argv, env, out, 30);
}

/* prog's report: the kind and variable, R and W' by their text. */
static void expect_race(const char *prog, const char *head, const char *r, const char *w2,
                        const char *fn) {
  char *out, src[64];
  snprintf(src, sizeof src, "examples/%s.c", prog);
  ASSERT_EQ(run(prog, NULL, NULL, &out), 66);
  ASSERT_LINE(out, "tasktrace: race: %s (observed)", head);
  ASSERT_LINE(out, "    read it at */%s (%s)", line_of(src, r, 1), fn);
  ASSERT_LINE(out, "  then the first task wrote it at */%s (%s)*", line_of(src, w2, 1), fn);
  ASSERT_LINE(out, "  task '*' (id *, spawned at */examples/%s.c:*)", prog);
  free(out);
}

TEST(counter) {
  expect_race("counter", "lost update on 'counter'", "int v = counter;", "counter = v + 1;",
              "increment");
  char *out;
  run("counter", NULL, NULL, &out);
  ASSERT_LINE(out, "    yielded at */%s", line_of("examples/counter.c", "EX_CHECK(tt_yield())", 1));
  ASSERT_LINE(out, "    wrote it at */%s (increment)", line_of("examples/counter.c", "counter = v + 1;", 1));
  ASSERT_EQ(count(out, "tasktrace: race:"), 1); /* each distinct race once */
  free(out);
}

TEST(bank) {
  expect_race("bank", "stale check on 'balance'", "if (balance >= amount)", "balance -= amount;",
              "withdraw");
  char *out;
  run("bank", NULL, NULL, &out);
  ASSERT_LINE(out, "    yielded at */%s", line_of("examples/bank.c", "EX_CHECK(tt_sleep_ms(1))", 1));
  free(out);
}

TEST(cache) {
  expect_race("cache", "lost update on 'entry'", "if (entry.state == PRESENT)",
              "entry.state = PRESENT;", "cache_get");
}

TEST(pipeline) {
  expect_race("pipeline", "lost update on 'count'", "int n = count;", "count = n + 1;",
              "producer");
  char *out;
  run("pipeline", NULL, NULL, &out);
  ASSERT_LINE(out, "    read it at */%s (consumer)", line_of("examples/pipeline.c", "int n = count;", 2));
  ASSERT_LINE(out, "  then the first task wrote it at */%s (consumer)*",
              line_of("examples/pipeline.c", "count = n - 1;", 1));
  free(out);
}

TEST(fixed_versions_report_nothing) {
  const char *progs[] = {"counter", "bank", "cache", "pipeline", "gate"};
  for (int i = 0; i < 5; i++) {
    char *out;
    int rc = run(progs[i], "--fixed", NULL, &out);
    if (rc != 0 || strstr(out, "tasktrace: race") != NULL)
      tt_test_fail(__FILE__, __LINE__, "%s --fixed: status %d:\n%s", progs[i], rc, out);
    free(out);
  }
}

/* gate is an ordering race (a task runs before set-up is done): no read
 * then write of one variable across a yield, so out of scope (docs/race.md). */
TEST(gate_is_an_ordering_race) {
  char *out;
  ASSERT_EQ(run("gate", NULL, NULL, &out), 1);
  ASSERT_TRUE(strstr(out, "tasktrace: race") == NULL);
  free(out);
}

TEST(exit_code) {
  char *out;
  char *keep[] = {"TASKTRACE_RACE_EXITCODE=0", NULL};
  ASSERT_EQ(run("counter", NULL, keep, &out), 1); /* the program's own status */
  ASSERT_LINE(out, "tasktrace: race: lost update on 'counter' (observed)");
  free(out);
  char *seven[] = {"TASKTRACE_RACE_EXITCODE=7", NULL};
  ASSERT_EQ(run("counter", NULL, seven, &out), 7);
  free(out);
}

TEST(negatives) {
  const char *modes[] = {"single", "locked", "atomics", "one_writer", "handoff",
                         "handoff_step", "predict_after_benign"};
  for (int i = 0; i < 7; i++) {
    char *out;
    int rc = run("race_prog", modes[i], NULL, &out);
    if (rc != 0 || strstr(out, "tasktrace: race") != NULL)
      tt_test_fail(__FILE__, __LINE__, "race_prog %s: status %d:\n%s", modes[i], rc, out);
    free(out);
  }
}

static void expect_predicted(const char *mode, const char *w_tag, const char *w_fn) {
  const char *src = "tests/race/race_prog.c";
  char *out;
  ASSERT_EQ(run("race_prog", mode, NULL, &out), 66);
  ASSERT_LINE(out, "tasktrace: race: lost update on 'x' (predicted*");
  ASSERT_LINE(out, "    read it at */%s (update)", line_of(src, "/* @R */", 1));
  ASSERT_LINE(out, "    yielded at */%s", line_of(src, "/* @Y */", 1));
  ASSERT_LINE(out, "    wrote it at */%s (%s), not ordered*", line_of(src, w_tag, 1), w_fn);
  ASSERT_LINE(out, "  then the first task wrote it at */%s (update)*", line_of(src, "/* @W2 */", 1));
  ASSERT_EQ(count(out, "tasktrace: race:"), 1);
  free(out);
}

/* A race on heap memory is named by the block's size and allocation site
 * (the wrapped malloc), with the offset of the field. */
TEST(heap_block_named_by_allocation_site) {
  const char *src = "tests/race/race_prog.c";
  char *out;
  ASSERT_EQ(run("race_prog", "heap", NULL, &out), 66);
  ASSERT_LINE(out, "tasktrace: race: lost update on 'heap block of 16 bytes allocated at */%s "
                   "(in new_account)' (+8) (observed)",
              line_of(src, "/* @heap_alloc */", 1));
  ASSERT_EQ(count(out, "tasktrace: race:"), 1);
  free(out);
}

/* Memory freed by one task and malloc'ed again by another (the same
 * address: race_prog checks it, status 4 if not) is a new variable: the
 * freer's read of the old block and its blind write of the new one are no
 * lost update (tasktraced's connection records, issue 11). */
TEST(reused_memory_is_a_new_variable) {
  const char *modes[] = {"reuse", "reuse_predicted"};
  for (int i = 0; i < 2; i++) {
    char *out;
    int rc = run("race_prog", modes[i], NULL, &out);
    if (rc != 0 || strstr(out, "tasktrace: race") != NULL)
      tt_test_fail(__FILE__, __LINE__, "race_prog %s: status %d:\n%s", modes[i], rc, out);
    free(out);
  }
}

/* A race on the new block is still found, and named by its own allocation. */
TEST(race_on_reused_memory_found) {
  const char *src = "tests/race/race_prog.c";
  char *out;
  ASSERT_EQ(run("race_prog", "reuse_race", NULL, &out), 66);
  ASSERT_LINE(out, "tasktrace: race: lost update on 'heap block of 232 bytes allocated at */%s "
                   "(in allocator)' (+8) (observed)",
              line_of(src, "/* @reuse_alloc */", 1));
  ASSERT_LINE(out, "    read it at *race_prog.c:* (reuse_update)");
  ASSERT_EQ(count(out, "tasktrace: race:"), 1);
  free(out);
}

/* FIFO runs the other write after the update (or before it): never inside. */
TEST(predicted_after) { expect_predicted("predict_after", "/* @W_after */", "late_writer"); }
TEST(predicted_before) { expect_predicted("predict_before", "/* @W_before */", "early_writer"); }

TEST(suppressions) {
  const char *pats[] = {"race:counter", "increment", "counter.c", "# a comment\nrace:incr*"};
  for (int i = 0; i < 4; i++) {
    char path[4096], env[4200];
    snprintf(path, sizeof path, "%s/supp%d", tt_test_tmpdir(), i);
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    fprintf(f, "%s\n", pats[i]);
    fclose(f);
    snprintf(env, sizeof env, "TASKTRACE_RACE_SUPPRESS=%s", path);
    char *e[] = {env, NULL}, *out;
    ASSERT_EQ(run("counter", NULL, e, &out), 1); /* no race left: the program's status */
    ASSERT_TRUE(strstr(out, "tasktrace: race") == NULL);
    free(out);
  }
  /* One that matches nothing leaves the report. */
  char path[4096], env[4200], *out;
  snprintf(path, sizeof path, "%s/none", tt_test_tmpdir());
  FILE *f = fopen(path, "w");
  fprintf(f, "race:balance\n");
  fclose(f);
  snprintf(env, sizeof env, "TASKTRACE_RACE_SUPPRESS=%s", path);
  char *e[] = {env, NULL};
  ASSERT_EQ(run("counter", NULL, e, &out), 66);
  free(out);
}

/* CC=tasktrace-cc make: separate compilation (-c) then a link, and the
 * ThreadSanitizer runtime is not in the program. */
TEST(tasktrace_cc_with_make) {
  const char *dir = tt_test_tmpdir();
  char path[4096], cmd[8192], *out;
  snprintf(path, sizeof path, "%s/Makefile", dir);
  FILE *f = fopen(path, "w");
  ASSERT_TRUE(f != NULL);
  fprintf(f, "counter: counter.o\n\t$(CC) -o $@ counter.o\n"
             "counter.o: %s/examples/counter.c\n\t$(CC) -g -O1 -I%s/examples -c -o $@ $<\n",
          getenv("TT_SOURCE_DIR"), getenv("TT_SOURCE_DIR"));
  fclose(f);
  snprintf(cmd, sizeof cmd,
           "make -s -C '%s' CC='%s/tasktrace-cc' && ldd '%s/counter' && nm '%s/counter.o' | "
           "grep -c __tsan_write && '%s/counter'",
           dir, getenv("TT_BIN_DIR"), dir, dir, dir);
  char *argv[] = {"sh", "-c", cmd, NULL};
  int rc = tt_test_spawn(argv, NULL, &out, 60);
  if (rc != 66 || strstr(out, "libtsan") != NULL ||
      strstr(out, "tasktrace: race: lost update on 'counter'") == NULL)
    tt_test_fail(__FILE__, __LINE__, "status %d:\n%s", rc, out);
  free(out);
}

/* A race is an event of the trace too: bank, built with tasktrace-cc and
 * recorded for real; `tasktrace summary` lists it, the HTML page marks it
 * on the tasks' lanes, with the window from the step of the read. */
TEST(race_in_trace) {
  char tt[4200], prog[4200], file[4200], html[4200], *out;
  snprintf(tt, sizeof tt, "%s", tt_test_bin("tasktrace"));
  snprintf(prog, sizeof prog, "%s/../tests/race/bank", getenv("TT_BIN_DIR"));
  snprintf(file, sizeof file, "%s/bank.ttrace", tt_test_tmpdir());
  snprintf(html, sizeof html, "%s/bank.html", tt_test_tmpdir());
  char *argv[] = {tt, "record", "--quiet", "-o", file, "--", prog, NULL};
  ASSERT_EQ(tt_test_spawn(argv, NULL, &out, 60), 66); /* the program's status, as reported */
  ASSERT_CONTAINS(out, "tasktrace: race: stale check on 'balance' (observed)");
  free(out);
  char *sum[] = {tt, "summary", file, NULL};
  ASSERT_EQ(tt_test_spawn(sum, NULL, &out, 60), 0);
  ASSERT_LINE(out, "races: 1");
  ASSERT_LINE(out,
              "  * 'customer-1' (id *) raced with 'customer-0' (id *): stale check on 'balance' "
              "(observed): read at */%s, yielded at */%s, written by task 'customer-0' at */%s, "
              "written back at */%s",
              line_of("examples/bank.c", "if (balance >= amount) ", 1),
              line_of("examples/bank.c", "EX_CHECK(tt_sleep_ms(1));", 1),
              line_of("examples/bank.c", "balance -= amount", 1),
              line_of("examples/bank.c", "balance -= amount", 1));
  free(out);
  /* The terminal timeline: a row under each task's lane, the window on
   * the reader's ('=' up to the report's '!'). */
  char *tl[] = {tt, "timeline", "--width", "60", file, NULL};
  ASSERT_EQ(tt_test_spawn(tl, NULL, &out, 60), 0);
  /* From where the read's step began (the reader's first run: how far
   * into the trace depends on the machine) to the report. */
  ASSERT_LINE(out, "  ^ race 'balance'    |*=!*|");
  ASSERT_LINE(out, "  ^ race 'balance'    | *!*|");
  ASSERT_EQ(count(out, "  ^ race 'balance'"), 2);
  ASSERT_CONTAINS(out, "! a race or lock-order inversion reported");
  free(out);
  char *exp[] = {tt, "export", "--format", "html", "-o", html, file, NULL};
  ASSERT_EQ(tt_test_spawn(exp, NULL, &out, 60), 0);
  free(out);
  FILE *f = fopen(html, "r");
  ASSERT_TRUE(f != NULL);
  static char page[1 << 22];
  size_t n = fread(page, 1, sizeof page - 1, f);
  fclose(f);
  page[n] = '\0';
  /* Two marks (both tasks' lanes), the first with its window start. */
  ASSERT_EQ(count(page, ",30,\"stale check on 'balance' (observed): read at "), 2);
  ASSERT_CONTAINS(page, "\"name\":\"race\"");
}
