/* Helpers shared by the I/O tests (test_io_*.c). */
#ifndef TT_TEST_IO_UTIL_H
#define TT_TEST_IO_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
