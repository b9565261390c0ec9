/* The .ttrace writer and reader: round trip, a file cut at every byte,
 * damage, the flight recorder. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tasktrace/ttrace.h"
#include "tasktrace/wire.h"
#include "tasktrace/ingest.h"
#include "tt_test.h"

static char *tmp_path(const char *name) {
  static char buf[600];
  snprintf(buf, sizeof buf, "%s/%s", tt_test_tmpdir(), name);
  return buf;
}

static tt_proc_info proc(void) {
  tt_proc_info p = {4242, "prog", 1700000000000000000ull, 1000};
  return p;
}

/* n events: switches between tasks, marks with a few strings, one lost. */
static void make_event(long i, tt_trace_event *ev) {
  static const char *names[] = {"alpha", "beta", "gamma \"quoted\""};
  memset(ev, 0, sizeof *ev);
  ev->pid = 4242;
  ev->tid = i % 7 == 0 ? 4243 : 4242;
  ev->ts = 1000000 + (uint64_t)i * 37;
  if (i % 50 == 0) {
    ev->type = TT_EV_mark;
    ev->u[0] = (uint64_t)i;
    ev->s[1] = names[i % 3];
  } else if (i == 777) {
    ev->type = TT_EV_lost;
    ev->u[0] = 5;
  } else if (i % 11 == 0) {
    ev->type = TT_EV_task_exit;
    ev->u[0] = (uint64_t)i;
    ev->u[1] = 1;
    ev->u[2] = (uint64_t)(int64_t)-i; /* I64 */
  } else {
    ev->type = TT_EV_task_switch;
    ev->u[0] = (uint64_t)i % 100;
    ev->u[1] = (uint64_t)(i + 1) % 100;
    ev->u[2] = TT_STATE_yield;
    ev->u[3] = (uint64_t)i * 1000003u; /* large deltas both ways */
  }
}

static void check_event(long i, const tt_trace_event *got) {
  tt_trace_event want;
  make_event(i, &want);
  ASSERT_EQ(got->type, want.type);
  ASSERT_EQ(got->pid, want.pid);
  ASSERT_EQ(got->tid, want.tid);
  ASSERT_EQ(got->ts, want.ts);
  const tt_ev_desc *d = tt_ev_describe(want.type);
  for (int k = 0; k < TT_EVENT_FIELDS; k++) {
    if (d->kind[k] == TT_FIELD_STR)
      ASSERT_STR_EQ(got->s[k], want.s[k]);
    else if (d->kind[k] != TT_FIELD_NONE)
      ASSERT_EQ(got->u[k], want.u[k]);
  }
}

static void write_file(const char *path, long n, const tt_writer_opts *o) {
  tt_writer *w;
  tt_proc_info p = proc();
  ASSERT_OK(tt_writer_open(&w, path, &p, o));
  for (long i = 0; i < n; i++) {
    tt_trace_event ev;
    make_event(i, &ev);
    ASSERT_OK(tt_writer_event(w, &ev));
  }
  ASSERT_OK(tt_writer_close(w));
}

TEST(round_trip) {
  const char *path = tmp_path("rt.ttrace");
  write_file(path, 100000, NULL);
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, path));
  ASSERT_EQ(tt_reader_truncated(r), 0);
  ASSERT_EQ(tt_reader_process(r)->pid, 4242);
  ASSERT_STR_EQ(tt_reader_process(r)->program, "prog");
  tt_trace_event ev;
  long i = 0;
  int n;
  while ((n = tt_reader_next(r, &ev)) > 0)
    check_event(i++, &ev);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(i, 100000);
  ASSERT_EQ(tt_reader_lost(r), 5);
  ASSERT_TRUE(tt_reader_error(r) == NULL);
  tt_reader_close(r);
  struct stat st;
  ASSERT_OK(stat(path, &st));
  ASSERT_LE(st.st_size, 100000 * 6); /* thread changes every 7th event, big deltas: still compact */
  unlink(path);
}

/* A file cut at any byte reads back to its last whole chunk, says so, and
 * returns exactly a prefix of what was written. */
TEST(cut_anywhere) {
  const char *path = tmp_path("cut.ttrace");
  tt_writer_opts o = {-1, 1024, 0}; /* small chunks: many cut points */
  write_file(path, 3000, &o);
  int fd = open(path, O_RDONLY);
  ASSERT_TRUE(fd >= 0);
  struct stat st;
  ASSERT_OK(fstat(fd, &st));
  char *data = malloc((size_t)st.st_size);
  ASSERT_EQ(read(fd, data, (size_t)st.st_size), st.st_size);
  close(fd);
  long prev_events = 0;
  for (off_t cut = 0; cut < st.st_size; cut += 1 + cut / 64) {
    tt_reader *r;
    int rc = tt_reader_open_mem(&r, data, (size_t)cut);
    if (cut < 104) {
      ASSERT_ERR(rc, -EPROTO); /* not even a header */
      continue;
    }
    ASSERT_OK(rc);
    ASSERT_EQ(tt_reader_truncated(r), 1);
    tt_trace_event ev;
    long i = 0;
    int n;
    while ((n = tt_reader_next(r, &ev)) > 0)
      check_event(i++, &ev);
    ASSERT_EQ(n, 0);
    ASSERT_CONTAINS(tt_reader_error(r), "cut after chunk");
    ASSERT_GE(i, prev_events); /* a longer prefix never loses events */
    prev_events = i;
    tt_reader_close(r);
  }
  ASSERT_GE(prev_events, 2900); /* the last cuts keep nearly everything */
  free(data);
  unlink(path);
}

TEST(damage_is_an_error) {
  const char *path = tmp_path("bad.ttrace");
  tt_writer_opts o = {-1, 1024, 0};
  write_file(path, 3000, &o);
  int fd = open(path, O_RDWR);
  char b;
  ASSERT_EQ(pread(fd, &b, 1, 400), 1);
  b ^= 0x55;
  ASSERT_EQ(pwrite(fd, &b, 1, 400), 1);
  close(fd);
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, path));
  ASSERT_EQ(tt_reader_truncated(r), 0);
  tt_trace_event ev;
  int n;
  while ((n = tt_reader_next(r, &ev)) > 0)
    ;
  ASSERT_ERR(n, -EBADMSG);
  ASSERT_CONTAINS(tt_reader_error(r), "chunk 1 at byte 104");
  tt_reader_close(r);
  unlink(path);
}

TEST(flight_recorder_keeps_the_end) {
  const char *path = tmp_path("ring.ttrace");
  tt_writer_opts o = {-1, 4096, 8192};
  write_file(path, 200000, &o);
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, path));
  tt_trace_event ev;
  long first = -1, count = 0;
  int n;
  while ((n = tt_reader_next(r, &ev)) > 0) {
    long i = (long)((ev.ts - 1000000) / 37);
    if (first < 0)
      first = i;
    check_event(i, &ev); /* strings defined in dropped chunks still resolve */
    count++;
  }
  ASSERT_EQ(n, 0);
  ASSERT_GE(first, 100000);     /* the beginning is gone */
  ASSERT_EQ(first + count, 200000); /* the end is all there */
  tt_reader_close(r);
  unlink(path);
}

TEST(not_a_ttrace_file) {
  tt_reader *r;
  ASSERT_ERR(tt_reader_open_mem(&r, "hello world, this is not a trace", 32), -EPROTO);
  ASSERT_ERR(tt_reader_open(&r, "/nonexistent/x.ttrace"), -ENOENT);
  tt_writer *w;
  tt_proc_info p = proc();
  tt_writer_opts bad = {12, 0, 0};
  ASSERT_ERR(tt_writer_open(&w, tmp_path("x"), &p, &bad), -EINVAL);
}

/* Seeking lands on the chunk that holds ts, in complete and cut files, and
 * strings defined before that point still resolve. */
TEST(seek) {
  const char *path = tmp_path("seek.ttrace");
  tt_writer_opts o = {-1, 2048, 0};
  write_file(path, 50000, &o);
  int fd = open(path, O_RDONLY);
  struct stat st;
  ASSERT_OK(fstat(fd, &st));
  char *data = malloc((size_t)st.st_size);
  ASSERT_EQ(read(fd, data, (size_t)st.st_size), st.st_size);
  close(fd);
  for (int cut = 0; cut < 2; cut++) {
    tt_reader *r;
    ASSERT_OK(tt_reader_open_mem(&r, data, cut ? (size_t)st.st_size * 3 / 4 : (size_t)st.st_size));
    ASSERT_EQ(tt_reader_truncated(r), cut);
    long targets[] = {30000, 100, 0, 29000};
    for (int k = 0; k < 4; k++) {
      uint64_t ts = 1000000 + (uint64_t)targets[k] * 37;
      ASSERT_OK(tt_reader_seek(r, ts));
      tt_trace_event ev;
      ASSERT_EQ(tt_reader_next(r, &ev), 1);
      long i = (long)((ev.ts - 1000000) / 37);
      ASSERT_LE(i, targets[k]);           /* nothing at or after ts skipped */
      ASSERT_GE(i, targets[k] - 400);     /* and not read from the start */
      if (targets[k] == 0)
        ASSERT_EQ(i, 0);
      int n;
      long seen = 0;
      do {
        check_event(i, &ev);
        seen++;
        i = (long)((ev.ts - 1000000) / 37) + 1;
      } while ((n = tt_reader_next(r, &ev)) > 0 && seen < 3000);
      ASSERT_GE(n, 0);
    }
    tt_reader_close(r);
  }
  free(data);
  unlink(path);
}

/* tt_writer_open never writes through a planted link, never opens a FIFO
 * (which would block), never replaces a file with other names, and does
 * replace a plain file of ours. */
TEST(writer_open_refuses_links_and_fifos) {
  tt_writer *w;
  tt_proc_info p = proc();
  char victim[640], slink[640], fifo[640], hard[640], plain[640];
  snprintf(victim, sizeof victim, "%s", tmp_path("victim"));
  snprintf(slink, sizeof slink, "%s", tmp_path("link.ttrace"));
  snprintf(fifo, sizeof fifo, "%s", tmp_path("fifo.ttrace"));
  snprintf(hard, sizeof hard, "%s", tmp_path("hard.ttrace"));
  snprintf(plain, sizeof plain, "%s", tmp_path("plain.ttrace"));
  int fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_EQ(write(fd, "keep", 4), 4);
  close(fd);
  ASSERT_OK(symlink(victim, slink));
  ASSERT_ERR(tt_writer_open(&w, slink, &p, NULL), -EPERM);
  ASSERT_OK(mkfifo(fifo, 0600));
  ASSERT_ERR(tt_writer_open(&w, fifo, &p, NULL), -EINVAL);
  ASSERT_OK(link(victim, hard));
  ASSERT_ERR(tt_writer_open(&w, hard, &p, NULL), -EPERM);
  struct stat st;
  ASSERT_OK(stat(victim, &st));
  ASSERT_EQ(st.st_size, 4); /* untouched through the link and the hard link */
  write_file(plain, 10, NULL);
  write_file(plain, 20, NULL); /* ours: replaced */
  tt_reader *r;
  ASSERT_OK(tt_reader_open(&r, plain));
  tt_trace_event ev;
  long n = 0;
  while (tt_reader_next(r, &ev) > 0)
    n++;
  tt_reader_close(r);
  ASSERT_EQ(n, 20);
  ASSERT_OK(stat(plain, &st));
  ASSERT_EQ(st.st_mode & 0777, 0600);
}

/* ---- The fixed headers: encode -> decode gives the struct back, the
 * bytes sit at FORMAT.md's offsets, and a short or damaged buffer is
 * refused with its errno. */

/* Field by field: the structs have padding, which memcmp would compare. */
static int msg_eq(const tt__msg_hdr *a, const tt__msg_hdr *b) {
  return a->len == b->len && a->pid == b->pid && a->tid == b->tid && a->base_ts == b->base_ts;
}
static int proc_eq(const tt_proc_info *a, const tt_proc_info *b) {
  return a->pid == b->pid && strcmp(a->program, b->program) == 0 &&
         a->start_realtime_ns == b->start_realtime_ns && a->start_mono_ns == b->start_mono_ns;
}
static int chunk_eq(const tt__chunk_hdr *a, const tt__chunk_hdr *b) {
  return a->kind == b->kind && a->stored == b->stored && a->raw == b->raw &&
         a->nevents == b->nevents && a->first_ts == b->first_ts && a->last_ts == b->last_ts &&
         a->payload_crc == b->payload_crc;
}

TEST(header_hello) {
  tt_proc_info p = proc(), q;
  uint8_t h[TT__HELLO_SIZE + 1];
  tt__hello_encode(h, &p);
  ASSERT_TRUE(memcmp(h, "TTSTRM\0\1", 8) == 0);
  ASSERT_EQ(tt__get32(h + 8), 88);
  ASSERT_EQ(h[12], 1);
  ASSERT_EQ(tt__get32(h + 16), 4242);
  ASSERT_EQ(tt__get64(h + 20), p.start_realtime_ns);
  ASSERT_EQ(tt__get64(h + 28), 1000);
  ASSERT_STR_EQ((const char *)h + 36, "prog");
  const char *why = NULL;
  ASSERT_OK(tt__hello_decode(h, TT__HELLO_SIZE, &q, &why));
  ASSERT_TRUE(proc_eq(&p, &q));
  ASSERT_ERR(tt__hello_decode(h, TT__HELLO_SIZE - 1, &q, &why), -ENODATA);
  ASSERT_ERR(tt__hello_decode(h, 4, &q, &why), -ENODATA);
  h[12] = 2; /* another version */
  ASSERT_ERR(tt__hello_decode(h, TT__HELLO_SIZE, &q, &why), -EPROTO);
  ASSERT_CONTAINS(why, "another version");
  h[12] = 1;
  h[0] ^= 1;
  ASSERT_ERR(tt__hello_decode(h, TT__HELLO_SIZE, &q, &why), -EPROTO);
  ASSERT_CONTAINS(why, "not a tasktrace stream");
  /* A program name of 64 bytes or more keeps 63 and its NUL. */
  memset(p.program, 'x', sizeof p.program);
  h[0] ^= 1;
  tt__hello_encode(h, &p);
  ASSERT_OK(tt__hello_decode(h, TT__HELLO_SIZE, &q, &why));
  ASSERT_EQ(strlen(q.program), 63);
}

TEST(header_wire_message) {
  uint8_t h[TT__WIRE_HDR + 8];
  tt__msg_hdr m = {12 + 8, 0, 77, 123456789012345ull}, n;
  tt__wire_hdr_encode(h, &m);
  ASSERT_EQ(tt__get32(h), 20);
  ASSERT_EQ(tt__get32(h + 4), 77);
  ASSERT_EQ(tt__get64(h + 8), m.base_ts);
  ASSERT_OK(tt__wire_hdr_decode(h, sizeof h, &n));
  ASSERT_TRUE(msg_eq(&m, &n));
  ASSERT_ERR(tt__wire_hdr_decode(h, TT__WIRE_HDR - 1, &n), -ENODATA);
  ASSERT_ERR(tt__wire_hdr_decode(h, sizeof h - 1, &n), -ENODATA); /* records cut */
  tt__msg_set_len(h, 11);                                         /* below its own header */
  ASSERT_ERR(tt__wire_hdr_decode(h, sizeof h, &n), -EBADMSG);
  tt__msg_set_len(h, TT__MSG_MAX + 1);
  ASSERT_ERR(tt__wire_hdr_decode(h, sizeof h, &n), -EBADMSG);
}

TEST(header_file_message) {
  uint8_t h[TT__FILE_MSG_HDR + 3];
  tt__msg_hdr m = {16 + 3, 4242, 4243, 99}, n;
  tt__file_msg_hdr_encode(h, &m);
  ASSERT_EQ(tt__get32(h), 19);
  ASSERT_EQ(tt__get32(h + 4), 4242);
  ASSERT_EQ(tt__get32(h + 8), 4243);
  ASSERT_EQ(tt__get64(h + 12), 99);
  ASSERT_OK(tt__file_msg_hdr_decode(h, sizeof h, &n));
  ASSERT_TRUE(msg_eq(&m, &n));
  ASSERT_ERR(tt__file_msg_hdr_decode(h, TT__FILE_MSG_HDR - 1, &n), -ENODATA);
  ASSERT_ERR(tt__file_msg_hdr_decode(h, sizeof h - 1, &n), -EBADMSG); /* past its chunk */
  tt__msg_set_len(h, 15);
  ASSERT_ERR(tt__file_msg_hdr_decode(h, sizeof h, &n), -EBADMSG);
}

TEST(header_file) {
  tt__file_hdr f = {proc(), TT__CLOCK_MONOTONIC, TT__FILE_FLIGHT_RECORDER}, g;
  uint8_t h[TT__FILE_HDR];
  tt__file_hdr_encode(h, &f);
  ASSERT_TRUE(memcmp(h, "\x89TTRACE\n", 8) == 0);
  ASSERT_EQ(h[8], 1);
  ASSERT_EQ(h[10], 104);
  ASSERT_EQ(tt__get32(h + 12), 4242);
  ASSERT_EQ(tt__get64(h + 16), f.proc.start_realtime_ns);
  ASSERT_EQ(tt__get64(h + 24), 1000);
  ASSERT_EQ(h[32], 1);
  ASSERT_EQ(h[33], 1);
  ASSERT_STR_EQ((const char *)h + 36, "prog");
  ASSERT_EQ(tt__get32(h + 100), tt__crc32(h, 100));
  ASSERT_OK(tt__file_hdr_decode(h, sizeof h, &g));
  ASSERT_TRUE(proc_eq(&f.proc, &g.proc) && f.clock == g.clock && f.flags == g.flags);
  ASSERT_ERR(tt__file_hdr_decode(h, sizeof h - 1, &g), -ENODATA);
  h[50] ^= 1; /* inside the program name: only the checksum sees it */
  ASSERT_ERR(tt__file_hdr_decode(h, sizeof h, &g), -EBADMSG);
  h[50] ^= 1;
  h[8] = 2;
  ASSERT_ERR(tt__file_hdr_decode(h, sizeof h, &g), -EPROTO);
  h[8] = 1;
  h[1] = 'X';
  ASSERT_ERR(tt__file_hdr_decode(h, sizeof h, &g), -EPROTO);
}

TEST(header_chunk) {
  tt__chunk_hdr c = {TT__CHUNK_EVENTS, 1234, 65536, 999, 1000, 2000, 0xdeadbeef}, d;
  uint8_t h[TT__CHUNK_HDR];
  tt__chunk_hdr_encode(h, &c);
  ASSERT_TRUE(memcmp(h, "TTCK", 4) == 0);
  ASSERT_EQ(h[4], 1);
  ASSERT_EQ(tt__get32(h + 8), 1234);
  ASSERT_EQ(tt__get32(h + 12), 65536);
  ASSERT_EQ(tt__get32(h + 16), 999);
  ASSERT_EQ(tt__get64(h + 24), 1000);
  ASSERT_EQ(tt__get64(h + 32), 2000);
  ASSERT_EQ(tt__get32(h + 40), 0xdeadbeef);
  ASSERT_EQ(tt__get32(h + 44), tt__crc32(h, 44));
  ASSERT_OK(tt__chunk_hdr_decode(h, sizeof h, &d));
  ASSERT_TRUE(chunk_eq(&c, &d));
  ASSERT_ERR(tt__chunk_hdr_decode(h, sizeof h - 1, &d), -ENODATA);
  for (size_t i = 0; i < sizeof h; i++) { /* any byte flipped: refused */
    h[i] ^= 0x10;
    ASSERT_ERR(tt__chunk_hdr_decode(h, sizeof h, &d), -EBADMSG);
    h[i] ^= 0x10;
  }
}

TEST(header_end_and_index) {
  tt__end e = {4096, 100000, 5, 17}, f;
  uint8_t p[TT__END_PAYLOAD];
  tt__end_encode(p, &e);
  ASSERT_EQ(tt__get64(p), 4096);
  ASSERT_EQ(tt__get64(p + 8), 100000);
  ASSERT_EQ(tt__get64(p + 16), 5);
  ASSERT_EQ(tt__get64(p + 24), 17);
  ASSERT_OK(tt__end_decode(p, sizeof p, &f));
  ASSERT_TRUE(e.index_off == f.index_off && e.events == f.events && e.lost == f.lost &&
              e.chunks == f.chunks);
  ASSERT_ERR(tt__end_decode(p, sizeof p - 1, &f), -ENODATA);
  tt__index_ent x = {104, 10, 20, 30, TT__CHUNK_STRINGS}, y;
  uint8_t q[TT__INDEX_ENTRY];
  tt__index_ent_encode(q, &x);
  ASSERT_EQ(tt__get64(q), 104);
  ASSERT_EQ(tt__get64(q + 8), 10);
  ASSERT_EQ(tt__get64(q + 16), 20);
  ASSERT_EQ(tt__get32(q + 24), 30);
  ASSERT_EQ(tt__get32(q + 28), 2);
  ASSERT_OK(tt__index_ent_decode(q, sizeof q, &y));
  ASSERT_TRUE(x.off == y.off && x.first_ts == y.first_ts && x.last_ts == y.last_ts &&
              x.nevents == y.nevents && x.kind == y.kind);
  ASSERT_ERR(tt__index_ent_decode(q, sizeof q - 1, &y), -ENODATA);
}

/* A file tt_writer wrote, taken apart with the decoders alone: header,
 * chunks end to end, index entries pointing at chunks, the end chunk last. */
TEST(header_walk_a_written_file) {
  const char *path = tmp_path("walk.ttrace");
  tt_writer_opts o = {-1, 4096, 0};
  write_file(path, 20000, &o);
  int fd = open(path, O_RDONLY);
  ASSERT_TRUE(fd >= 0);
  struct stat st;
  ASSERT_OK(fstat(fd, &st));
  size_t size = (size_t)st.st_size;
  uint8_t *b = malloc(size);
  ASSERT_EQ(read(fd, b, size), (ssize_t)size);
  close(fd);
  tt__file_hdr fh;
  ASSERT_OK(tt__file_hdr_decode(b, size, &fh));
  ASSERT_EQ(fh.proc.pid, 4242);
  ASSERT_EQ(fh.flags, 0);
  size_t off = TT__FILE_HDR, nchunks = 0, index_at = 0;
  tt__chunk_hdr c = {0};
  while (off < size) {
    ASSERT_OK(tt__chunk_hdr_decode(b + off, size - off, &c));
    ASSERT_EQ(c.payload_crc, tt__crc32(b + off + TT__CHUNK_HDR, c.stored));
    if (c.kind == TT__CHUNK_INDEX) {
      index_at = off;
      for (uint32_t i = 0; i < c.nevents; i++) {
        tt__index_ent x;
        tt__chunk_hdr pointed;
        ASSERT_OK(tt__index_ent_decode(b + off + TT__CHUNK_HDR + i * TT__INDEX_ENTRY,
                                       TT__INDEX_ENTRY, &x));
        ASSERT_OK(tt__chunk_hdr_decode(b + x.off, size - x.off, &pointed));
        ASSERT_EQ(pointed.kind, x.kind);
        ASSERT_EQ(pointed.nevents, x.nevents);
      }
    }
    off += TT__CHUNK_HDR + c.stored;
    nchunks++;
  }
  ASSERT_EQ(off, size);
  ASSERT_EQ(c.kind, TT__CHUNK_END);
  tt__end e;
  ASSERT_OK(tt__end_decode(b + size - TT__END_PAYLOAD, TT__END_PAYLOAD, &e));
  ASSERT_EQ(e.index_off, index_at);
  ASSERT_EQ(e.events, 20000);
  ASSERT_EQ(e.lost, 5);
  ASSERT_EQ(e.chunks + 2, nchunks); /* the index and end chunks are not counted */
  free(b);
}

/* tt__validate_message skips events without strings eight bytes at a time
 * (ttwriter.c). It must accept and count exactly what a record-by-record
 * walk with tt__rec_next (the definition) does: on well-formed messages of
 * every event type, with string definitions and lost records, and on the
 * same messages with bytes changed, cut or extended at random. */
static int reference_validate(const uint8_t *msg, size_t len, tt__idmap *defined, uint32_t *nev,
                              uint64_t *first, uint64_t *last, uint64_t *lost) {
  tt__msg_hdr h;
  if (tt__wire_hdr_decode(msg, len, &h) < 0 || h.len + 4 != len)
    return -EBADMSG;
  tt__dstate d;
  tt__dstate_reset(&d, h.base_ts);
  const uint8_t *p = msg + TT__WIRE_HDR, *end = msg + len;
  tt__rec rec;
  const char *why;
  uint32_t n = 0;
  uint64_t nl = 0, f = 0;
  int r;
  while ((r = tt__rec_next(&d, &p, end, &rec, &why)) > 0) {
    if (rec.tag == TT__TAG_STRDEF) {
      if (rec.str_id == UINT64_MAX || tt__idmap_put(defined, rec.str_id, NULL, NULL) < 0)
        return -EBADMSG;
      continue;
    }
    for (int i = 0; i < TT_EVENT_FIELDS; i++) {
      int found;
      if (tt__kinds[rec.tag][i] == TT_FIELD_STR && (tt__idmap_get(defined, rec.u[i], &found), !found))
        return -EBADMSG;
    }
    if (n++ == 0)
      f = rec.ts;
    if (rec.tag == TT_EV_lost)
      nl += rec.u[0];
  }
  if (r < 0)
    return r;
  *nev = n, *first = f, *last = d.ts, *lost = nl;
  return 0;
}

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

/* A message of random events (every type, values of every varint length). */
static size_t random_message(uint8_t *buf, size_t cap) {
  tt__dstate d;
  uint64_t ts = rnd() >> (rnd() % 64);
  tt__wire_hdr_encode(buf, &(tt__msg_hdr){0, 0, 7, ts});
  tt__dstate_reset(&d, ts);
  uint8_t *p = buf + TT__WIRE_HDR;
  uint64_t next_str = 0;
  size_t nrec = 1 + rnd() % 300;
  for (size_t k = 0; k < nrec && (size_t)(p - buf) + 200 < cap; k++) {
    unsigned type = 1 + (unsigned)(rnd() % (TT_EV_MAX - 1));
    if (tt_ev_describe(type) == NULL)
      continue;
    uint64_t u[TT_EVENT_FIELDS];
    for (int i = 0; i < TT_EVENT_FIELDS; i++) {
      u[i] = rnd() % 4 == 0 ? rnd() : rnd() >> (rnd() % 64);
      if (tt__kinds[type][i] == TT_FIELD_STR) {
        p = tt__enc_strdef(p, next_str, "name", 4);
        u[i] = next_str++;
      }
    }
    ts += rnd() % 3 == 0 ? rnd() >> (rnd() % 64) : rnd() % 200;
    p = tt__enc_event(p, &d, type, ts, u);
  }
  size_t len = (size_t)(p - buf);
  tt__msg_set_len(buf, (uint32_t)(len - 4));
  return len;
}

TEST(validate_fast_path_matches_the_decoder) {
  static uint8_t buf[1 << 16];
  long accepted = 0, refused = 0;
  for (int round = 0; round < 4000; round++) {
    size_t len = random_message(buf, sizeof buf - 64);
    int mangle = round % 4; /* 0: as made; 1: bytes changed; 2: cut; 3: extended */
    if (mangle == 1)
      for (int k = 0, nk = 1 + (int)(rnd() % 4); k < nk; k++)
        buf[TT__WIRE_HDR + rnd() % (len - TT__WIRE_HDR)] = (uint8_t)rnd();
    if (mangle == 2 && len > TT__WIRE_HDR + 1)
      len = TT__WIRE_HDR + rnd() % (len - TT__WIRE_HDR);
    if (mangle == 3)
      for (int k = 0, nk = 1 + (int)(rnd() % 12); k < nk; k++)
        buf[len++] = (uint8_t)rnd();
    if (mangle >= 2)
      tt__msg_set_len(buf, (uint32_t)(len - 4));
    tt__idmap d1 = {0}, d2 = {0};
    uint32_t n1 = 0, n2 = 0;
    uint64_t f1 = 0, f2 = 0, l1 = 0, l2 = 0, x1 = 0, x2 = 0;
    const char *why = NULL;
    int r1 = tt__validate_message(buf, len, &d1, NULL, &n1, &f1, &l1, &x1, &why);
    int r2 = reference_validate(buf, len, &d2, &n2, &f2, &l2, &x2);
    ASSERT_EQ(r1 < 0, r2 < 0);
    if (r1 < 0) {
      ASSERT_TRUE(why != NULL);
      refused++;
    } else {
      ASSERT_EQ(n1, n2);
      ASSERT_EQ(f1, f2);
      ASSERT_EQ(l1, l2);
      ASSERT_EQ(x1, x2);
      accepted++;
    }
    if (mangle == 0)
      ASSERT_EQ(r1, 0);
    tt__idmap_free(&d1, NULL);
    tt__idmap_free(&d2, NULL);
  }
  ASSERT_GE(accepted, 1000);
  ASSERT_GE(refused, 100);
}
