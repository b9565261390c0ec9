/* Unix-domain streams: listen/connect/accept/echo, tt_pipe_open on a
 * socketpair, deadlines, cancellation, misuse. Real sockets in a mkdtemp
 * directory. */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <tasktrace/tasktrace.h>

#include "io_util.h"

static char sock_path[300];

static void make_sock_path(void) {
  snprintf(sock_path, sizeof sock_path, "%s/s", io_tmpdir());
}

static void remove_sock_dir(void) {
  char *slash = strrchr(sock_path, '/');
  *slash = 0;
  ASSERT_OK(rmdir(sock_path));
}

/* ---- Echo: one server task, a handler per connection, several clients -- */

#define NCLIENTS 4
#define NMSGS 5

static int echo_server(void *arg) { return io_echo_serve(arg, NCLIENTS); }

static int echo_client(void *arg) {
  int id = (int)(intptr_t)arg;
  tt_stream *s;
  ASSERT_OK(tt_pipe_connect(&s, sock_path, tt_after_ms(5000)));
  for (int m = 0; m < NMSGS; m++) {
    char msg[64];
    snprintf(msg, sizeof msg, "client %d message %d", id, m);
    io_echo_roundtrip(s, msg);
    ASSERT_OK(tt_yield()); /* interleave the clients */
  }
  ASSERT_OK(tt_stream_shutdown(s, TT_FOREVER));
  char c;
  ASSERT_EQ(tt_stream_read(s, &c, 1, tt_after_ms(5000)), 0); /* server closed */
  ASSERT_EQ(tt_stream_read(s, &c, 1, TT_NOWAIT), 0);         /* EOF is sticky */
  ASSERT_OK(tt_stream_close(s));
  return id;
}

static int main_echo(void *arg) {
  tt_stream *srv;
  ASSERT_OK(tt_pipe_listen(&srv, sock_path, 16));
  ASSERT_TRUE(tt_stream_fd(srv) >= 0);
  ASSERT_ERR(tt_tcp_port(srv), -EINVAL); /* not TCP */
  tt_task *server, *cl[NCLIENTS];
  ASSERT_OK(tt_spawn(&server, echo_server, srv, "server"));
  for (int i = 0; i < NCLIENTS; i++)
    ASSERT_OK(tt_spawn(&cl[i], echo_client, (void *)(intptr_t)i, "client"));
  int res[NCLIENTS];
  ASSERT_OK(tt_gather(cl, NCLIENTS, res, tt_after_ms(10000)));
  for (int i = 0; i < NCLIENTS; i++)
    ASSERT_EQ(res[i], i);
  int r = -1;
  ASSERT_OK(tt_join(server, &r, tt_after_ms(10000)));
  ASSERT_EQ(r, 0);
  struct stat st;
  ASSERT_OK(stat(sock_path, &st));
  ASSERT_TRUE(S_ISSOCK(st.st_mode));
  ASSERT_OK(tt_stream_close(srv));
  ASSERT_OK(tt_sleep_ms(1)); /* let the close callback run */
  ASSERT_ERR(stat(sock_path, &st) == 0 ? 0 : -errno, -ENOENT); /* the listener removed it */
  return 0;
}

TEST(pipe_echo) {
  make_sock_path();
  ASSERT_EQ(tt_run(main_echo, NULL), 0);
  remove_sock_dir();
}

/* ---- Listen and connect errors ----------------------------------------- */

static int main_errors(void *arg) {
  tt_stream *s, *s2;
  ASSERT_OK(tt_pipe_listen(&s, sock_path, 0));
  ASSERT_ERR(tt_pipe_listen(&s2, sock_path, 0), -EADDRINUSE);
  ASSERT_TRUE(s2 == NULL);
  ASSERT_ERR(tt_stream_read(s, (char[4]){0}, 4, TT_NOWAIT), -EINVAL); /* a listener */
  ASSERT_ERR(tt_stream_write(s, "x", 1, TT_NOWAIT), -EINVAL);
  ASSERT_OK(tt_stream_close(s));
  ASSERT_OK(tt_sleep_ms(1));

  char missing[320];
  snprintf(missing, sizeof missing, "%s.missing", sock_path);
  ASSERT_ERR(tt_pipe_connect(&s, missing, tt_after_ms(1000)), -ENOENT);
  ASSERT_TRUE(s == NULL);
  char longp[200];
  memset(longp, 'a', sizeof longp - 1);
  longp[0] = '/';
  longp[sizeof longp - 1] = 0;
  ASSERT_ERR(tt_pipe_listen(&s, longp, 0), -ENAMETOOLONG);
  ASSERT_ERR(tt_pipe_connect(&s, longp, TT_FOREVER), -ENAMETOOLONG);
  ASSERT_ERR(tt_pipe_listen(&s, NULL, 0), -EINVAL);
  ASSERT_ERR(tt_pipe_listen(NULL, sock_path, 0), -EINVAL);
  ASSERT_ERR(tt_pipe_open(&s, -1), -EBADF);
  ASSERT_ERR(tt_stream_read(NULL, longp, 1, TT_NOWAIT), -EINVAL);
  ASSERT_ERR(tt_stream_close(NULL), -EINVAL);

  /* A socket file nobody listens on: refused, not a hang. */
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  ASSERT_TRUE(strlen(sock_path) < sizeof un.sun_path);
  memcpy(un.sun_path, sock_path, strlen(sock_path) + 1);
  ASSERT_OK(bind(fd, (struct sockaddr *)&un, sizeof un));
  ASSERT_ERR(tt_pipe_connect(&s, sock_path, tt_after_ms(1000)), -ECONNREFUSED);
  close(fd);
  unlink(sock_path);
  return 0;
}

TEST(pipe_errors) {
  make_sock_path();
  ASSERT_EQ(tt_run(main_errors, NULL), 0);
  remove_sock_dir();
  /* No loop on this thread. */
  tt_stream *s;
  ASSERT_ERR(tt_pipe_listen(&s, "/tmp/never", 0), -EPERM);
  ASSERT_ERR(tt_pipe_connect(&s, "/tmp/never", TT_FOREVER), -EPERM);
}

/* ---- tt_pipe_open on a socketpair -------------------------------------- */

static int sp[2];

static int main_socketpair(void *arg) {
  tt_stream *a, *b;
  ASSERT_OK(tt_pipe_open(&a, sp[0]));
  ASSERT_OK(tt_pipe_open(&b, sp[1]));
  ASSERT_EQ(tt_stream_fd(a), sp[0]);
  ASSERT_OK(tt_stream_write(a, "ping", 4, TT_FOREVER));
  char buf[8] = {0};
  ASSERT_EQ(tt_stream_read(b, buf, sizeof buf, tt_after_ms(2000)), 4);
  ASSERT_STR_EQ(buf, "ping");
  ASSERT_OK(tt_stream_write(b, "pong!", 5, TT_FOREVER));
  memset(buf, 0, sizeof buf);
  ASSERT_EQ(tt_stream_read(a, buf, sizeof buf, tt_after_ms(2000)), 5);
  ASSERT_STR_EQ(buf, "pong!");
  /* Shut down a's side: b reads the end, and can still write back. */
  ASSERT_OK(tt_stream_shutdown(a, tt_after_ms(2000)));
  ASSERT_EQ(tt_stream_read(b, buf, sizeof buf, tt_after_ms(2000)), 0);
  ASSERT_OK(tt_stream_write(b, "bye", 3, TT_FOREVER));
  ASSERT_EQ(tt_stream_read(a, buf, sizeof buf, tt_after_ms(2000)), 3);
  ASSERT_OK(tt_stream_close(a));
  ASSERT_OK(tt_stream_close(b));
  return 0;
}

TEST(pipe_open_socketpair) {
  ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
  ASSERT_EQ(tt_run(main_socketpair, NULL), 0);
  /* The streams owned the fds: closing them closed the fds. */
  ASSERT_EQ(fcntl(sp[0], F_GETFD), -1);
  ASSERT_EQ(fcntl(sp[1], F_GETFD), -1);
}

/* ---- Deadlines and cancellation ----------------------------------------- */

static int blocked_reader(void *arg) {
  char buf[16];
  return (int)tt_stream_read(arg, buf, sizeof buf, TT_FOREVER);
}

static int blocked_acceptor(void *arg) {
  tt_stream *c = NULL;
  int r = tt_stream_accept(arg, &c, TT_FOREVER);
  ASSERT_TRUE(c == NULL);
  return r;
}

static int main_deadlines(void *arg) {
  tt_stream *a, *b;
  ASSERT_OK(tt_pipe_open(&a, sp[0]));
  ASSERT_OK(tt_pipe_open(&b, sp[1]));
  char buf[16];
  /* Nothing to read: the deadline passes. */
  int64_t t0 = tt_now();
  ASSERT_ERR(tt_stream_read(a, buf, sizeof buf, tt_after_ms(50)), -ETIMEDOUT);
  ASSERT_GE(tt_now() - t0, 50 * 1000000LL);
  ASSERT_ERR(tt_stream_read(a, buf, sizeof buf, TT_NOWAIT), -ETIMEDOUT);
  /* Data already there comes back even with TT_NOWAIT. */
  ASSERT_OK(tt_stream_write(b, "abc", 3, TT_FOREVER));
  ASSERT_EQ(tt_stream_read(a, buf, sizeof buf, TT_NOWAIT), 3);

  /* A reader blocked forever, cancelled: -ECANCELED. While it is blocked
   * the stream cannot be closed, nor read by a second task. */
  tt_task *t;
  ASSERT_OK(tt_spawn(&t, blocked_reader, a, "reader"));
  ASSERT_OK(tt_sleep_ms(10));
  ASSERT_EQ(tt_task_done(t), 0);
  ASSERT_ERR(tt_stream_close(a), -EBUSY);
  ASSERT_ERR(tt_stream_read(a, buf, sizeof buf, TT_NOWAIT), -EBUSY);
  /* Writing while another task reads is allowed (full duplex). */
  ASSERT_OK(tt_stream_write(a, "w", 1, TT_FOREVER));
  ASSERT_EQ(tt_stream_read(b, buf, sizeof buf, tt_after_ms(1000)), 1);
  ASSERT_OK(tt_cancel(t));
  ASSERT_ERR(tt_stream_close(a), -EBUSY); /* woken, not yet returned */
  int r = 0;
  ASSERT_OK(tt_join(t, &r, tt_after_ms(1000)));
  ASSERT_ERR(r, -ECANCELED);
  /* The stream is still usable: nothing was lost, nothing is in the way. */
  ASSERT_OK(tt_stream_write(b, "after", 5, TT_FOREVER));
  memset(buf, 0, sizeof buf);
  ASSERT_EQ(tt_stream_read(a, buf, sizeof buf, tt_after_ms(1000)), 5);
  ASSERT_STR_EQ(buf, "after");

  /* A reader cancelled just before data arrives (the data is polled
   * before it runs again) loses nothing: the next read gets it. */
  ASSERT_OK(tt_spawn(&t, blocked_reader, a, "reader2"));
  ASSERT_OK(tt_yield());
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_stream_write(b, "kept", 4, TT_FOREVER));
  ASSERT_OK(tt_join(t, &r, tt_after_ms(1000)));
  ASSERT_ERR(r, -ECANCELED);
  memset(buf, 0, sizeof buf);
  ASSERT_EQ(tt_stream_read(a, buf, sizeof buf, tt_after_ms(1000)), 4);
  ASSERT_STR_EQ(buf, "kept");

  ASSERT_OK(tt_stream_close(a));
  ASSERT_OK(tt_stream_close(b));

  /* Accept: timeout, then cancel, then a real connection still comes. */
  tt_stream *srv, *c, *s;
  ASSERT_OK(tt_pipe_listen(&srv, sock_path, 4));
  ASSERT_ERR(tt_stream_accept(srv, &c, tt_after_ms(20)), -ETIMEDOUT);
  ASSERT_ERR(tt_stream_accept(srv, &c, TT_NOWAIT), -ETIMEDOUT);
  ASSERT_OK(tt_spawn(&t, blocked_acceptor, srv, "acceptor"));
  ASSERT_OK(tt_sleep_ms(5));
  ASSERT_ERR(tt_stream_accept(srv, &c, TT_NOWAIT), -EBUSY);
  ASSERT_ERR(tt_stream_close(srv), -EBUSY);
  ASSERT_OK(tt_cancel(t));
  ASSERT_OK(tt_join(t, &r, tt_after_ms(1000)));
  ASSERT_ERR(r, -ECANCELED);
  ASSERT_OK(tt_pipe_connect(&s, sock_path, tt_after_ms(1000)));
  ASSERT_OK(tt_stream_accept(srv, &c, tt_after_ms(1000)));
  ASSERT_OK(tt_stream_write(s, "hi", 2, TT_FOREVER));
  ASSERT_EQ(tt_stream_read(c, buf, sizeof buf, tt_after_ms(1000)), 2);
  ASSERT_OK(tt_stream_close(s));
  ASSERT_OK(tt_stream_close(c));
  ASSERT_OK(tt_stream_close(srv));
  return 0;
}

TEST(pipe_deadline_cancel) {
  make_sock_path();
  ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
  ASSERT_EQ(tt_run(main_deadlines, NULL), 0);
  remove_sock_dir();
}

/* ---- A task waiting for I/O keeps the loop alive (no false deadlock) ---- */

static void write_later(void *arg) {
  usleep(50 * 1000);
  ASSERT_EQ(write(*(int *)arg, "late", 4), 4);
}

static int main_wait_for_thread(void *arg) {
  tt_stream *a;
  ASSERT_OK(tt_pipe_open(&a, sp[0]));
  uv_thread_t th;
  ASSERT_OK(uv_thread_create(&th, write_later, &sp[1]));
  /* No task can run and no timer is set: only the read is pending. */
  char buf[8] = {0};
  ASSERT_EQ(tt_stream_read(a, buf, sizeof buf, TT_FOREVER), 4);
  ASSERT_STR_EQ(buf, "late");
  ASSERT_OK(uv_thread_join(&th));
  ASSERT_OK(tt_stream_close(a));
  return 0;
}

TEST(pipe_read_is_not_a_deadlock) {
  ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
  ASSERT_EQ(tt_run(main_wait_for_thread, NULL), 0);
  close(sp[1]);
}

/* ---- Calls from a thread that does not own the loop --------------------- */

static int wrong_thread_results[4];

static void poke_from_thread(void *arg) {
  tt_stream *s = arg;
  char c;
  wrong_thread_results[0] = tt_stream_close(s);
  wrong_thread_results[1] = (int)tt_stream_read(s, &c, 1, TT_NOWAIT);
  wrong_thread_results[2] = tt_stream_write(s, "x", 1, TT_NOWAIT);
  wrong_thread_results[3] = tt_stream_fd(s);
}

static int main_wrong_thread(void *arg) {
  tt_stream *a, *b;
  ASSERT_OK(tt_pipe_open(&a, sp[0]));
  ASSERT_OK(tt_pipe_open(&b, sp[1]));
  uv_thread_t th;
  ASSERT_OK(uv_thread_create(&th, poke_from_thread, a));
  ASSERT_OK(uv_thread_join(&th));
  for (int i = 0; i < 4; i++)
    ASSERT_ERR(wrong_thread_results[i], -EPERM);
  /* Refused, and nothing done: a still works. */
  ASSERT_OK(tt_stream_write(a, "ok", 2, TT_FOREVER));
  char buf[4] = {0};
  ASSERT_EQ(tt_stream_read(b, buf, sizeof buf, tt_after_ms(1000)), 2);
  ASSERT_STR_EQ(buf, "ok");
  ASSERT_OK(tt_stream_close(a));
  ASSERT_OK(tt_stream_close(b));
  return 0;
}

TEST(pipe_wrong_thread) {
  ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
  ASSERT_EQ(tt_run(main_wrong_thread, NULL), 0);
}
