/* The test harness: typed assertions with file:line, one ctest entry per
 * TEST (see cmake/TTTest.cmake). `prog NAME` runs one test, `prog` alone
 * runs each and prints "N passed, N failed", `prog --list` lists them. Each
 * test runs supervised (supervise.h): in a forked child leading its own
 * process group, with its own temporary directory, within $TT_TEST_TIMEOUT
 * seconds (120 when running them all); whatever it leaves running is ended
 * and the directory removed, however it ends. */
#ifndef TT_TEST_H
#define TT_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

typedef void (*tt_test_fn)(void);
void tt_test_register(const char *name, tt_test_fn fn);
/* Called on failure: prints and exits the test process with status 1. */
void tt_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#define TEST(name)                                                                                 \
  static void test_##name(void);                                                                   \
  __attribute__((constructor)) static void tt_register_##name(void) {                             \
    tt_test_register(#name, test_##name);                                                          \
  }                                                                                                \
  static void test_##name(void)

#define ASSERT_TRUE(x)                                                                             \
  do {                                                                                             \
    if (!(x))                                                                                      \
      tt_test_fail(__FILE__, __LINE__, "expected true: %s", #x);                                   \
  } while (0)

#define ASSERT_EQ(a, b)                                                                            \
  do {                                                                                             \
    long long tt_a_ = (long long)(a), tt_b_ = (long long)(b);                                      \
    if (tt_a_ != tt_b_)                                                                            \
      tt_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, tt_a_, tt_b_);            \
  } while (0)

#define ASSERT_NE(a, b)                                                                            \
  do {                                                                                             \
    long long tt_a_ = (long long)(a), tt_b_ = (long long)(b);                                      \
    if (tt_a_ == tt_b_)                                                                            \
      tt_test_fail(__FILE__, __LINE__, "%s != %s: both %lld", #a, #b, tt_a_);                      \
  } while (0)

#define ASSERT_GE(a, b)                                                                            \
  do {                                                                                             \
    long long tt_a_ = (long long)(a), tt_b_ = (long long)(b);                                      \
    if (!(tt_a_ >= tt_b_))                                                                         \
      tt_test_fail(__FILE__, __LINE__, "%s >= %s: %lld < %lld", #a, #b, tt_a_, tt_b_);             \
  } while (0)

#define ASSERT_LE(a, b)                                                                            \
  do {                                                                                             \
    long long tt_a_ = (long long)(a), tt_b_ = (long long)(b);                                      \
    if (!(tt_a_ <= tt_b_))                                                                         \
      tt_test_fail(__FILE__, __LINE__, "%s <= %s: %lld > %lld", #a, #b, tt_a_, tt_b_);             \
  } while (0)

/* x must return 0 (or >= 0); on failure the errno's text is printed. */
#define ASSERT_OK(x)                                                                               \
  do {                                                                                             \
    long long tt_r_ = (long long)(x);                                                              \
    if (tt_r_ < 0)                                                                                 \
      tt_test_fail(__FILE__, __LINE__, "%s failed: %lld (%s)", #x, tt_r_, strerror((int)-tt_r_)); \
  } while (0)

/* x must return exactly the negative errno e. */
#define ASSERT_ERR(x, e)                                                                           \
  do {                                                                                             \
    long long tt_r_ = (long long)(x);                                                              \
    if (tt_r_ != (long long)(e))                                                                   \
      tt_test_fail(__FILE__, __LINE__, "%s: expected %s (%d), got %lld", #x, #e, (int)(e), tt_r_); \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
  do {                                                                                             \
    const char *tt_a_ = (a), *tt_b_ = (b);                                                         \
    if (tt_a_ == NULL || tt_b_ == NULL || strcmp(tt_a_, tt_b_) != 0)                               \
      tt_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                       \
                   tt_a_ ? tt_a_ : "(null)", tt_b_ ? tt_b_ : "(null)");                            \
  } while (0)

#define ASSERT_CONTAINS(hay, needle)                                                               \
  do {                                                                                             \
    const char *tt_h_ = (hay), *tt_n_ = (needle);                                                  \
    if (tt_h_ == NULL || strstr(tt_h_, tt_n_) == NULL)                                             \
      tt_test_fail(__FILE__, __LINE__, "%s does not contain \"%s\":\n%s", #hay, tt_n_,             \
                   tt_h_ ? tt_h_ : "(null)");                                                      \
  } while (0)

/* Some line of out matches pat exactly, where '*' in pat matches any run
 * of characters: for messages with ids, times and paths in them. */
int tt_test_has_line(const char *out, const char *pat);
/* ASSERT_LINE(out, fmt, ...): the pattern made by printf must match a line. */
#define ASSERT_LINE(out, ...)                                                                      \
  do {                                                                                             \
    char pat_[1024];                                                                               \
    snprintf(pat_, sizeof pat_, __VA_ARGS__);                                                      \
    if (!tt_test_has_line((out), pat_))                                                            \
      tt_test_fail(__FILE__, __LINE__, "no line matches\n  %s\nin:\n%s", pat_, (out));           \
  } while (0)

/* Skip the running test: prints "SKIPPED: why" and exits 77, which ctest
 * shows as skipped (SKIP_RETURN_CODE, cmake/TTTest.cmake). */
void tt_test_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* The second local user of the two-user (attack) tests: "tt-attacker",
 * created on first use when running as root (useradd, under a lock so that
 * parallel tests agree) and removed by scripts/test.sh when the suite ends.
 * Not root, or no useradd: the test is skipped visibly. */
void tt_test_attacker(uid_t *uid, gid_t *gid);
/* tt_test_spawn, but the child runs as uid/gid (no supplementary groups). */
int tt_test_spawn_as(uid_t uid, gid_t gid, char *const argv[], char *const env[], char **out,
                     int timeout_s);
/* Make the test's temporary directory reachable by other users (0711) and
 * return a new directory inside it with the given mode (e.g. 01777, a
 * world-writable sticky directory like /tmp; 0777, one without the sticky
 * bit). */
const char *tt_test_shared_dir(const char *name, mode_t mode);

/* Helpers for tests that drive programs. */
/* Run argv (NULL-terminated) with extra environment entries ("K=V", NULL
 * terminated, may be NULL), capture stdout+stderr (malloc'ed, NUL
 * terminated) into *out. Returns the exit status, or 128+signal. */
int tt_test_spawn(char *const argv[], char *const env[], char **out, int timeout_s);
/* Path of a built binary: $TT_BIN_DIR/name (set by CMake for every test). */
const char *tt_test_bin(const char *name);
/* "SRC:N" for the line of source file SRC (relative to $TT_SOURCE_DIR)
 * tagged with the comment "@tag" (inside a C comment); fails the test if
 * there is none.
 * The result lasts for 16 more calls. */
const char *tt_test_site(const char *src, const char *tag);
/* The test's own temporary directory (also its $TMPDIR), removed with all
 * it holds when the test ends, however it ends. */
const char *tt_test_tmpdir(void);

#endif
