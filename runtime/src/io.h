/* Private to the I/O files: the stream struct shared by io_stream.c (read,
 * write, accept, close), io_tcp.c and io_pipe.c.
 *
 * Waiting follows internal.h's park/wake contract. A stream has two waiter
 * slots, so that one task can read while another writes (full duplex):
 *  - reader: a task blocked in tt_stream_read or tt_stream_accept;
 *  - writer: a task blocked in tt_stream_write, tt_stream_shutdown, or in
 *    connect before the stream is handed out.
 * A call holds its slot from before tt__enter until it returns, whatever
 * the result (so tt_stream_close says -EBUSY meanwhile); the task parks
 * only on this stream while holding it. libuv callbacks wake only the task
 * in the slot, and tt__wake does nothing unless that task is still parked,
 * so a callback that comes after a timeout or a cancellation is harmless.
 */
#ifndef TT_RUNTIME_IO_H
#define TT_RUNTIME_IO_H

#include "internal.h"

struct tt_stream {
  tt__obj obj;            /* first: reports read the name through block_ptr */
  union {
    uv_handle_t h;
    uv_stream_t s;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } u;                    /* the libuv handle; u.h.data points back here */
  tt_task *reader;        /* blocked in read or accept, or NULL */
  tt_task *writer;        /* blocked in write, shutdown or connect, or NULL */
  void *wreq;             /* the write/shutdown request `writer` waits for */
  char *rbuf;             /* the blocked reader's buffer */
  size_t rlen;            /* its size */
  int rerr;               /* sticky read error (not EOF), 0 if none */
  int accept_err;         /* a listen error for the next accept, 0 if none */
  unsigned pending;       /* connections libuv holds for tt_stream_accept */
  uv_connect_t creq;      /* connect; uv_close cancels it before freeing */
  int cstatus;            /* connect's result */
  bool is_pipe;           /* uv_pipe_t, else uv_tcp_t */
  bool listening;
  bool eof;               /* the read side saw end of stream (sticky) */
  tt__list live;          /* in this thread's list of open streams */
};

/* A new stream of the current loop, its handle initialised (TCP or pipe).
 * Returns 0, -EPERM (no loop on this thread), -ENOMEM. */
TT__HIDDEN int tt__stream_new(tt_stream **out, bool is_pipe);
/* Close the handle and free s in the close callback; never blocks. Any
 * request still pending on it completes with UV_ECANCELED first. */
TT__HIDDEN void tt__stream_discard(tt_stream *s);
/* Give s its object id and a name (truncated at the front when too long,
 * keeping the informative tail of a path). */
TT__HIDDEN void tt__stream_name(tt_stream *s, const char *prefix, const char *what);
/* libuv's connection callback for listening streams. */
TT__HIDDEN void tt__stream_connection_cb(uv_stream_t *h, int status);
/* Listen on s, just bound with the result `bound` (0 or a libuv error),
 * with backlog (<= 0: SOMAXCONN). On failure s is discarded. */
TT__HIDDEN int tt__stream_listen(tt_stream *s, int bound, int backlog);
/* libuv's connect callback; the request is s->creq. */
TT__HIDDEN void tt__stream_connect_cb(uv_connect_t *req, int status);
/* Wait (as s->writer) for the connect started on s->creq, s already named.
 * On success *out is s; on failure (timeout and cancel included) s is
 * discarded. */
TT__HIDDEN int tt__stream_connect_wait(tt_stream *s, tt_task *self, tt_deadline deadline,
                                       tt_stream **out);
/* "127.0.0.1:4242" or "[::1]:4242" (io_tcp.c). */
TT__HIDDEN void tt__format_sockaddr(const struct sockaddr_storage *ss, char *out, size_t size);
/* A write to a peer that has gone must be -EPIPE, not a SIGPIPE that kills
 * the process: ignore SIGPIPE once, unless the program set a handler. */
TT__HIDDEN void tt__io_ignore_sigpipe(void);

#endif
