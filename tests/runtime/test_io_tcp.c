/* TCP streams on 127.0.0.1 and ::1, port 0: echo with several clients in
 * one loop, large writes both ways at once, shutdown, deadlines,
 * cancellation of read/accept/connect, refused connections, misuse. */
#include <tasktrace/tasktrace.h>

#include "io_util.h"

/* ---- Echo server and several clients ------------------------------------ */

#define NCLIENTS 8
#define NMSGS 10

static int echo_server(void *arg) { return io_echo_serve(arg, NCLIENTS); }

static const char *echo_host;
static int echo_port;

static int echo_client(void *arg) {
  int id = (int)(intptr_t)arg;
  tt_stream *s;
  ASSERT_OK(tt_tcp_connect(&s, echo_host, echo_port, tt_after_ms(5000)));
  for (int m = 0; m < NMSGS; m++) {
    char msg[64];
    snprintf(msg, sizeof msg, "client %d says %d", id, m * id);
    io_echo_roundtrip(s, msg);
  }
  ASSERT_OK(tt_stream_shutdown(s, tt_after_ms(5000)));
  char c;
  ASSERT_EQ(tt_stream_read(s, &c, 1, tt_after_ms(5000)), 0);
  ASSERT_OK(tt_stream_close(s));
  return 100 + id;
}

static int main_echo(void *arg) {
  echo_host = arg;
  tt_stream *srv;
  ASSERT_OK(tt_tcp_listen(&srv, echo_host, 0, 64));
  echo_port = tt_tcp_port(srv);
  ASSERT_GE(echo_port, 1);
  tt_task *server, *cl[NCLIENTS];
  ASSERT_OK(tt_spawn(&server, echo_server, srv, "server"));
  for (int i = 0; i < NCLIENTS; i++)
    ASSERT_OK(tt_spawn(&cl[i], echo_client, (void *)(intptr_t)i, NULL));
  int res[NCLIENTS];
  ASSERT_OK(tt_gather(cl, NCLIENTS, res, tt_after_ms(20000)));
  for (int i = 0; i < NCLIENTS; i++)
    ASSERT_EQ(res[i], 100 + i);
  ASSERT_OK(tt_join(server, NULL, tt_after_ms(5000)));
  ASSERT_OK(tt_stream_close(srv));
  return 0;
}

TEST(tcp_echo_ipv4) { ASSERT_EQ(tt_run(main_echo, "127.0.0.1"), 0); }

static int main_probe_v6(void *arg) {
  tt_stream *s;
  int r = tt_tcp_listen(&s, "::1", 0, 1);
  if (r == 0)
    tt_stream_close(s);
  return r;
}

TEST(tcp_echo_ipv6) {
  int r = tt_run(main_probe_v6, NULL);
  if (r == -EADDRNOTAVAIL || r == -EAFNOSUPPORT) {
    printf("SKIP: no IPv6 loopback here (%s)\n", tt_strerror(r));
    return;
  }
  ASSERT_OK(r);
  ASSERT_EQ(tt_run(main_echo, "::1"), 0);
}

/* ---- Large writes, both directions at once ------------------------------ */

#define BIG (6u * 1024 * 1024)

typedef struct side {
  tt_stream *s;
  unsigned seed_out, seed_in; /* pattern written, pattern expected */
} side;

static int big_writer(void *arg) {
  side *sd = arg;
  uint8_t *buf = malloc(BIG);
  io_fill(buf, BIG, 0, sd->seed_out);
  ASSERT_OK(tt_stream_write(sd->s, buf, BIG, tt_after_ms(30000)));
  free(buf);
  /* The peer's reader sees the end once everything is through. */
  ASSERT_OK(tt_stream_shutdown(sd->s, tt_after_ms(30000)));
  return 0;
}

static int big_reader(void *arg) {
  side *sd = arg;
  uint8_t *buf = malloc(BIG + 1);
  size_t got = 0;
  for (;;) {
    ssize_t n = tt_stream_read(sd->s, buf + got, BIG + 1 - got, tt_after_ms(30000));
    ASSERT_GE(n, 0);
    if (n == 0)
      break;
    got += (size_t)n;
  }
  ASSERT_EQ(got, BIG);
  ASSERT_EQ(io_check(buf, got, 0, sd->seed_in), -1);
  free(buf);
  return 0;
}

static int main_big(void *arg) {
  tt_stream *srv, *a, *b;
  ASSERT_OK(tt_tcp_listen(&srv, "127.0.0.1", 0, 4));
  ASSERT_OK(tt_tcp_connect(&a, "127.0.0.1", tt_tcp_port(srv), tt_after_ms(5000)));
  ASSERT_OK(tt_stream_accept(srv, &b, tt_after_ms(5000)));
  side sa = {a, 1, 2}, sb = {b, 2, 1};
  tt_task *t[4];
  /* Each stream has a writer and a reader at the same time: with one
   * task per stream, both sides would fill their buffers and stall. */
  ASSERT_OK(tt_spawn(&t[0], big_writer, &sa, "a-writer"));
  ASSERT_OK(tt_spawn(&t[1], big_writer, &sb, "b-writer"));
  ASSERT_OK(tt_spawn(&t[2], big_reader, &sa, "a-reader"));
  ASSERT_OK(tt_spawn(&t[3], big_reader, &sb, "b-reader"));
  int res[4];
  ASSERT_OK(tt_gather(t, 4, res, tt_after_ms(60000)));
  for (int i = 0; i < 4; i++)
    ASSERT_EQ(res[i], 0);
  ASSERT_OK(tt_stream_close(a));
  ASSERT_OK(tt_stream_close(b));
  ASSERT_OK(tt_stream_close(srv));
  return 0;
}

TEST(tcp_large_duplex) { ASSERT_EQ(tt_run(main_big, NULL), 0); }

/* ---- A write that times out: the caller may free its buffer ------------ */

static int main_write_timeout(void *arg) {
  tt_stream *srv, *a, *b;
  ASSERT_OK(tt_tcp_listen(&srv, "127.0.0.1", 0, 4));
  ASSERT_OK(tt_tcp_connect(&a, "127.0.0.1", tt_tcp_port(srv), tt_after_ms(5000)));
  ASSERT_OK(tt_stream_accept(srv, &b, tt_after_ms(5000)));
  /* Nobody reads b: a write far larger than the socket buffers stalls. */
  size_t len = 64u * 1024 * 1024;
  uint8_t *buf = malloc(len);
  memset(buf, 'x', len);
  ASSERT_ERR(tt_stream_write(a, buf, len, tt_after_ms(100)), -ETIMEDOUT);
  /* The caller reuses its buffer: libuv must not be writing from it. */
  memset(buf, 0, len);
  /* Drain b: what arrives (the kernel's buffers, then the queued rest of
   * the request) is all 'x', never the zeroes scribbled over buf. */
  static char c[65536];
  size_t total = 0;
  ssize_t n;
  while ((n = tt_stream_read(b, c, sizeof c, tt_after_ms(100))) > 0) {
    for (ssize_t i = 0; i < n; i++)
      ASSERT_EQ(c[i], 'x');
    total += (size_t)n;
  }
  ASSERT_ERR(n, -ETIMEDOUT);
  ASSERT_GE(total, 1);
  ASSERT_LE(total, len / 2);
  free(buf);
  /* Closing with a write still queued is fine. */
  ASSERT_OK(tt_stream_close(a));
  ASSERT_OK(tt_stream_close(b));
  ASSERT_OK(tt_stream_close(srv));
  return 0;
}

TEST(tcp_write_timeout) { ASSERT_EQ(tt_run(main_write_timeout, NULL), 0); }

/* ---- Read deadline, cancellation of read and accept -------------------- */

static int blocked_reader(void *arg) {
  char buf[16];
  return (int)tt_stream_read(arg, buf, sizeof buf, TT_FOREVER);
}

static int blocked_acceptor(void *arg) {
  tt_stream *c;
  return tt_stream_accept(arg, &c, TT_FOREVER);
}

static int main_read_cancel(void *arg) {
  tt_stream *srv, *a, *b;
  ASSERT_OK(tt_tcp_listen(&srv, "127.0.0.1", 0, 4));
  int port = tt_tcp_port(srv);
  ASSERT_OK(tt_tcp_connect(&a, "127.0.0.1", port, tt_after_ms(5000)));
  ASSERT_OK(tt_stream_accept(srv, &b, tt_after_ms(5000)));
  char buf[16] = {0};
  int64_t t0 = tt_now();
  ASSERT_ERR(tt_stream_read(a, buf, sizeof buf, tt_after_ms(40)), -ETIMEDOUT);
  ASSERT_GE(tt_now() - t0, 40 * 1000000LL);

  tt_task *t;
  int r;
  ASSERT_OK(tt_spawn(&t, blocked_reader, a, "reader"));
  ASSERT_OK(tt_sleep_ms(10));
  ASSERT_ERR(tt_stream_close(a), -EBUSY);
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_join(t, &r, tt_after_ms(1000)));
  ASSERT_ERR(r, -ECANCELED);
  ASSERT_OK(tt_stream_write(b, "still", 5, TT_FOREVER));
  ASSERT_EQ(tt_stream_read(a, buf, sizeof buf, tt_after_ms(1000)), 5);
  ASSERT_STR_EQ(buf, "still");

  ASSERT_OK(tt_spawn(&t, blocked_acceptor, srv, "acceptor"));
  ASSERT_OK(tt_sleep_ms(10));
  ASSERT_ERR(tt_stream_close(srv), -EBUSY);
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_join(t, &r, tt_after_ms(1000)));
  ASSERT_ERR(r, -ECANCELED);
  tt_stream *a2, *b2;
  ASSERT_OK(tt_tcp_connect(&a2, "127.0.0.1", port, tt_after_ms(5000)));
  ASSERT_OK(tt_stream_accept(srv, &b2, tt_after_ms(5000)));
  ASSERT_OK(tt_stream_close(a2));
  ASSERT_OK(tt_stream_close(b2));

  /* A reader blocked when the peer goes away reads the end. */
  ASSERT_OK(tt_spawn(&t, blocked_reader, a, "reader"));
  ASSERT_OK(tt_sleep_ms(5));
  ASSERT_OK(tt_stream_close(b));
  ASSERT_OK(tt_join(t, &r, tt_after_ms(1000)));
  ASSERT_EQ(r, 0);
  /* Writing to it: -EPIPE or -ECONNRESET, not a SIGPIPE. */
  int w = 0;
  for (int i = 0; i < 100 && w == 0; i++) {
    w = tt_stream_write(a, "x", 1, tt_after_ms(1000));
    if (w == 0)
      ASSERT_OK(tt_sleep_ms(1));
  }
  ASSERT_TRUE(w == -EPIPE || w == -ECONNRESET);
  ASSERT_OK(tt_stream_close(a));
  ASSERT_OK(tt_stream_close(srv));
  return 0;
}

TEST(tcp_read_deadline_cancel) { ASSERT_EQ(tt_run(main_read_cancel, NULL), 0); }

/* ---- Connect: refused, stalled (timeout, cancel) ------------------------ */

static int refused_port;

static int main_refused(void *arg) {
  tt_stream *srv, *s;
  ASSERT_OK(tt_tcp_listen(&srv, "127.0.0.1", 0, 1));
  refused_port = tt_tcp_port(srv);
  ASSERT_OK(tt_stream_close(srv));
  ASSERT_OK(tt_sleep_ms(1));
  ASSERT_ERR(tt_tcp_connect(&s, "127.0.0.1", refused_port, tt_after_ms(5000)), -ECONNREFUSED);
  ASSERT_TRUE(s == NULL);
  return 0;
}

TEST(tcp_connect_refused) { ASSERT_EQ(tt_run(main_refused, NULL), 0); }

static int stalled_port;

static int blocked_connector(void *arg) {
  tt_stream *s = NULL;
  int r = tt_tcp_connect(&s, "127.0.0.1", stalled_port, TT_FOREVER);
  if (r == 0)
    tt_stream_close(s);
  return r;
}

/* A listener nobody accepts from, with its queue full: Linux drops further
 * SYNs, so the next connect stalls (until SYN retries, seconds away). */
static int main_connect_stall(void *arg) {
  tt_stream *srv, *held[8];
  int nheld = 0;
  ASSERT_OK(tt_tcp_listen(&srv, "127.0.0.1", 0, 1));
  stalled_port = tt_tcp_port(srv);
  int r = 0;
  while (nheld < 8) {
    r = tt_tcp_connect(&held[nheld], "127.0.0.1", stalled_port, tt_after_ms(200));
    if (r < 0)
      break;
    nheld++;
  }
  ASSERT_ERR(r, -ETIMEDOUT);
  ASSERT_GE(nheld, 1);
  /* Now a connect blocks: cancel it. */
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, blocked_connector, NULL, "connector"));
  ASSERT_OK(tt_sleep_ms(30));
  ASSERT_EQ(tt_task_done(t), 0);
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_join(t, &r, tt_after_ms(1000)));
  ASSERT_ERR(r, -ECANCELED);
  /* Make room: accepting the held connections lets a new one through. */
  for (int i = 0; i < nheld; i++) {
    tt_stream *c;
    ASSERT_OK(tt_stream_accept(srv, &c, tt_after_ms(2000)));
    ASSERT_OK(tt_stream_close(c));
    ASSERT_OK(tt_stream_close(held[i]));
  }
  ASSERT_OK(tt_stream_close(srv));
  return 0;
}

TEST(tcp_connect_timeout_cancel) { ASSERT_EQ(tt_run(main_connect_stall, NULL), 0); }

/* ---- Misuse ------------------------------------------------------------- */

static int second_reader(void *arg) {
  char c;
  return (int)tt_stream_read(arg, &c, 1, TT_NOWAIT);
}

static int main_misuse(void *arg) {
  tt_stream *s = (tt_stream *)1;
  ASSERT_ERR(tt_tcp_listen(&s, "not an address", 0, 1), -EINVAL);
  ASSERT_TRUE(s == NULL);
  ASSERT_ERR(tt_tcp_listen(&s, "127.0.0.1", 65536, 1), -EINVAL);
  ASSERT_ERR(tt_tcp_listen(&s, "127.0.0.1", -1, 1), -EINVAL);
  ASSERT_ERR(tt_tcp_listen(&s, NULL, 0, 1), -EINVAL);
  ASSERT_ERR(tt_tcp_listen(NULL, "127.0.0.1", 0, 1), -EINVAL);
  ASSERT_ERR(tt_tcp_connect(&s, "::zz", 80, TT_FOREVER), -EINVAL);
  ASSERT_ERR(tt_tcp_connect(&s, "127.0.0.1", 0, TT_FOREVER), -EINVAL);
  ASSERT_ERR(tt_tcp_port(NULL), -EINVAL);

  tt_stream *srv, *a, *b, *srv2;
  ASSERT_OK(tt_tcp_listen(&srv, "127.0.0.1", 0, 4));
  int port = tt_tcp_port(srv);
  ASSERT_ERR(tt_tcp_listen(&srv2, "127.0.0.1", port, 4), -EADDRINUSE);
  ASSERT_OK(tt_tcp_connect(&a, "127.0.0.1", port, tt_after_ms(5000)));
  ASSERT_OK(tt_stream_accept(srv, &b, tt_after_ms(5000)));
  tt_stream *none = (tt_stream *)1;
  ASSERT_ERR(tt_stream_accept(a, &none, TT_NOWAIT), -EINVAL); /* not listening */
  ASSERT_TRUE(none == NULL);
  ASSERT_NE(tt_tcp_port(a), port);
  ASSERT_EQ(tt_tcp_port(b), port);
  /* A second reader while one is blocked: -EBUSY. */
  tt_task *t1, *t2;
  ASSERT_OK(tt_spawn(&t1, blocked_reader, a, "first"));
  ASSERT_OK(tt_sleep_ms(5));
  ASSERT_OK(tt_spawn(&t2, second_reader, a, "second"));
  int r;
  ASSERT_OK(tt_join(t2, &r, tt_after_ms(1000)));
  ASSERT_ERR(r, -EBUSY);
  ASSERT_OK(tt_cancel(t1));
  ASSERT_OK(tt_join(t1, NULL, tt_after_ms(1000)));
  /* A pending cancellation is delivered at the call, before any I/O. */
  ASSERT_OK(tt_cancel(tt_self()));
  ASSERT_ERR(tt_stream_write(a, "x", 1, TT_FOREVER), -ECANCELED);
  ASSERT_OK(tt_stream_close(a));
  ASSERT_OK(tt_stream_close(b));
  ASSERT_OK(tt_stream_close(srv));
  return 0;
}

TEST(tcp_misuse) {
  ASSERT_EQ(tt_run(main_misuse, NULL), 0);
  tt_stream *s;
  ASSERT_ERR(tt_tcp_listen(&s, "127.0.0.1", 0, 1), -EPERM); /* no loop */
  ASSERT_ERR(tt_tcp_connect(&s, "127.0.0.1", 1, TT_FOREVER), -EPERM);
}

/* ---- Streams left open at tt_run's end ---------------------------------- */

static int forever_reader(void *arg) {
  char c;
  /* Cancelled by tt_run's end; the stream stays open behind it. */
  return (int)tt_stream_read(arg, &c, 1, TT_FOREVER);
}

static int main_unclosed(void *arg) {
  tt_stream *srv, *a, *b;
  ASSERT_OK(tt_tcp_listen(&srv, "127.0.0.1", 0, 4));
  ASSERT_OK(tt_tcp_connect(&a, "127.0.0.1", tt_tcp_port(srv), tt_after_ms(5000)));
  ASSERT_OK(tt_stream_accept(srv, &b, tt_after_ms(5000)));
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, forever_reader, a, "forever"));
  ASSERT_OK(tt_detach(t));
  ASSERT_OK(tt_sleep_ms(5));
  return 0; /* nothing closed: tt_run frees them (valgrind: no leak) */
}

TEST(tcp_unclosed_streams_freed) {
  char path[] = "/tmp/tt-io-stderr-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  unlink(path);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  setenv("TASKTRACE_DEBUG", "1", 1);
  int r = tt_run(main_unclosed, NULL);
  unsetenv("TASKTRACE_DEBUG");
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  ASSERT_EQ(r, 0);
  static char out[8192];
  ssize_t n = pread(fd, out, sizeof out - 1, 0);
  close(fd);
  ASSERT_GE(n, 0);
  out[n] = 0;
  ASSERT_CONTAINS(out, "stream 'tcp 127.0.0.1:");
  ASSERT_CONTAINS(out, "was never closed");
  /* Issue 10 item 15: three leaked streams, three messages told apart (a
   * connected stream and its listener may share a name: the id differs). */
  char lines[3][160];
  int nl = 0;
  for (char *p = out; (p = strstr(p, "tasktrace: stream '")) != NULL && nl < 3; p++) {
    char *e = strchr(p, '\n');
    snprintf(lines[nl++], sizeof lines[0], "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
    ASSERT_TRUE(strstr(lines[nl - 1], "' (id ") != NULL);
  }
  ASSERT_EQ(nl, 3);
  ASSERT_TRUE(strcmp(lines[0], lines[1]) != 0 && strcmp(lines[0], lines[2]) != 0 &&
              strcmp(lines[1], lines[2]) != 0);
}
