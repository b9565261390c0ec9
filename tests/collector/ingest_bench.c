/* The collector's ingest rate: events per second on one core for what the
 * collector does with every message (validate/decode every record, copy,
 * deflate, checksum, write).
 *   tt-ingest-bench FILE.ttrace [ROUNDS [LEVEL [CHUNK_BYTES]]]
 * The events of FILE (e.g. a recording of tasktrace-bench switch) are
 * encoded into 32 KiB stream messages as a producer would, then fed ROUNDS
 * times (default 5) through tt__validate_message + tt__writer_message into a
 * .ttrace file in /tmp. Prints events/s measured on this thread's CPU clock,
 * and the ns an event of validation alone and of the rest (copy, deflate,
 * checksum, write). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tasktrace/wire.h"
#include "tasktrace/ingest.h"

#define MSG (32u << 10)

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* argv[i] as a whole number in [lo, hi], or exit 2 naming it. */
static long arg_num(char **argv, int i, const char *what, long lo, long hi) {
  char *end;
  long v = strtol(argv[i], &end, 10);
  if (end == argv[i] || *end != 0 || v < lo || v > hi) {
    fprintf(stderr, "tt-ingest-bench: %s '%s': want a number from %ld to %ld\n", what, argv[i],
            lo, hi);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  const char *use = "usage: tt-ingest-bench FILE.ttrace [ROUNDS [LEVEL [CHUNK_BYTES]]]\n";
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(use, stdout);
    puts("Feeds FILE's events ROUNDS times (default 5) through the collector's validation and\n"
         ".ttrace writer (deflate LEVEL, default the writer's; chunks of CHUNK_BYTES, default\n"
         "the writer's) and prints events/s on this thread's CPU clock.");
    return 0;
  }
  if (argc < 2 || argc > 5) {
    fputs(use, stderr);
    return 2;
  }
  int rounds = argc > 2 ? (int)arg_num(argv, 2, "ROUNDS", 1, 1000) : 5;
  tt_writer_opts wo = {argc > 3 ? (int)arg_num(argv, 3, "LEVEL", 0, 9) : -1,
                       argc > 4 ? (size_t)arg_num(argv, 4, "CHUNK_BYTES", 4096, 64L << 20) : 0, 0};
  tt_reader *r;
  if (tt_reader_open(&r, argv[1]) < 0) {
    fprintf(stderr, "tt-ingest-bench: cannot read %s\n", argv[1]);
    return 1;
  }
  /* Encode as the producer does: one buffer = one message. */
  size_t cap = 1 << 20, len = 0;
  uint8_t *stream = malloc(cap);
  tt__strmap strs = {0};
  uint64_t next_id = 0, nev = 0;
  tt__dstate d;
  size_t msg_start = 0;
  int open_msg = 0;
  tt_trace_event ev;
  while (tt_reader_next(r, &ev) > 0) {
    if (cap - len < MSG + 64) {
      cap *= 2;
      stream = realloc(stream, cap);
    }
    if (open_msg && len - msg_start > MSG - 4200) {
      tt__msg_set_len(stream + msg_start, (uint32_t)(len - msg_start - 4));
      open_msg = 0;
    }
    if (!open_msg) {
      msg_start = len;
      tt__wire_hdr_encode(stream + len, &(tt__msg_hdr){0, 0, ev.tid, ev.ts});
      tt__dstate_reset(&d, ev.ts);
      len += TT__WIRE_HDR;
      open_msg = 1;
    }
    uint64_t u[TT_EVENT_FIELDS];
    for (int i = 0; i < TT_EVENT_FIELDS; i++) {
      u[i] = ev.u[i];
      if (tt__kinds[ev.type][i] == TT_FIELD_STR) {
        size_t sl = strlen(ev.s[i]);
        uint64_t h = tt__strhash(ev.s[i], sl);
        int64_t id = tt__strmap_get(&strs, ev.s[i], sl, h);
        if (id < 0) {
          id = (int64_t)next_id++;
          tt__strmap_put(&strs, ev.s[i], sl, h, (uint64_t)id);
          len = (size_t)(tt__enc_strdef(stream + len, (uint64_t)id, ev.s[i], sl) - stream);
        }
        u[i] = (uint64_t)id;
      }
    }
    len = (size_t)(tt__enc_event(stream + len, &d, ev.type, ev.ts, u) - stream);
    nev++;
  }
  if (open_msg)
    tt__msg_set_len(stream + msg_start, (uint32_t)(len - msg_start - 4));
  tt_proc_info proc = *tt_reader_process(r);
  tt_reader_close(r);

  char out[64];
  snprintf(out, sizeof out, "/tmp/tt-ingest-%d.ttrace", (int)getpid());
  double best = 1e30;
  uint64_t file_bytes = 0;
  for (int round = 0; round < rounds; round++) {
    tt_writer *w;
    if (tt_writer_open(&w, out, &proc, &wo) < 0)
      return 1;
    tt__idmap defined = {0};
    double t0 = cpu_s();
    for (size_t off = 0; off < len;) {
      tt__msg_hdr mh;
      tt__wire_hdr_decode(stream + off, len - off, &mh);
      uint32_t ml = mh.len;
      uint32_t n;
      uint64_t first, last, lost;
      const char *why;
      if (tt__validate_message(stream + off, 4 + ml, &defined, w, &n, &first, &last, &lost,
                               &why) < 0) {
        fprintf(stderr, "tt-ingest-bench: %s\n", why);
        return 1;
      }
      tt__writer_message(w, proc.pid, stream + off, 4 + ml, n, first, last, lost);
      off += 4 + ml;
    }
    tt_writer_close(w);
    double t = cpu_s() - t0;
    if (t < best)
      best = t;
    tt__idmap_free(&defined, NULL);
    FILE *f = fopen(out, "rb");
    fseek(f, 0, SEEK_END);
    file_bytes = (uint64_t)ftell(f);
    fclose(f);
  }
  unlink(out);
  /* The validation alone (no file), to split the cost: what is left is
   * the copy, deflate, checksum and write. */
  double vbest = 1e30;
  for (int round = 0; round < rounds; round++) {
    tt__idmap defined = {0};
    double t0 = cpu_s();
    for (size_t off = 0; off < len;) {
      uint32_t ml = tt__get32(stream + off), n;
      uint64_t first, last, lost;
      const char *why;
      if (tt__validate_message(stream + off, 4 + ml, &defined, NULL, &n, &first, &last, &lost,
                               &why) < 0)
        return 1;
      off += 4 + ml;
    }
    double t = cpu_s() - t0;
    if (t < vbest)
      vbest = t;
    tt__idmap_free(&defined, NULL);
  }
  printf("ingest events=%llu stream_bytes_per_event=%.2f file_bytes_per_event=%.3f "
         "events_per_s=%.3g validate_ns_per_event=%.2f rest_ns_per_event=%.2f\n",
         (unsigned long long)nev, (double)len / (double)nev, (double)file_bytes / (double)nev,
         (double)nev / best, vbest * 1e9 / (double)nev, (best - vbest) * 1e9 / (double)nev);
  tt__strmap_clear(&strs);
  free(stream);
  return 0;
}
