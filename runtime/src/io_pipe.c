/* Unix-domain stream sockets (libuv's "pipes"): listen, connect, and
 * adopting an open fd. Reading, writing and accepting are io_stream.c's. */
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "io.h"

/* libuv 1.44 silently truncates a path longer than sun_path: refuse it. */
static int check_path(const char *path) {
  if (path == NULL || path[0] == 0)
    return -EINVAL;
  if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
    return -ENAMETOOLONG;
  return 0;
}

int tt_pipe_listen(tt_stream **out, const char *path, int backlog) {
  if (out == NULL)
    return -EINVAL;
  *out = NULL;
  int r = check_path(path);
  if (r < 0)
    return r;
  tt_stream *s;
  r = tt__stream_new(&s, true);
  if (r < 0)
    return r;
  /* An existing path (even a stale socket) is -EADDRINUSE: removing it is
   * the caller's decision. Closing the listener removes the path. */
  r = tt__stream_listen(s, uv_pipe_bind(&s->u.pipe, path), backlog);
  if (r < 0)
    return r;
  tt__stream_name(s, "pipe", path);
  *out = s;
  return 0;
}

int tt_pipe_connect(tt_stream **out, const char *path, tt_deadline deadline) {
  if (out == NULL)
    return -EINVAL;
  *out = NULL;
  int r = check_path(path);
  if (r < 0)
    return r;
  tt_task *self = tt__enter(&r);
  if (self == NULL)
    return r;
  tt_stream *s;
  r = tt__stream_new(&s, true);
  if (r < 0)
    return r;
  tt__stream_name(s, "pipe", path);
  /* Errors (-ENOENT, -ECONNREFUSED, -EAGAIN for a full backlog) come
   * through the callback. */
  uv_pipe_connect(&s->creq, &s->u.pipe, path, tt__stream_connect_cb);
  return tt__stream_connect_wait(s, self, deadline, out);
}

int tt_pipe_open(tt_stream **out, int fd) {
  if (out == NULL)
    return -EINVAL;
  *out = NULL;
  if (fd < 0)
    return -EBADF;
  tt_stream *s;
  int r = tt__stream_new(&s, true);
  if (r < 0)
    return r;
  /* On failure the fd stays the caller's: the handle never adopted it. */
  r = uv_pipe_open(&s->u.pipe, fd);
  if (r < 0) {
    tt__stream_discard(s);
    return r;
  }
  char what[16];
  snprintf(what, sizeof what, "%d", fd);
  tt__stream_name(s, "fd", what);
  *out = s;
  return 0;
}
