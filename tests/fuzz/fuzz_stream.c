/* libFuzzer target: the collector's side of the socket protocol, on any
 * bytes: the hello, the message framing and the validation of every
 * record, exactly as collector.c does them, then the .ttrace writer. The
 * oracle beyond "no crash": whatever the collector accepts must read back
 * from the file without an error, with as many events as it counted. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tasktrace/wire.h"
#include "tasktrace/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tt_proc_info proc;
  const char *why;
  if (tt__hello_decode(data, size, &proc, &why) < 0)
    return 0;
  int fd = memfd_create("fuzz", 0);
  if (fd < 0)
    return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  tt_writer *w;
  if (tt_writer_open(&w, path, &proc, NULL) < 0) {
    close(fd);
    return 0;
  }
  tt__idmap defined = {0};
  uint64_t accepted = 0;
  size_t off = TT__HELLO_SIZE;
  while (size - off >= 4) {
    uint32_t len = tt__get32(data + off);
    if (!tt__msg_len_ok(len) || len > size - off - 4)
      break; /* the collector closes the connection here */
    uint32_t nev;
    uint64_t first, last, lost;
    if (tt__validate_message(data + off, 4 + (size_t)len, &defined, w, &nev, &first, &last,
                             &lost, &why) < 0)
      break;
    tt__writer_message(w, proc.pid, data + off, 4 + (size_t)len, nev, first, last, lost);
    accepted += nev;
    off += 4 + len;
  }
  tt__idmap_free(&defined, NULL);
  if (tt_writer_close(w) < 0)
    __builtin_trap();
  tt_reader *r;
  if (tt_reader_open(&r, path) < 0)
    __builtin_trap();
  tt_trace_event ev;
  int n;
  while ((n = tt_reader_next(r, &ev)) > 0)
    ;
  if (n < 0 || tt_reader_truncated(r) || tt_reader_events(r) != accepted) {
    fprintf(stderr, "accepted %llu, read back %llu: %s\n", (unsigned long long)accepted,
            (unsigned long long)tt_reader_events(r), tt_reader_error(r));
    __builtin_trap();
  }
  tt_reader_close(r);
  close(fd);
  return 0;
}
