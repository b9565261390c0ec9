/* Helpers shared by the I/O tests (test_io_*.c). */
#ifndef TT_TEST_IO_UTIL_H
#define TT_TEST_IO_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tasktrace/tasktrace.h>

#include "tt_test.h"

/* A fresh private directory for sockets and files, under TMPDIR or /tmp. */
static inline const char *io_tmpdir(void) {
  static char dir[256];
  const char *base = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/tt-io-XXXXXX", base && base[0] ? base : "/tmp");
  if (mkdtemp(dir) == NULL)
    tt_test_fail(__FILE__, __LINE__, "mkdtemp failed");
  return dir;
}

/* A byte pattern that depends on the position and a seed, so that a lost,
 * duplicated or reordered chunk shows. */
static inline uint8_t io_pattern(size_t i, unsigned seed) {
  uint32_t x = (uint32_t)(i / 4093) * 2654435761u + seed * 40503u;
  return (uint8_t)(x >> 24) ^ (uint8_t)i;
}

static inline void io_fill(uint8_t *buf, size_t len, size_t at, unsigned seed) {
  for (size_t i = 0; i < len; i++)
    buf[i] = io_pattern(at + i, seed);
}

/* The offset of the first byte that differs from the pattern, or -1. */
static inline long long io_check(const uint8_t *buf, size_t len, size_t at, unsigned seed) {
  for (size_t i = 0; i < len; i++)
    if (buf[i] != io_pattern(at + i, seed))
      return (long long)(at + i);
  return -1;
}

/* ---- An echo server, for the stream tests (pipes and TCP) -------------- */

#define IO_ECHO_MAX 16 /* connections io_echo_serve takes at the most */

/* A connection's task: send back what comes until the peer shuts down its
 * side, then close. */
static inline int io_echo_handler(void *arg) {
  tt_stream *c = arg;
  char buf[512];
  ssize_t n;
  while ((n = tt_stream_read(c, buf, sizeof buf, TT_FOREVER)) > 0)
    ASSERT_OK(tt_stream_write(c, buf, (size_t)n, TT_FOREVER));
  ASSERT_EQ(n, 0); /* the client shut down its side */
  ASSERT_OK(tt_stream_close(c));
  return 0;
}

/* Accept n connections on the listener srv, an io_echo_handler task each,
 * and wait for them all. */
static inline int io_echo_serve(tt_stream *srv, int n) {
  tt_task *h[IO_ECHO_MAX];
  ASSERT_TRUE(n <= IO_ECHO_MAX);
  for (int i = 0; i < n; i++) {
    tt_stream *c;
    ASSERT_OK(tt_stream_accept(srv, &c, TT_FOREVER));
    ASSERT_OK(tt_spawn(&h[i], io_echo_handler, c, "echo"));
  }
  ASSERT_OK(tt_gather(h, (size_t)n, NULL, TT_FOREVER));
  return 0;
}

/* Write msg on s (connected to an echo server) and read it back, whole. */
static inline void io_echo_roundtrip(tt_stream *s, const char *msg) {
  char back[256];
  size_t len = strlen(msg), got = 0;
  ASSERT_TRUE(len < sizeof back);
  ASSERT_OK(tt_stream_write(s, msg, len, tt_after_ms(5000)));
  while (got < len) {
    ssize_t n = tt_stream_read(s, back + got, len - got, tt_after_ms(5000));
    ASSERT_GE(n, 1);
    got += (size_t)n;
  }
  back[got] = 0;
  ASSERT_STR_EQ(back, msg);
}

#endif
