/* The .ttrace writer and reader: round trip, a file cut at every byte,
 * damage, the flight recorder. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tasktrace/ttrace.h"
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
