/* The collector on the tasktrace runtime (collector.h). Nothing a producer
 * sends is trusted: the hello, every length and every record are checked
 * before a byte reaches a file, and bad input ends that one connection. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/codec.h"
#include "../src/ttfile.h"
#include "collector.h"

#define RBUF_SIZE (TT__MSG_MAX + (64u << 10)) /* a largest message always fits */
#define QUEUE_MAX 64            /* messages in flight to the writer: backpressure */
#define HELLO_TIMEOUT_MS 10000
#define IDLE_FLUSH_MS 500       /* data reaches the disk at most about this late */

typedef struct conn {
  struct conn *next, *prev;
  tt_collector *c;
  tt_task *task;
  tt_stream *s;
  tt_proc_info proc;
  char path[4096];
  tt_writer *w;        /* NULL when the file could not be written */
  int seq;             /* files opened on SIGHUP: PATH-1, -2 ... */
  int reported;        /* a write error was logged */
  tt__idmap defined;   /* string ids the producer defined */
  uint64_t events, lost, bytes;
} conn;

enum { IT_MSG, IT_CLOSE, IT_HUP, IT_STOP };
typedef struct item {
  int kind;
  conn *cn;
  uint8_t *body;
  size_t len;
  uint32_t nevents;
  uint64_t first, last, lost;
} item;

struct tt_collector {
  tt_collector_opts o;
  tt_stream *listener;
  tt_task *acceptor, *writer;
  tt_queue q;
  conn conns;          /* list head */
  size_t nconns;
  tt_event none_left;  /* set when nconns drops to 0 */
  int first_taken;
  char first_file[4096];
  tt_collector_stats st;
};

static void logf_(tt_collector *c, int always, const char *fmt, ...) {
  if (c->o.quiet && !always)
    return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", c->o.log_prefix ? c->o.log_prefix : "tasktraced");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---- Files ---- */

static void file_name(conn *cn, char *out, size_t len) {
  tt_collector *c = cn->c;
  if (c->o.out_path && !c->first_taken) {
    c->first_taken = 1;
    snprintf(out, len, "%s", c->o.out_path);
    snprintf(c->first_file, sizeof c->first_file, "%s", out);
    return;
  }
  if (c->o.out_path) {
    /* OUT.ttrace -> OUT.PID.ttrace for the other processes of a record. */
    const char *dot = strrchr(c->o.out_path, '.');
    int stem = dot && strcmp(dot, ".ttrace") == 0 ? (int)(dot - c->o.out_path)
                                                  : (int)strlen(c->o.out_path);
    snprintf(out, len, "%.*s.%u.ttrace", stem, c->o.out_path, cn->proc.pid);
    return;
  }
  time_t t = (time_t)(cn->proc.start_realtime_ns / 1000000000u);
  struct tm tm;
  gmtime_r(&t, &tm);
  char when[32];
  strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
  /* The program name comes from the producer: keep it to safe characters. */
  char prog[64];
  size_t i = 0;
  for (; cn->proc.program[i] && i < sizeof prog - 1; i++) {
    char ch = cn->proc.program[i];
    prog[i] = (ch == '/' || ch == '.' || ch < 0x21 || ch > 0x7e) ? '_' : ch;
  }
  prog[i] = 0;
  if (i == 0)
    strcpy(prog, "unknown");
  for (int n = 0;; n++) {
    if (n == 0)
      snprintf(out, len, "%s/%s-%u-%s.ttrace", c->o.dir, prog, cn->proc.pid, when);
    else
      snprintf(out, len, "%s/%s-%u-%s-%d.ttrace", c->o.dir, prog, cn->proc.pid, when, n);
    if (access(out, F_OK) != 0)
      return;
  }
}

static tt_writer *open_file(conn *cn, const char *path) {
  tt_writer_opts wo = {cn->c->o.level, 0, cn->c->o.ring_bytes};
  tt_writer *w;
  int r = tt_writer_open(&w, path, &cn->proc, &wo);
  if (r < 0) {
    logf_(cn->c, 1, "pid %u: cannot create %s: %s; its events are dropped", cn->proc.pid, path,
          strerror(-r));
    cn->c->st.failed++;
    return NULL;
  }
  return w;
}

static void close_file(conn *cn) {
  if (cn->w == NULL)
    return;
  uint64_t ev = tt__writer_events(cn->w);
  int r = tt_writer_close(cn->w);
  cn->w = NULL;
  struct stat st;
  uint64_t bytes = stat(cn->path, &st) == 0 ? (uint64_t)st.st_size : 0;
  cn->bytes += bytes;
  cn->c->st.bytes += bytes;
  if (r < 0)
    cn->c->st.failed++;
  if (r < 0 && !cn->reported)
    logf_(cn->c, 1, "pid %u: writing %s: %s", cn->proc.pid, cn->path, strerror(-r));
  else if (r == 0)
    logf_(cn->c, 0, "pid %u: closed %s: %llu events, %llu bytes", cn->proc.pid, cn->path,
          (unsigned long long)ev, (unsigned long long)bytes);
}

static void check_write(conn *cn) {
  int r = cn->w ? tt__writer_error(cn->w) : 0;
  if (r < 0 && !cn->reported) {
    /* A full disk: say so once; the producer keeps running, its events
     * are dropped until the file is reopened (SIGHUP). */
    cn->reported = 1;
    logf_(cn->c, 1, "pid %u: writing %s: %s; dropping its events", cn->proc.pid, cn->path,
          strerror(-r));
  }
}

/* ---- The writer task ---- */

static void free_conn(conn *cn) {
  tt_collector *c = cn->c;
  cn->prev->next = cn->next;
  cn->next->prev = cn->prev;
  tt__idmap_free(&cn->defined, NULL);
  free(cn);
  if (--c->nconns == 0)
    tt_event_set(&c->none_left);
}

static int writer_main(void *arg) {
  tt_collector *c = arg;
  int64_t flushed = tt_now();
  for (;;) {
    void *p;
    int r = tt_queue_get(&c->q, &p, flushed + IDLE_FLUSH_MS * 1000000ll);
    if (tt_now() - flushed >= IDLE_FLUSH_MS * 1000000ll) {
      /* Put what is buffered on disk every so often, so that a collector
       * killed at any moment loses at most that much. */
      for (conn *cn = c->conns.next; cn != &c->conns; cn = cn->next)
        if (cn->w && c->o.ring_bytes == 0) {
          tt_writer_flush(cn->w);
          check_write(cn);
        }
      flushed = tt_now();
    }
    if (r == -ETIMEDOUT)
      continue;
    if (r < 0)
      continue; /* cancelled: the stop item still comes */
    item *it = p;
    conn *cn = it->cn;
    tt_queue_task_done(&c->q);
    switch (it->kind) {
    case IT_MSG:
      if (cn->w && tt__writer_error(cn->w) == 0) {
        tt__writer_message(cn->w, cn->proc.pid, it->body, it->len, it->nevents, it->first,
                           it->last, it->lost);
        check_write(cn);
        /* Counted once handed to the file (a full disk drops them). */
        cn->events += it->nevents;
        cn->lost += it->lost;
        c->st.events += it->nevents;
        c->st.lost += it->lost;
      }
      free(it->body);
      break;
    case IT_HUP:
      for (conn *x = c->conns.next; x != &c->conns; x = x->next) {
        if (x->w == NULL)
          continue;
        char path[4096];
        snprintf(path, sizeof path, "%s", x->path);
        char *dot = strrchr(path, '.');
        if (dot && strcmp(dot, ".ttrace") == 0)
          *dot = 0;
        char *dash = strrchr(path, '~');
        if (dash && x->seq > 0)
          *dash = 0;
        char next[4096];
        snprintf(next, sizeof next, "%.4000s~%d.ttrace", path, ++x->seq);
        tt_writer *nw = open_file(x, next);
        if (nw != NULL)
          tt__writer_copy_strings(nw, x->w);
        close_file(x);
        x->w = nw;
        x->reported = 0;
        snprintf(x->path, sizeof x->path, "%s", next);
        logf_(c, 0, "pid %u: reopened as %s", x->proc.pid, x->path);
      }
      break;
    case IT_CLOSE:
      close_file(cn);
      tt_join(cn->task, NULL, TT_FOREVER);
      free_conn(cn);
      break;
    case IT_STOP:
      free(it);
      return 0;
    }
    free(it);
  }
}

static int push(tt_collector *c, item *it) {
  item *copy = malloc(sizeof *copy);
  if (copy == NULL)
    return -ENOMEM;
  *copy = *it;
  int r, cancelled = 0;
  /* A cancelled connection task still hands its last items over, and then
   * learns it was cancelled: the retry consumed the cancellation, and a
   * task that went on reading a busy producer would never end (a SIGTERM
   * that never stops the collector). */
  while ((r = tt_queue_put(&c->q, copy, TT_FOREVER)) == -ECANCELED)
    cancelled = 1;
  if (r < 0) {
    free(copy);
    return r;
  }
  return cancelled ? -ECANCELED : 0;
}

/* ---- Connection tasks ---- */

typedef struct rbuf {
  uint8_t *buf;
  size_t start, end;
} rbuf;

/* Make n bytes available at rb->buf + rb->start. Returns 1, 0 on a clean
 * end of stream before any of them, -EPIPE when the stream ends inside
 * them, or the read error. */
static int need(tt_stream *s, rbuf *rb, size_t n, tt_deadline dl) {
  if (rb->end - rb->start >= n)
    return 1;
  if (rb->start > 0) {
    memmove(rb->buf, rb->buf + rb->start, rb->end - rb->start);
    rb->end -= rb->start;
    rb->start = 0;
  }
  while (rb->end < n) {
    ssize_t got = tt_stream_read(s, rb->buf + rb->end, RBUF_SIZE - rb->end, dl);
    if (got < 0)
      return (int)got;
    if (got == 0)
      return rb->end == 0 ? 0 : -EPIPE;
    rb->end += (size_t)got;
  }
  return 1;
}

static int check_peer(conn *cn) {
  int fd = tt_stream_fd(cn->s);
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return -EPERM;
  if (cred.uid != geteuid()) {
    logf_(cn->c, 1, "refused a producer of uid %u (pid %d): not ours", (unsigned)cred.uid,
          (int)cred.pid);
    return -EPERM;
  }
  return 0;
}

static int read_hello(conn *cn, rbuf *rb) {
  /* The magic first, so that a stranger is turned away at once. */
  tt_deadline dl = tt_after_ms(HELLO_TIMEOUT_MS);
  int r = need(cn->s, rb, 8, dl);
  if (r > 0 && memcmp(rb->buf + rb->start, TT__STREAM_MAGIC, 8) != 0) {
    logf_(cn->c, 1, "closing a connection: not a tasktrace stream");
    return -EPROTO;
  }
  if (r > 0)
    r = need(cn->s, rb, TT__HELLO_SIZE, dl);
  if (r <= 0) {
    logf_(cn->c, 1, "closing a connection: no hello (%s)",
          r == 0 ? "closed at once" : tt_strerror(r));
    return -EPROTO;
  }
  const char *why;
  if (tt__hello_parse(rb->buf + rb->start, &cn->proc, &why) < 0) {
    logf_(cn->c, 1, "closing a connection: %s", why);
    return -EPROTO;
  }
  rb->start += TT__HELLO_SIZE;
  return 0;
}

static int conn_main(void *arg) {
  conn *cn = arg;
  tt_collector *c = cn->c;
  rbuf rb = {malloc(RBUF_SIZE), 0, 0};
  const char *why = NULL;
  char whybuf[128];
  int r = rb.buf ? check_peer(cn) : -ENOMEM;
  if (r == 0 && (r = read_hello(cn, &rb)) == 0) {
    file_name(cn, cn->path, sizeof cn->path);
    cn->w = open_file(cn, cn->path);
    logf_(c, 0, "pid %u (%s): recording to %s", cn->proc.pid, cn->proc.program, cn->path);
  }
  while (r == 0) {
    r = need(cn->s, &rb, 4, TT_FOREVER);
    if (r == 0)
      break; /* the producer closed between messages: a clean end */
    if (r < 0) {
      why = r == -ECANCELED ? NULL : "stream cut inside a message length";
      break;
    }
    uint32_t len = tt__get32(rb.buf + rb.start);
    if (!tt__msg_len_ok(len) || len + 4 > RBUF_SIZE) {
      snprintf(whybuf, sizeof whybuf, "bad message length %u", len);
      why = whybuf;
      r = -EBADMSG;
      break;
    }
    r = need(cn->s, &rb, 4 + (size_t)len, TT_FOREVER);
    if (r <= 0) {
      why = r == -ECANCELED ? NULL : "stream cut inside a message";
      r = r == 0 ? -EPIPE : r;
      break;
    }
    item it = {IT_MSG, cn, NULL, len, 0, 0, 0, 0};
    const uint8_t *body = rb.buf + rb.start + 4;
    r = tt__validate_message(body, len, &cn->defined, cn->w, &it.nevents, &it.first, &it.last,
                             &it.lost, &why);
    if (r < 0)
      break;
    rb.start += 4 + (size_t)len;
    if ((it.body = malloc(len)) == NULL) {
      r = -ENOMEM;
      break;
    }
    memcpy(it.body, body, len);
    if ((r = push(c, &it)) == -ECANCELED)
      break; /* handed over, and asked to stop */
    if (r < 0) {
      free(it.body);
      break;
    }
  }
  if (r < 0 && r != -ECANCELED && r != -EPROTO && r != -EPERM) {
    c->st.refused++;
    logf_(c, 1, "pid %u: closing the connection: %s", cn->proc.pid, why ? why : tt_strerror(r));
  } else if (r == -EPROTO || r == -EPERM) {
    c->st.refused++;
  }
  free(rb.buf);
  tt_stream_close(cn->s);
  cn->s = NULL;
  item it = {IT_CLOSE, cn, NULL, 0, 0, 0, 0, 0};
  int pr = push(c, &it);
  if (pr < 0 && pr != -ECANCELED) {
    close_file(cn);
    cn->task = NULL; /* nobody joins: we are the last user */
  }
  return 0;
}

static int acceptor_main(void *arg) {
  tt_collector *c = arg;
  for (;;) {
    tt_stream *s;
    int r = tt_stream_accept(c->listener, &s, TT_FOREVER);
    if (r == -ECANCELED)
      return 0;
    if (r < 0) {
      logf_(c, 1, "accept: %s", tt_strerror(r));
      tt_sleep_ms(100); /* out of fds: let connections end */
      continue;
    }
    conn *cn = calloc(1, sizeof *cn);
    if (cn == NULL) {
      tt_stream_close(s);
      continue;
    }
    cn->c = c;
    cn->s = s;
    if (tt_spawn(&cn->task, conn_main, cn, "connection") < 0) {
      tt_stream_close(s);
      free(cn);
      continue;
    }
    cn->next = &c->conns;
    cn->prev = c->conns.prev;
    c->conns.prev->next = cn;
    c->conns.prev = cn;
    if (c->nconns++ == 0)
      tt_event_clear(&c->none_left);
    c->st.connections++;
  }
}

/* ---- Set-up and tear-down ---- */

/* The socket's directory: created 0700, refused when others may enter. */
static int private_dir(tt_collector *c, const char *sock) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", sock);
  char *slash = strrchr(dir, '/');
  if (slash == NULL)
    strcpy(dir, ".");
  else if (slash == dir)
    strcpy(dir, "/");
  else
    *slash = 0;
  struct stat st;
  if (stat(dir, &st) < 0) {
    if (errno != ENOENT || mkdir(dir, 0700) < 0) {
      int e = errno; /* logf_ may change it */
      logf_(c, 1, "socket directory %s: %s (its parent must exist)", dir, strerror(e));
      return -e;
    }
    return 0;
  }
  if (!S_ISDIR(st.st_mode)) {
    logf_(c, 1, "socket directory %s: not a directory", dir);
    return -ENOTDIR;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    logf_(c, 1, "socket directory %s is open to others (mode %04o): use a private (0700) one",
          dir, (unsigned)(st.st_mode & 07777));
    return -EPERM;
  }
  return 0;
}

int tt__collector_start(tt_collector **out, const tt_collector_opts *opts) {
  tt_collector *c = calloc(1, sizeof *c);
  if (c == NULL)
    return -ENOMEM;
  c->o = *opts;
  c->conns.next = c->conns.prev = &c->conns;
  int r = private_dir(c, opts->socket_path);
  if (r < 0)
    goto err;
  /* A stale socket from a killed collector: remove it only if nobody
   * answers on it. */
  struct stat st;
  if (lstat(opts->socket_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
    tt_stream *probe;
    if (tt_pipe_connect(&probe, opts->socket_path, tt_after_ms(1000)) == 0) {
      tt_stream_close(probe);
      logf_(c, 1, "%s: another collector is listening there", opts->socket_path);
      r = -EADDRINUSE;
      goto err;
    }
    unlink(opts->socket_path);
  }
  mode_t old = umask(0177); /* the socket is born 0600 */
  r = tt_pipe_listen(&c->listener, opts->socket_path, 128);
  umask(old);
  if (r < 0) {
    logf_(c, 1, "listen on %s: %s", opts->socket_path, tt_strerror(r));
    goto err;
  }
  chmod(opts->socket_path, 0600);
  tt_queue_init(&c->q, QUEUE_MAX, "collector");
  tt_event_init(&c->none_left, "no-connections");
  tt_event_set(&c->none_left);
  if ((r = tt_spawn(&c->writer, writer_main, c, "writer")) < 0 ||
      (r = tt_spawn(&c->acceptor, acceptor_main, c, "acceptor")) < 0) {
    logf_(c, 1, "cannot start: %s", tt_strerror(r));
    goto err; /* unreachable in practice: spawn fails only without memory */
  }
  *out = c;
  return 0;
err:
  if (c->listener)
    tt_stream_close(c->listener);
  free(c);
  return r;
}

int tt__collector_reopen(tt_collector *c) {
  item it = {IT_HUP, NULL, NULL, 0, 0, 0, 0, 0};
  return push(c, &it);
}

const char *tt__collector_first_file(tt_collector *c) {
  return c->first_file[0] ? c->first_file : NULL;
}

void tt__collector_stop(tt_collector *c, tt_deadline drain, tt_collector_stats *stats) {
  tt_cancel(c->acceptor);
  tt_join(c->acceptor, NULL, TT_FOREVER);
  tt_stream_close(c->listener);
  if (drain != TT_NOWAIT)
    tt_event_wait(&c->none_left, drain);
  /* Cut what is left: each connection task then hands its last messages
   * and its close to the writer, which empties the queue in order. */
  for (conn *cn = c->conns.next; cn != &c->conns; cn = cn->next)
    if (cn->task)
      tt_cancel(cn->task);
  tt_event_wait(&c->none_left, TT_FOREVER);
  item it = {IT_STOP, NULL, NULL, 0, 0, 0, 0, 0};
  push(c, &it);
  tt_join(c->writer, NULL, TT_FOREVER);
  if (stats)
    *stats = c->st;
  tt_queue_close(&c->q);
  tt_event_close(&c->none_left);
  free(c);
}
