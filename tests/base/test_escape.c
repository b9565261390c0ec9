/* The one escaping routine (base/src/escape.c): every byte a terminal
 * could obey is shown, never passed through. */
#include <string.h>

#include "tt_base.h"
#include "tt_test.h"

static const char *esc(const char *s, int flags) {
  static char buf[256];
  tt_escape(buf, sizeof buf, s, (size_t)-1, flags);
  return buf;
}

TEST(controls) {
  ASSERT_STR_EQ(esc("plain name-1", 0), "plain name-1");
  ASSERT_STR_EQ(esc("\x1b[2J\x1b]0;pwned\x07", 0), "\\x1b[2J\\x1b]0;pwned\\x07");
  ASSERT_STR_EQ(esc("a\nb\tc\rd\x7f", 0), "a\\nb\\tc\\rd\\x7f");
  ASSERT_STR_EQ(esc("back\\slash", 0), "back\\\\slash");
  ASSERT_STR_EQ(esc("\x1b[31mred\n", TT_ESC_COMPACT), "?[31mred?");
}

TEST(unicode) {
  ASSERT_STR_EQ(esc("caf\xc3\xa9 \xe2\x9c\x93", 0), "caf\xc3\xa9 \xe2\x9c\x93"); /* kept */
  ASSERT_STR_EQ(esc("\xc2\x9b" "2J", 0), "\\u{9b}2J");                      /* C1 CSI */
  ASSERT_STR_EQ(esc("exe\xe2\x80\xaetxt", 0), "exe\\u{202e}txt");           /* RLO */
  ASSERT_STR_EQ(esc("a\xe2\x81\xa6" "b", 0), "a\\u{2066}b");                /* isolate */
  ASSERT_STR_EQ(esc("\xff\xc3(", 0), "\\xff\\xc3(");                         /* invalid */
  ASSERT_STR_EQ(esc("\xed\xa0\x80", 0), "\\xed\\xa0\\x80");                  /* surrogate */
  ASSERT_STR_EQ(esc("\xe2\x80\xae", TT_ESC_COMPACT), "?");
}

TEST(truncates) {
  char small[8];
  size_t n = tt_escape(small, sizeof small, "\x1b\x1b\x1b", (size_t)-1, 0);
  ASSERT_EQ(n, strlen(small));
  ASSERT_STR_EQ(small, "\\x1b...");
  n = tt_escape(small, sizeof small, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", (size_t)-1, 0);
  ASSERT_STR_EQ(small, "\xc3\xa9\xc3\xa9...");
  ASSERT_EQ(tt_escape(small, sizeof small, NULL, (size_t)-1, 0), 0);
  ASSERT_STR_EQ(small, "");
}

TEST(stream) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  char big[1000];
  for (int i = 0; i < 999; i++)
    big[i] = i % 3 == 0 ? '\x1b' : 'x';
  big[999] = '\0';
  tt_fput_escaped(f, big, 0);
  fclose(f);
  ASSERT_EQ(len, (size_t)(333 * 4 + 666)); /* nothing cut, however long */
  ASSERT_TRUE(strstr(buf, "\x1b") == NULL);
  free(buf);
}

/* The harness's two-user helpers work (or the test says why not). */
TEST(attacker_runs_as_other_uid) {
  uid_t uid;
  gid_t gid;
  tt_test_attacker(&uid, &gid);
  char *out = NULL;
  char *argv[] = {"id", "-u", NULL};
  ASSERT_EQ(tt_test_spawn_as(uid, gid, argv, NULL, &out, 10), 0);
  ASSERT_EQ((uid_t)atoi(out), uid);
  free(out);
}
