/* The collector on the tasktrace runtime (collector.h). Nothing a producer
 * sends is trusted: the hello, every length and every record are checked
 * before a byte reaches a file, and bad input ends that one connection. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tt_base.h"
#include "tasktrace/wire.h"
#include "tasktrace/ingest.h"
#include "collector.h"

#define RBUF_SIZE (TT__MSG_MAX + (64u << 10)) /* a largest message always fits */
#define QUEUE_MAX 64            /* messages in flight to the writer: backpressure */
#define HELLO_TIMEOUT_MS 5000   /* default: an idle connection holds an fd this long at most */
#define MAX_CONNECTIONS 256     /* default cap on open connections */
#define MAX_STRING_BYTES (64u << 20) /* default: a producer's distinct strings, per connection */
#define ID_COST 32              /* bytes an id costs in the connection's id set, about */
#define NAME_TRIES 1000         /* OUT.PID.ttrace, OUT.PID.2.ttrace ... before giving up */
#define IDLE_FLUSH_MS 500       /* data reaches the disk at most about this late */

typedef struct conn {
  struct conn *next, *prev;
  tt_collector *c;
  tt_task *task;
  tt_stream *s;
  tt_proc_info proc;
  char path[4096];     /* for messages: the output directory / name */
  char name[512];      /* the file's name in the output directory */
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
  uint8_t *body; /* IT_MSG: the whole wire message, len bytes */
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
  int out_fd;          /* the output directory, opened O_NOFOLLOW and checked */
  char out_dir[4096];  /* its path, for messages and cn->path */
  char out_base[512];  /* out_path's file name */
  int sock_dirfd;      /* the socket's directory, checked */
  char sock_base[256]; /* the socket's name in it */
  dev_t sock_dev;      /* the socket under that name, once linked: */
  ino_t sock_ino;      /* only that one is ever removed (0: none yet) */
  int refusing;        /* a burst of refusals is being logged once */
  size_t nofile;       /* RLIMIT_NOFILE */
  size_t fd_cap;       /* connections the fds left can take (a socket and a file each) */
};

/* Escape an untrusted string (a producer's, a path) for one log argument. */
#define ESC(buf, s) tt_esc(buf, sizeof buf, s)

/* One log line: "tasktraced: " (or the prefix), what, the message. */
static void vlog(tt_collector *c, const char *what, const char *fmt, va_list ap) {
  fprintf(stderr, "%s: %s", c->o.log_prefix ? c->o.log_prefix : "tasktraced", what);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

static void logf_(tt_collector *c, int always, const char *fmt, ...) {
  if (c->o.quiet && !always)
    return;
  va_list ap;
  va_start(ap, fmt);
  vlog(c, "", fmt, ap);
  va_end(ap);
}

/* ---- Files ---- */

/* The path of the output file name, for messages: as the user wrote it
 * (no "./" in front of a plain -o name). */
static void path_of(tt_collector *c, const char *name, char *out, size_t len) {
  if (c->o.out_path && strchr(c->o.out_path, '/') == NULL)
    snprintf(out, len, "%s", name);
  else
    snprintf(out, len, "%.3500s/%s", c->out_dir, name);
}

/* Create dir/name new: O_EXCL|O_NOFOLLOW, so that nothing planted there (a
 * symbolic link to a victim file, a file others can read) is ever written
 * through or reused; O_NONBLOCK, so that nothing can block the open. */
static int create_new(tt_collector *c, const char *name) {
  int fd = openat(c->out_fd, name,
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
  return fd < 0 ? -errno : fd;
}

/* Create stem.ttrace, or stem<sep>2.ttrace, stem<sep>3.ttrace ... the first
 * name free; its name in cn->name. Returns the fd or a negative errno. */
static int create_numbered(conn *cn, const char *stem, char sep) {
  for (int n = 1; n <= NAME_TRIES; n++) {
    if (n == 1)
      snprintf(cn->name, sizeof cn->name, "%.490s.ttrace", stem);
    else
      snprintf(cn->name, sizeof cn->name, "%.490s%c%d.ttrace", stem, sep, n);
    int fd = create_new(cn->c, cn->name);
    if (fd != -EEXIST)
      return fd;
  }
  return -EEXIST;
}

/* The -o file itself: the user named it, so their own earlier file is
 * replaced; but only a regular file of ours with no other link, opened
 * without following a link. Anything else is left alone: -1, with why. */
static int open_named(tt_collector *c, const char *name, char *why, size_t wlen) {
  int fd = openat(c->out_fd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
                  0600);
  if (fd < 0) {
    snprintf(why, wlen, "%s", errno == ELOOP ? "a symbolic link" : strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    snprintf(why, wlen, "not a regular file");
  } else if (st.st_uid != geteuid()) {
    snprintf(why, wlen, "owned by uid %u", (unsigned)st.st_uid);
  } else if (st.st_nlink != 1) {
    snprintf(why, wlen, "has %u hard links", (unsigned)st.st_nlink);
  } else if (ftruncate(fd, 0) < 0 || fchmod(fd, 0600) < 0) {
    snprintf(why, wlen, "%s", strerror(errno));
  } else {
    return fd;
  }
  close(fd);
  return -1;
}

/* Open this connection's file: the -o file for the first process of a
 * record, OUT.PID[.N].ttrace for the others (one per connection: a process
 * that execs connects again and gets its own file), or in --dir
 * PROGRAM-PID-START[-N].ttrace. Returns the fd or a negative errno, with
 * cn->name and cn->path set. */
static int create_file(conn *cn) {
  tt_collector *c = cn->c;
  char stem[512];
  int fd = -1;
  if (c->o.out_path) {
    if (!c->first_taken) {
      c->first_taken = 1;
      char why[128], e1[600], e2[600];
      fd = open_named(c, c->out_base, why, sizeof why);
      if (fd >= 0) {
        snprintf(cn->name, sizeof cn->name, "%s", c->out_base);
        goto named;
      }
      logf_(c, 1, "-o %s: %s: not written over, using a new name",
            ESC(e1, c->o.out_path), ESC(e2, why));
    }
    /* OUT.ttrace -> OUT.PID.ttrace for the other processes of a record. */
    const char *dot = strrchr(c->out_base, '.');
    int len = dot && strcmp(dot, ".ttrace") == 0 ? (int)(dot - c->out_base)
                                                 : (int)strlen(c->out_base);
    snprintf(stem, sizeof stem, "%.*s.%u", len, c->out_base, cn->proc.pid);
    fd = create_numbered(cn, stem, '.');
  } else {
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
    snprintf(stem, sizeof stem, "%s-%u-%s", prog, cn->proc.pid, when);
    fd = create_numbered(cn, stem, '-');
  }
named:
  path_of(c, cn->name, cn->path, sizeof cn->path);
  if (c->o.out_path && c->first_file[0] == 0 && fd >= 0)
    snprintf(c->first_file, sizeof c->first_file, "%s", cn->path);
  return fd;
}

/* A writer on fd (from create_file). On failure the new file is removed,
 * never left empty or cut, and the failure told once. */
static tt_writer *open_writer(conn *cn, int fd) {
  tt_collector *c = cn->c;
  char e1[600];
  int r = fd;
  tt_writer *w = NULL;
  if (fd >= 0) {
    tt_writer_opts wo = {c->o.level, 0, c->o.ring_bytes};
    if ((r = tt__writer_open_fd(&w, fd, &cn->proc, &wo)) < 0)
      unlinkat(c->out_fd, cn->name, 0);
  }
  if (r < 0) {
    logf_(c, 1, "pid %u: cannot create %s: %s; its events are dropped", cn->proc.pid,
          ESC(e1, cn->path), strerror(-r));
    c->st.failed++;
    return NULL;
  }
  c->st.files++;
  return w;
}

static void close_file(conn *cn) {
  if (cn->w == NULL)
    return;
  uint64_t ev = 0;
  int r = tt__writer_close(cn->w, &ev);
  cn->w = NULL;
  struct stat st;
  uint64_t bytes = fstatat(cn->c->out_fd, cn->name, &st, AT_SYMLINK_NOFOLLOW) == 0
                       ? (uint64_t)st.st_size : 0;
  cn->bytes += bytes;
  cn->c->st.bytes += bytes;
  /* The totals are what the files hold, so that they match a reading of
   * them (a flight recorder keeps only its ring). */
  cn->c->st.events += ev;
  char e1[600];
  if (r < 0)
    cn->c->st.failed++;
  if (r < 0 && !cn->reported)
    logf_(cn->c, 1, "pid %u: writing %s: %s", cn->proc.pid, ESC(e1, cn->path), strerror(-r));
  else if (r == 0)
    logf_(cn->c, 0, "pid %u: closed %s: %llu events, %llu bytes", cn->proc.pid,
          ESC(e1, cn->path), (unsigned long long)ev, (unsigned long long)bytes);
}

static void check_write(conn *cn) {
  int r = cn->w ? tt__writer_error(cn->w) : 0;
  if (r < 0 && !cn->reported) {
    /* A full disk: say so once; the producer keeps running, its events
     * are dropped until the file is reopened (SIGHUP). */
    cn->reported = 1;
    char e1[600];
    logf_(cn->c, 1, "pid %u: writing %s: %s; dropping its events", cn->proc.pid,
          ESC(e1, cn->path), strerror(-r));
  }
}

/* ---- The writer task ---- */

static void free_conn(conn *cn) {
  tt_collector *c = cn->c;
  /* The links it rewrites are checked first: a broken list is memory
   * corruption, stopped before it spreads (as the kernel's list debugging
   * does). The check is also what shows the race detector that the unlink
   * acts on the links as they are now, read in this step, not on those a
   * flush walk read before the last yield: without it, that walk's read of
   * the list head and this write of it look like a lost update
   * (docs/race.md, "False positives seen in the test suite"). */
  if (cn->prev->next != cn || cn->next->prev != cn) {
    logf_(c, 1, "internal error: the connection list is broken at pid %u; stopping", cn->proc.pid);
    abort();
  }
  cn->prev->next = cn->next;
  cn->next->prev = cn->prev;
  tt__idmap_free(&cn->defined, NULL);
  free(cn);
  if (--c->nconns == 0)
    tt_event_set(&c->none_left);
}

/* SIGHUP: continue in NAME~N.ttrace. When the new file cannot be made or
 * written (a full disk), it is removed and the old one kept going: never an
 * empty file, never a lost one. */
static void reopen(conn *x) {
  tt_collector *c = x->c;
  char stem[512], e1[600], e2[600];
  snprintf(stem, sizeof stem, "%s", x->name);
  char *dot = strrchr(stem, '.');
  if (dot && strcmp(dot, ".ttrace") == 0)
    *dot = 0;
  char *tilde = strrchr(stem, '~');
  if (tilde && x->seq > 0)
    *tilde = 0;
  char old_name[sizeof x->name], old_path[sizeof x->path];
  snprintf(old_name, sizeof old_name, "%s", x->name);
  snprintf(old_path, sizeof old_path, "%s", x->path);
  char next[520];
  snprintf(next, sizeof next, "%.490s~%d", stem, x->seq + 1);
  int fd = create_numbered(x, next, '-');
  tt_writer *nw = NULL;
  int r = fd;
  if (fd >= 0) {
    tt_writer_opts wo = {c->o.level, 0, c->o.ring_bytes};
    if ((r = tt__writer_open_fd(&nw, fd, &x->proc, &wo)) == 0 &&
        ((r = tt__writer_copy_strings(nw, x->w)) < 0 || (r = tt_writer_flush(nw)) < 0)) {
      tt_writer_close(nw);
      nw = NULL;
    }
    if (nw == NULL)
      unlinkat(c->out_fd, x->name, 0);
  }
  if (nw == NULL) {
    path_of(c, x->name, x->path, sizeof x->path);
    logf_(c, 1, "pid %u: cannot reopen as %s: %s; continuing in %s", x->proc.pid,
          ESC(e1, x->path), strerror(-r), ESC(e2, old_path));
    snprintf(x->name, sizeof x->name, "%s", old_name);
    snprintf(x->path, sizeof x->path, "%s", old_path);
    return;
  }
  x->seq++;
  c->st.files++;
  /* close_file works on the old name: swap it back for the close. */
  char new_name[sizeof x->name];
  snprintf(new_name, sizeof new_name, "%s", x->name);
  snprintf(x->name, sizeof x->name, "%s", old_name);
  close_file(x);
  x->w = nw;
  x->reported = 0;
  snprintf(x->name, sizeof x->name, "%s", new_name);
  path_of(c, x->name, x->path, sizeof x->path);
  logf_(c, 0, "pid %u: reopened as %s", x->proc.pid, ESC(e1, x->path));
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
        c->st.lost += it->lost;
      }
      free(it->body);
      break;
    case IT_HUP:
      for (conn *x = c->conns.next; x != &c->conns; x = x->next)
        if (x->w != NULL)
          reopen(x);
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
  tt_deadline dl = tt_after_ms(cn->c->o.hello_timeout_ms);
  int r = need(cn->s, rb, 8, dl);
  const char *why;
  if (r > 0 && tt__hello_decode(rb->buf + rb->start, 8, &cn->proc, &why) == -EPROTO) {
    logf_(cn->c, 1, "closing a connection: %s", why);
    return -EPROTO;
  }
  if (r > 0)
    r = need(cn->s, rb, TT__HELLO_SIZE, dl);
  if (r <= 0) {
    logf_(cn->c, 1, "closing a connection: no hello (%s)",
          r == 0 ? "closed at once" : tt_strerror(r));
    return -EPROTO;
  }
  if (tt__hello_decode(rb->buf + rb->start, rb->end - rb->start, &cn->proc, &why) < 0) {
    char e1[200];
    logf_(cn->c, 1, "closing a connection: %s", ESC(e1, why));
    return -EPROTO;
  }
  rb->start += TT__HELLO_SIZE;
  return 0;
}

/* One message from the producer, validated and handed to the writer.
 * 0 to go on, 1 when the producer closed between messages (a clean end),
 * or a negative errno (*why: the reason for the log, or NULL). */
static int relay_one(conn *cn, rbuf *rb, char *whybuf, size_t wlen, const char **why) {
  tt_collector *c = cn->c;
  int r = need(cn->s, rb, 4, TT_FOREVER);
  if (r == 0)
    return 1;
  if (r < 0) {
    *why = r == -ECANCELED ? NULL : "stream cut inside a message length";
    return r;
  }
  uint32_t len = tt__get32(rb->buf + rb->start);
  if (!tt__msg_len_ok(len) || len + 4 > RBUF_SIZE) {
    snprintf(whybuf, wlen, "bad message length %u", len);
    *why = whybuf;
    return -EBADMSG;
  }
  r = need(cn->s, rb, 4 + (size_t)len, TT_FOREVER);
  if (r <= 0) {
    *why = r == -ECANCELED ? NULL : "stream cut inside a message";
    return r == 0 ? -EPIPE : r;
  }
  item it = {IT_MSG, cn, NULL, 4 + (size_t)len, 0, 0, 0, 0};
  const uint8_t *msg = rb->buf + rb->start;
  r = tt__validate_message(msg, it.len, &cn->defined, cn->w, &it.nevents, &it.first, &it.last,
                           &it.lost, why);
  if (r < 0)
    return r;
  /* Strings are kept for the whole connection (the file's strings chunk
   * and validation need them): a producer sending endless distinct
   * names would take all memory. Past the cap, this message still goes
   * to the file, whole, and the connection ends. */
  uint64_t held = (cn->w ? tt__writer_string_bytes(cn->w) : 0) + tt__idmap_len(&cn->defined) * ID_COST;
  int over = held > c->o.max_string_bytes;
  if (over) {
    snprintf(whybuf, wlen,
             "more than %zu MiB of distinct strings (--max-string-mib); the file ends here",
             c->o.max_string_bytes >> 20);
    *why = whybuf;
  }
  rb->start += 4 + (size_t)len;
  if ((it.body = malloc(it.len)) == NULL)
    return -ENOMEM;
  memcpy(it.body, msg, it.len);
  if ((r = push(c, &it)) == -ECANCELED)
    return r; /* handed over, and asked to stop */
  if (r < 0) {
    free(it.body);
    return r;
  }
  return over ? -E2BIG : r;
}

/* The connection's end (r: why): logged unless asked to stop, the stream
 * closed, the file handed to the writer to close. */
static void conn_end(conn *cn, int r, const char *why) {
  tt_collector *c = cn->c;
  if (r < 0 && r != -ECANCELED && r != -EPROTO && r != -EPERM) {
    c->st.refused++;
    char e1[300];
    logf_(c, 1, "pid %u: closing the connection: %s", cn->proc.pid,
          ESC(e1, why ? why : tt_strerror(r)));
  } else if (r == -EPROTO || r == -EPERM) {
    c->st.refused++;
  }
  tt_stream_close(cn->s);
  cn->s = NULL;
  item it = {IT_CLOSE, cn, NULL, 0, 0, 0, 0, 0};
  int pr = push(c, &it);
  if (pr < 0 && pr != -ECANCELED) {
    close_file(cn);
    cn->task = NULL; /* nobody joins: we are the last user */
  }
}

static int conn_main(void *arg) {
  conn *cn = arg;
  tt_collector *c = cn->c;
  rbuf rb = {malloc(RBUF_SIZE), 0, 0};
  const char *why = NULL;
  char whybuf[128];
  int r = rb.buf ? check_peer(cn) : -ENOMEM;
  if (r == 0 && (r = read_hello(cn, &rb)) == 0) {
    cn->w = open_writer(cn, create_file(cn));
    char e1[300], e2[600];
    if (cn->w)
      logf_(c, 0, "pid %u (%s): recording to %s", cn->proc.pid, ESC(e1, cn->proc.program),
            ESC(e2, cn->path));
  }
  while (r == 0)
    r = relay_one(cn, &rb, whybuf, sizeof whybuf, &why);
  if (r == 1)
    r = 0;
  free(rb.buf);
  conn_end(cn, r, why);
  return 0;
}

/* Say once per burst why connections are being turned away: a producer
 * refused must leave a trace in the log, a flood must not fill it. */
static void refuse_log(tt_collector *c, const char *fmt, ...) {
  c->st.refused++;
  if (c->refusing)
    return;
  c->refusing = 1;
  va_list ap;
  va_start(ap, fmt);
  vlog(c, "refusing connection: ", fmt, ap);
  va_end(ap);
}

static int acceptor_main(void *arg) {
  tt_collector *c = arg;
  for (;;) {
    tt_stream *s;
    int r = tt_stream_accept(c->listener, &s, TT_FOREVER);
    if (r == -ECANCELED)
      return 0;
    if (r == -EMFILE || r == -ENFILE) {
      /* Not expected (fd_cap keeps us below the limit), but another part
       * of the process may use fds too: libuv has then accepted and closed
       * what was pending with its own reserve fd. Say so, once. */
      refuse_log(c, "out of file descriptors (%zu open)", c->nconns);
      tt_sleep_ms(100);
      continue;
    }
    if (r < 0) {
      logf_(c, 1, "accept: %s", tt_strerror(r));
      tt_sleep_ms(100);
      continue;
    }
    if (c->nconns >= (size_t)c->o.max_connections) {
      refuse_log(c, "%zu open (--max-connections)", c->nconns);
      tt_stream_close(s);
      continue;
    }
    if (c->nconns >= c->fd_cap) {
      refuse_log(c, "%zu open (file descriptor limit %zu)", c->nconns, c->nofile);
      tt_stream_close(s);
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
    c->refusing = 0; /* the burst is over: the next refusal is told */
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

#define FD_RESERVE 8 /* fds kept free for the loop, logs and SIGHUP's new files */

/* How many connections the fds left under RLIMIT_NOFILE can take. libuv
 * turns an EMFILE at accept into a silent accept-and-close (its reserve
 * fd): staying below the limit ourselves is what lets every refusal be
 * told. */
static void fd_budget(tt_collector *c) {
  struct rlimit rl;
  size_t open_now = 0;
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    while (readdir(d) != NULL)
      open_now++;
    closedir(d);
  }
  c->nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                  ? (size_t)rl.rlim_cur : 1u << 20;
  size_t used = open_now + FD_RESERVE;
  c->fd_cap = c->nofile > used ? (c->nofile - used) / 2 : 0;
}

/* Split path into its directory and its last component. */
static void split_path(const char *path, char *dir, size_t dlen, char *base, size_t blen) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    snprintf(dir, dlen, ".");
  else if (slash == path)
    snprintf(dir, dlen, "/");
  else
    snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
  snprintf(base, blen, "%s", slash ? slash + 1 : path);
}

/* The socket's directory: created 0700 when missing; then opened without
 * following a link, and what was opened is checked (ours, 0700), so that a
 * directory swapped for a link after the check is never the one used: the
 * socket is made in this fd's directory. Returns the fd or a negative errno. */
static int private_dir(tt_collector *c, const char *dir) {
  char e1[600];
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
    int e = errno; /* logf_ may change it */
    logf_(c, 1, "socket directory %s: %s (its parent must exist)", ESC(e1, dir), strerror(e));
    return -e;
  }
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    struct stat lst;
    if (lstat(dir, &lst) == 0 && S_ISLNK(lst.st_mode))
      logf_(c, 1, "socket directory %s is a symbolic link: refusing it (use a real 0700 "
                  "directory of yours)", ESC(e1, dir));
    else
      logf_(c, 1, "socket directory %s: %s", ESC(e1, dir),
            e == ENOTDIR ? "not a directory" : strerror(e));
    return -(e == ELOOP ? EPERM : e);
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if (st.st_uid != geteuid()) {
    logf_(c, 1, "socket directory %s is owned by uid %u, not by us (uid %u): use a private "
                "(0700) one of yours", ESC(e1, dir), (unsigned)st.st_uid, (unsigned)geteuid());
    close(fd);
    return -EPERM;
  }
  if ((st.st_mode & 077) != 0) {
    logf_(c, 1, "socket directory %s is open to others (mode %04o): use a private (0700) one",
          ESC(e1, dir), (unsigned)(st.st_mode & 07777));
    close(fd);
    return -EPERM;
  }
  return fd;
}

/* The output directory, opened without following a link. Others who can
 * write to it could plant files and links: refused, unless it is sticky
 * (like /tmp), where O_EXCL makes every file new and ours. */
static int output_dir(tt_collector *c) {
  char e1[600];
  int fd = open(c->out_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    logf_(c, 1, "output directory %s: %s", ESC(e1, c->out_dir),
          e == ELOOP ? "a symbolic link (give the real directory)"
                     : e == ENOTDIR ? "not a directory" : strerror(e));
    return -e;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
    logf_(c, 1, "output directory %s is writable by others and not sticky (mode %04o): "
                "refusing it", ESC(e1, c->out_dir), (unsigned)(st.st_mode & 07777));
    close(fd);
    return -EPERM;
  }
  return fd;
}

/* The socket directory's lock (flock on its descriptor), held while a
 * collector probes, replaces, names or removes a socket there: without it
 * one starting over a dead socket could, between its check that the name
 * still held that socket and its unlink, remove the name another collector
 * had just given its live one (two collectors running, one unreachable).
 * It is held for microseconds; one that is stopped while holding it is
 * waited for at most ms. Returns 0 or -errno. */
static int dir_lock(tt_collector *c, int ms) {
  for (int waited = 0;; waited += 10) {
    if (flock(c->sock_dirfd, LOCK_EX | LOCK_NB) == 0)
      return 0;
    if (errno != EWOULDBLOCK || waited >= ms)
      return -errno;
    tt_sleep_ms(10);
  }
}

/* Remove the socket's real name, only while it is still our socket: a
 * collector that found ours dead (a stopped one is not: it still takes
 * connections into its backlog) and took the name owns it now. Without the
 * lock the name stays, for the next collector to find dead. */
static void unlink_socket(tt_collector *c) {
  struct stat st;
  if (c->sock_ino == 0 || dir_lock(c, 1000) < 0)
    return;
  if (fstatat(c->sock_dirfd, c->sock_base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      st.st_dev == c->sock_dev && st.st_ino == c->sock_ino)
    unlinkat(c->sock_dirfd, c->sock_base, 0);
  flock(c->sock_dirfd, LOCK_UN);
}

/* Whether the name holds a socket, for the messages of a name in use. */
static int name_is_socket(tt_collector *c) {
  struct stat st;
  return fstatat(c->sock_dirfd, c->sock_base, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISSOCK(st.st_mode);
}

/* Listen on the socket's name in the checked directory (fdsock names it
 * through the directory's descriptor; shown is the path for messages).
 * Returns 0, or -errno after one logged line.
 *
 * Called with the directory locked (dir_lock). A socket already there is a
 * killed collector's when connecting to it is refused (or it went): then
 * it is removed, if it is still the one probed.
 * Any other answer, a collector that is stopped or behind on accepting
 * included, leaves it alone.
 *
 * The name appears only once the socket listens: bound under a name of its
 * own in the directory (random, so collectors of one pid in two pid
 * namespaces never share it), made 0600, listening, then linked to the
 * real name. A client that sees the name can connect at once (bound under
 * the real name, it refused connections until listen, and an owner's
 * chmod in that window was undone by ours), and a link never replaces: of
 * two collectors starting at once, one gets the name and the other is
 * refused. Every local file system that holds sockets (tmpfs, ext4, xfs,
 * btrfs) links them. */
static int listen_locked(tt_collector *c, const char *shown, const char *fdsock) {
  char e1[600];
  struct stat st, now;
  if (fstatat(c->sock_dirfd, c->sock_base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      logf_(c, 1, "%s: exists and is not a socket: not replaced", ESC(e1, shown));
      return -EEXIST;
    }
    tt_stream *probe;
    int r = tt_pipe_connect(&probe, fdsock, tt_after_ms(1000));
    if (r == 0) {
      tt_stream_close(probe);
      logf_(c, 1, "%s: another collector is listening there", ESC(e1, shown));
      return -EADDRINUSE;
    }
    if (r != -ECONNREFUSED && r != -ENOENT) {
      logf_(c, 1, "%s: cannot tell whether a collector listens there (%s): not replaced",
            ESC(e1, shown), tt_strerror(r));
      return -EADDRINUSE;
    }
    if (fstatat(c->sock_dirfd, c->sock_base, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
        now.st_dev == st.st_dev && now.st_ino == st.st_ino)
      unlinkat(c->sock_dirfd, c->sock_base, 0);
  }
  char tmp_base[80], fdtmp[300];
  int r = -EADDRINUSE;
  for (int attempt = 0; attempt < 4 && r == -EADDRINUSE; attempt++) {
    uint64_t rnd;
    if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
      rnd = (uint64_t)tt_now() * 0x9e3779b97f4a7c15ull + (uint64_t)attempt;
    snprintf(tmp_base, sizeof tmp_base, ".tasktraced-%ld-%016llx.sock", (long)getpid(),
             (unsigned long long)rnd);
    snprintf(fdtmp, sizeof fdtmp, "/proc/self/fd/%d/%s", c->sock_dirfd, tmp_base);
    mode_t old = umask(0177); /* the socket is born 0600 */
    r = tt_pipe_listen(&c->listener, fdtmp, 128);
    umask(old);
  }
  if (r < 0) {
    logf_(c, 1, "listen on %s: %s", ESC(e1, shown), tt_strerror(r));
    return r;
  }
  fchmodat(c->sock_dirfd, tmp_base, 0600, 0);
  if (linkat(c->sock_dirfd, tmp_base, c->sock_dirfd, c->sock_base, 0) < 0) {
    r = -errno;
    if (r == -EEXIST && name_is_socket(c))
      logf_(c, 1, "%s: another collector is listening there", ESC(e1, shown));
    else if (r == -EEXIST)
      logf_(c, 1, "%s: exists and is not a socket: not replaced", ESC(e1, shown));
    else
      logf_(c, 1, "listen on %s: %s", ESC(e1, shown), tt_strerror(r));
    return r == -EEXIST ? -EADDRINUSE : r; /* closing the listener unlinks the temporary name */
  }
  if (fstatat(c->sock_dirfd, tmp_base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    c->sock_dev = st.st_dev;
    c->sock_ino = st.st_ino;
  }
  unlinkat(c->sock_dirfd, tmp_base, 0);
  return 0;
}

static int listen_socket(tt_collector *c, const char *shown, const char *fdsock) {
  int r = dir_lock(c, 2000);
  if (r < 0) {
    char e1[600];
    logf_(c, 1, "%s: cannot lock its directory (%s): another collector holds it",
          ESC(e1, shown), tt_strerror(r));
    return r;
  }
  r = listen_locked(c, shown, fdsock);
  flock(c->sock_dirfd, LOCK_UN);
  return r;
}

int tt__collector_start(tt_collector **out, const tt_collector_opts *opts) {
  tt_collector *c = calloc(1, sizeof *c);
  if (c == NULL)
    return -ENOMEM;
  c->o = *opts;
  if (c->o.max_connections <= 0)
    c->o.max_connections = MAX_CONNECTIONS;
  if (c->o.hello_timeout_ms <= 0)
    c->o.hello_timeout_ms = HELLO_TIMEOUT_MS;
  if (c->o.max_string_bytes == 0)
    c->o.max_string_bytes = MAX_STRING_BYTES;
  c->conns.next = c->conns.prev = &c->conns;
  c->out_fd = c->sock_dirfd = -1;
  char sdir[4096], e1[600];
  split_path(opts->socket_path, sdir, sizeof sdir, c->sock_base, sizeof c->sock_base);
  if (opts->out_path)
    split_path(opts->out_path, c->out_dir, sizeof c->out_dir, c->out_base, sizeof c->out_base);
  else
    snprintf(c->out_dir, sizeof c->out_dir, "%s", opts->dir);
  int r = private_dir(c, sdir);
  if (r < 0)
    goto err;
  c->sock_dirfd = r;
  if ((r = output_dir(c)) < 0)
    goto err;
  c->out_fd = r;
  /* Bound and probed through the checked directory's fd, never through
   * the path again (which may name something else by now). */
  char fdsock[300];
  snprintf(fdsock, sizeof fdsock, "/proc/self/fd/%d/%s", c->sock_dirfd, c->sock_base);
  if (strlen(fdsock) >= 108) {
    logf_(c, 1, "socket name %s is too long", ESC(e1, c->sock_base));
    r = -ENAMETOOLONG;
    goto err;
  }
  if ((r = listen_socket(c, opts->socket_path, fdsock)) < 0)
    goto err;
  fd_budget(c);
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
  unlink_socket(c);
  if (c->listener)
    tt_stream_close(c->listener);
  if (c->out_fd >= 0)
    close(c->out_fd);
  if (c->sock_dirfd >= 0)
    close(c->sock_dirfd);
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
  /* libuv unlinks the name it bound (the temporary one, gone): the real
   * name is ours to remove, through the checked directory. */
  unlink_socket(c);
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
  close(c->out_fd);
  close(c->sock_dirfd);
  free(c);
}
