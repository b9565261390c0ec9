/* Streams (TCP and Unix-domain alike): accept, read, write, shutdown,
 * close. See io.h for the waiter slots and why late callbacks are harmless.
 *
 * Buffers: libuv reads straight into the blocked reader's buffer, and only
 * while that reader is still parked, so no byte lands in a buffer whose
 * caller has already left with -ETIMEDOUT or -ECANCELED. Writes go first
 * with uv_try_write from the caller's buffer; what the kernel does not take
 * at once is copied, a chunk at a time, into a heap request that libuv owns
 * until its callback, so an early return never leaves libuv reading a
 * buffer the caller may free.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

/* The most a queued write request copies: bounds the memory a write holds
 * and the bytes left behind when it times out. */
#define WRITE_CHUNK (256 * 1024)

typedef struct write_req {
  uv_write_t req;
  char data[]; /* the copy libuv writes from */
} write_req;

static pthread_once_t sigpipe_once = PTHREAD_ONCE_INIT;

static void ignore_sigpipe(void) {
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
  }
}

void tt__io_ignore_sigpipe(void) { pthread_once(&sigpipe_once, ignore_sigpipe); }

/* ---- Life and names ----------------------------------------------------- */

int tt__stream_new(tt_stream **out, bool is_pipe) {
  tt_loop *loop = tt__loop;
  *out = NULL;
  if (loop == NULL)
    return -EPERM;
  tt_stream *s = calloc(1, sizeof *s);
  if (s == NULL)
    return -ENOMEM;
  int r = is_pipe ? uv_pipe_init(&loop->uv, &s->u.pipe, 0) : uv_tcp_init(&loop->uv, &s->u.tcp);
  if (r < 0) {
    free(s);
    return r;
  }
  s->is_pipe = is_pipe;
  s->u.h.data = s;
  /* Owned by this loop from the start, so that discard paths can check. */
  s->obj.loop = loop;
  tt__list_push(&loop->streams, &s->live);
  tt__io_ignore_sigpipe();
  *out = s;
  return 0;
}

static void close_cb(uv_handle_t *h) { free(h->data); }

void tt__stream_discard(tt_stream *s) {
  tt__list_remove(&s->live);
  uv_close(&s->u.h, close_cb);
}

/* tt_run's end: tasks are gone, the streams they left open on this loop
 * (loop->streams, every stream tt__stream_new made on it and nobody
 * discarded) are closed here, with the callback that frees them (asyncio
 * warns about unclosed transports the same way). */
void tt__io_close_all(tt_loop *loop) {
  tt__list *l = &loop->streams;
  while (!tt__list_empty(l)) {
    tt_stream *s = tt__container_of(l->next, tt_stream, live);
    if (tt__cfg.debug)
      fprintf(stderr,
              "tasktrace: stream '%s' (id %llu) was never closed; closed at the end of tt_run\n",
              s->obj.name, (unsigned long long)s->obj.id); /* the id tells same-named ones apart */
    tt__stream_discard(s);
  }
}

void tt__stream_name(tt_stream *s, const char *prefix, const char *what) {
  /* 31 characters: keep the prefix and the tail of what, the part of a
   * path that tells sockets apart. */
  char name[sizeof s->obj.name];
  size_t cap = sizeof name - 1, p = strlen(prefix), n = strlen(what), at = 0;
  if (p > cap - 5)
    p = cap - 5;
  memcpy(name, prefix, p);
  at = p;
  name[at++] = ' ';
  if (n > cap - at) {
    memcpy(name + at, "...", 3);
    at += 3;
    what += n - (cap - at);
    n = cap - at;
  }
  memcpy(name + at, what, n);
  name[at + n] = 0;
  tt__obj_init(&s->obj, TT_KIND_io, name);
}

/* ---- Connect (shared by TCP and pipes) ---------------------------------- */

void tt__stream_connect_cb(uv_connect_t *req, int status) {
  tt_stream *s = tt__container_of(req, tt_stream, creq);
  s->cstatus = status;
  if (s->writer != NULL)
    tt__wake(s->writer, status, NULL, s->obj.id);
}

int tt__stream_connect_wait(tt_stream *s, tt_task *self, tt_deadline deadline,
                            tt_stream **out) {
  s->writer = self;
  int r = tt__park(self, TT_STATE_io, s->obj.id, s, NULL, deadline);
  s->writer = NULL;
  if (r < 0) {
    /* On timeout or cancel the connect may still be in flight: closing
     * the handle cancels it (its callback runs first, finding no writer). */
    tt__stream_discard(s);
    return r;
  }
  *out = s;
  return 0;
}

/* ---- Waiter slots --------------------------------------------------------
 *
 * A call takes its slot (reader or writer) for its whole length, before
 * tt__enter, which may yield under a seeded scheduler: meanwhile another
 * task finds the slot taken (-EBUSY) and tt_stream_close refuses, so no
 * one closes the stream under a call that has begun.
 *
 * claim is also the common start of accept, read, write and shutdown: s
 * belongs to the caller's loop (fn names the call in the owner-check
 * message) and is a listener exactly when the call wants one (accept), else
 * -EINVAL. Returns the calling task holding the slot, or NULL with *err. */
static tt_task *claim(tt_stream *s, const char *fn, bool listener, tt_task **slot, int *err) {
  *err = tt__check_owner(&s->obj, fn);
  if (*err < 0)
    return NULL;
  if (s->listening != listener) {
    *err = -EINVAL;
    return NULL;
  }
  tt_task *cur = tt__loop ? tt__loop->current : NULL;
  if (cur == NULL) {
    *err = -EPERM;
    return NULL;
  }
  if (*slot != NULL) {
    *err = -EBUSY;
    return NULL;
  }
  *slot = cur;
  tt_task *self = tt__enter(err);
  if (self == NULL)
    *slot = NULL;
  return self;
}

/* ---- Listen and accept -------------------------------------------------- */

int tt__stream_listen(tt_stream *s, int bound, int backlog) {
  int r = bound;
  if (r == 0)
    r = uv_listen(&s->u.s, backlog > 0 ? backlog : SOMAXCONN, tt__stream_connection_cb);
  if (r < 0) {
    tt__stream_discard(s);
    return r;
  }
  s->listening = true;
  return 0;
}

void tt__stream_connection_cb(uv_stream_t *h, int status) {
  tt_stream *s = h->data;
  if (status < 0)
    s->accept_err = status;
  else
    s->pending++;
  if (s->reader != NULL)
    tt__wake(s->reader, 0, NULL, s->obj.id);
}

static void name_accepted(tt_stream *c) {
  char addr[64] = "?";
  if (c->is_pipe) {
    size_t len = sizeof addr;
    if (uv_pipe_getsockname(&c->u.pipe, addr, &len) < 0 || len == 0)
      snprintf(addr, sizeof addr, "?");
    else if (len >= sizeof addr)
      addr[sizeof addr - 1] = 0;
    tt__stream_name(c, "pipe", addr);
    return;
  }
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (uv_tcp_getpeername(&c->u.tcp, (struct sockaddr *)&ss, &len) == 0)
    tt__format_sockaddr(&ss, addr, sizeof addr);
  tt__stream_name(c, "tcp", addr);
}

static int accept_claimed(tt_stream *server, tt_task *self, tt_stream **client,
                          tt_deadline deadline) {
  while (server->pending == 0) {
    if (server->accept_err < 0) {
      int err = server->accept_err;
      server->accept_err = 0;
      return err;
    }
    int err = tt__park(self, TT_STATE_io, server->obj.id, server, NULL, deadline);
    if (err < 0)
      return err;
  }
  tt_stream *c;
  int err = tt__stream_new(&c, server->is_pipe);
  if (err < 0)
    return err;
  err = uv_accept(&server->u.s, &c->u.s);
  if (err < 0) {
    tt__stream_discard(c);
    return err;
  }
  server->pending--;
  name_accepted(c);
  *client = c;
  return 0;
}

int tt_stream_accept(tt_stream *server, tt_stream **client, tt_deadline deadline) {
  if (server == NULL || client == NULL)
    return -EINVAL;
  *client = NULL;
  int err;
  tt_task *self = claim(server, "tt_stream_accept", true, &server->reader, &err);
  if (self == NULL)
    return err;
  err = accept_claimed(server, self, client, deadline);
  server->reader = NULL;
  return err;
}

/* ---- Read --------------------------------------------------------------- */

/* Hand out the reader's buffer only while the reader is still parked: once
 * it has timed out or been cancelled (woken, not yet run), no byte may land
 * in a buffer it is about to give up. A zero-length buffer makes libuv call
 * read_cb with UV_ENOBUFS, which stops reading. */
static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  tt_stream *s = h->data;
  (void)suggested;
  if (s->reader != NULL && s->reader->state == TT__T_PARKED && s->rbuf != NULL)
    *buf = uv_buf_init(s->rbuf, (unsigned)(s->rlen > UINT32_MAX ? UINT32_MAX : s->rlen));
  else
    *buf = uv_buf_init(NULL, 0);
}

static void read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf) {
  tt_stream *s = h->data;
  (void)buf;
  if (nread == 0)
    return; /* EAGAIN: nothing this time */
  /* One read per wait: stop before libuv asks alloc_cb for more. */
  uv_read_stop(h);
  if (nread == UV_ENOBUFS)
    return; /* no reader waits any more */
  ssize_t result = nread;
  if (nread == UV_EOF) {
    s->eof = true;
    result = 0;
  } else if (nread < 0) {
    s->rerr = (int)nread;
  }
  s->rbuf = NULL; /* delivered: nothing more goes into it */
  if (s->reader != NULL)
    tt__wake(s->reader, (int)result, NULL, s->obj.id);
}

/* Read what the kernel has, without waiting: the fd is non-blocking. */
static ssize_t read_now(tt_stream *s, void *buf, size_t len) {
  int fd;
  if (uv_fileno(&s->u.h, &fd) < 0)
    return -EBADF;
  for (;;) {
    ssize_t n = read(fd, buf, len);
    if (n >= 0) {
      if (n == 0)
        s->eof = true;
      return n;
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return -EAGAIN;
    s->rerr = -errno;
    return -errno;
  }
}

static ssize_t read_claimed(tt_stream *s, tt_task *self, void *buf, size_t len,
                            tt_deadline deadline) {
  if (s->eof || len == 0)
    return 0;
  if (s->rerr < 0)
    return s->rerr;
  if (len > INT32_MAX)
    len = INT32_MAX; /* the result travels through tt__park as an int */
  /* Data already there is returned at once (as asyncio's StreamReader
   * does): one syscall instead of a loop iteration, and TT_NOWAIT works. */
  ssize_t n = read_now(s, buf, len);
  if (n != -EAGAIN)
    return n;
  s->rbuf = buf;
  s->rlen = len;
  int err = uv_read_start(&s->u.s, alloc_cb, read_cb);
  if (err == 0) {
    err = tt__park(self, TT_STATE_io, s->obj.id, s, NULL, deadline);
    uv_read_stop(&s->u.s); /* also after a timeout or cancel */
  }
  s->rbuf = NULL;
  return err;
}

ssize_t tt_stream_read(tt_stream *s, void *buf, size_t len, tt_deadline deadline) {
  if (s == NULL || (buf == NULL && len > 0))
    return -EINVAL;
  int err;
  tt_task *self = claim(s, "tt_stream_read", false, &s->reader, &err);
  if (self == NULL)
    return err;
  ssize_t n = read_claimed(s, self, buf, len, deadline);
  s->reader = NULL;
  return n;
}

/* ---- Write and shutdown ------------------------------------------------- */

/* Requests free themselves: after an early return nobody else will. */
static void write_cb(uv_write_t *req, int status) {
  tt_stream *s = req->handle->data;
  if (s->wreq == req && s->writer != NULL)
    tt__wake(s->writer, status, NULL, s->obj.id);
  free(tt__container_of(req, write_req, req));
}

static void shutdown_cb(uv_shutdown_t *req, int status) {
  tt_stream *s = req->handle->data;
  if (s->wreq == req && s->writer != NULL)
    tt__wake(s->writer, status, NULL, s->obj.id);
  free(req);
}

/* Park (as the claimed writer) until the callback of req. */
static int wait_request(tt_stream *s, tt_task *self, void *req, tt_deadline deadline) {
  s->wreq = req;
  int r = tt__park(self, TT_STATE_io, s->obj.id, s, NULL, deadline);
  s->wreq = NULL;
  return r;
}

static int write_claimed(tt_stream *s, tt_task *self, const char *p, size_t len,
                         tt_deadline deadline) {
  while (len > 0) {
    /* Straight from the caller's buffer while the kernel takes it
     * (uv_try_write refuses while earlier writes are queued). */
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)(len > (1u << 30) ? (1u << 30) : len));
    int n = uv_try_write(&s->u.s, &b, 1);
    if (n > 0) {
      p += n;
      len -= (size_t)n;
      continue;
    }
    if (n < 0 && n != UV_EAGAIN)
      return n;
    size_t c = len < WRITE_CHUNK ? len : WRITE_CHUNK;
    write_req *w = malloc(sizeof *w + c);
    if (w == NULL)
      return -ENOMEM;
    memcpy(w->data, p, c);
    b = uv_buf_init(w->data, (unsigned)c);
    int err = uv_write(&w->req, &s->u.s, &b, 1, write_cb);
    if (err < 0) {
      free(w);
      return err;
    }
    p += c;
    len -= c;
    /* An early return leaves w queued: write_cb frees it. */
    err = wait_request(s, self, &w->req, deadline);
    if (err < 0)
      return err;
  }
  return 0;
}

int tt_stream_write(tt_stream *s, const void *buf, size_t len, tt_deadline deadline) {
  if (s == NULL || (buf == NULL && len > 0))
    return -EINVAL;
  int err;
  tt_task *self = claim(s, "tt_stream_write", false, &s->writer, &err);
  if (self == NULL)
    return err;
  err = write_claimed(s, self, buf, len, deadline);
  s->writer = NULL;
  return err;
}

int tt_stream_shutdown(tt_stream *s, tt_deadline deadline) {
  if (s == NULL)
    return -EINVAL;
  int err;
  tt_task *self = claim(s, "tt_stream_shutdown", false, &s->writer, &err);
  if (self == NULL)
    return err;
  uv_shutdown_t *req = malloc(sizeof *req);
  if (req == NULL) {
    err = -ENOMEM;
  } else if ((err = uv_shutdown(req, &s->u.s, shutdown_cb)) < 0) {
    free(req);
  } else {
    /* libuv shuts down once the queued writes are out: wait for that. */
    err = wait_request(s, self, req, deadline);
  }
  s->writer = NULL;
  return err;
}

/* ---- Close and fd ------------------------------------------------------- */

int tt_stream_close(tt_stream *s) {
  if (s == NULL)
    return -EINVAL;
  int err = tt__check_owner(&s->obj, "tt_stream_close");
  if (err < 0)
    return err;
  /* A task inside a call on s (blocked, or woken and not yet returned)
   * will still touch it. */
  if (s->reader != NULL || s->writer != NULL)
    return -EBUSY;
  if (uv_is_closing(&s->u.h))
    return -EINVAL;
  tt__stream_discard(s);
  return 0;
}

int tt_stream_fd(tt_stream *s) {
  if (s == NULL)
    return -EINVAL;
  int err = tt__check_owner(&s->obj, "tt_stream_fd");
  if (err < 0)
    return err;
  int fd;
  err = uv_fileno(&s->u.h, &fd);
  return err < 0 ? err : fd;
}
