/* Files through libuv's fs, on its thread pool.
 *
 * A started fs request cannot be stopped, so it lives on the heap, not on
 * the task's stack. When the task leaves early (timeout, cancel) it tries
 * uv_cancel and orphans the request: the callback then cleans up (closes
 * a file an orphaned open did open) and frees it. For the same reason the
 * pool thread never touches the caller's buffer: reads and writes go
 * through a bounce buffer owned by the request, FS_CHUNK bytes at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FS_CHUNK (1024 * 1024)

typedef struct fs_req {
  uv_fs_t req;
  tt_task *waiter;  /* the task waiting for it, NULL once orphaned */
  bool done;        /* the callback ran */
  bool orphaned;    /* the task left: the callback frees */
  char buf[];       /* bounce buffer for read and write */
} fs_req;

/* Reports name what a task waits on through block_ptr (a tt__obj). */
static const tt__obj fs_obj = {.id = 0, .loop = NULL, .name = "fs"};

/* After an orphaned open, the fd nobody will get must not leak. */
static void release(fs_req *f) {
  if (f->req.fs_type == UV_FS_OPEN && f->req.result >= 0) {
    uv_fs_t c;
    uv_fs_close(f->req.loop, &c, (uv_file)f->req.result, NULL);
    uv_fs_req_cleanup(&c);
  }
  uv_fs_req_cleanup(&f->req);
  free(f);
}

static void fs_cb(uv_fs_t *req) {
  fs_req *f = tt__container_of(req, fs_req, req);
  f->done = true;
  if (f->orphaned)
    release(f);
  else if (f->waiter != NULL)
    tt__wake(f->waiter, 0, NULL, 0);
}

static fs_req *fs_alloc(size_t bounce) {
  fs_req *f = malloc(sizeof *f + bounce);
  if (f != NULL) {
    f->waiter = NULL;
    f->done = false;
    f->orphaned = false;
  }
  return f;
}

/* The start of open and close: the calling task (*self) and a request
 * without a bounce buffer; NULL with *err set if either fails. */
static fs_req *fs_begin(tt_task **self, int *err) {
  if ((*self = tt__enter(err)) == NULL)
    return NULL;
  fs_req *f = fs_alloc(0);
  if (f == NULL)
    *err = -ENOMEM;
  return f;
}

/* Wait for f's callback, `started` being what the uv_fs_ call that
 * started f returned. Returns the request's result with f freed; or, when
 * the request could not start, that error with f freed; or, when the task
 * leaves early, the reason, with f orphaned. */
static ssize_t fs_wait(tt_task *self, fs_req *f, int started, char *out, size_t outlen,
                       tt_deadline deadline) {
  if (started < 0) {
    free(f);
    return started;
  }
  f->waiter = self;
  int r = tt__park(self, TT_STATE_io, 0, &fs_obj, NULL, deadline);
  f->waiter = NULL;
  if (r < 0) {
    if (f->done) {
      release(f); /* finished meanwhile: the early reason still wins */
    } else {
      f->orphaned = true;
      uv_cancel((uv_req_t *)&f->req); /* works only if it has not started */
    }
    return r;
  }
  ssize_t result = f->req.result;
  if (out != NULL && result > 0)
    memcpy(out, f->buf, (size_t)result < outlen ? (size_t)result : outlen);
  uv_fs_req_cleanup(&f->req);
  free(f);
  return result;
}

int tt_fs_open(const char *path, int flags, int mode, tt_deadline deadline) {
  if (path == NULL)
    return -EINVAL;
  tt_task *self;
  int err;
  fs_req *f = fs_begin(&self, &err);
  if (f == NULL)
    return err;
  err = uv_fs_open(&self->loop->uv, &f->req, path, flags, mode, fs_cb);
  return (int)fs_wait(self, f, err, NULL, 0, deadline);
}

/* One pread/pwrite-sized step (offset < 0: the current position). */
static ssize_t fs_step(tt_task *self, bool is_write, int fd, char *p, size_t len, int64_t offset,
                       tt_deadline deadline) {
  fs_req *f = fs_alloc(len);
  if (f == NULL)
    return -ENOMEM;
  if (is_write)
    memcpy(f->buf, p, len);
  uv_buf_t b = uv_buf_init(f->buf, (unsigned)len);
  int err = is_write ? uv_fs_write(&self->loop->uv, &f->req, fd, &b, 1, offset, fs_cb)
                     : uv_fs_read(&self->loop->uv, &f->req, fd, &b, 1, offset, fs_cb);
  return fs_wait(self, f, err, is_write ? NULL : p, len, deadline);
}

/* Reads go on until len bytes, end of file, or a short step (a pipe or a
 * terminal has no more for now); writes until len bytes are written. A
 * failure after some progress returns the count so far; a timeout or
 * cancellation returns its error (how much was done is then unknown). */
static ssize_t fs_rw(bool is_write, int fd, char *buf, size_t len, int64_t offset,
                     tt_deadline deadline) {
  if (fd < 0)
    return -EBADF;
  if (buf == NULL && len > 0)
    return -EINVAL;
  int err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  if (len > INT32_MAX)
    len = INT32_MAX; /* results travel as int through tt__park's callers */
  size_t done = 0;
  while (done < len) {
    size_t step = len - done < FS_CHUNK ? len - done : FS_CHUNK;
    ssize_t n = fs_step(self, is_write, fd, buf + done, step, offset < 0 ? -1 : offset + (int64_t)done,
                        deadline);
    if (n == -ETIMEDOUT || n == -ECANCELED)
      return n;
    if (n < 0)
      return done > 0 ? (ssize_t)done : n;
    done += (size_t)n;
    if ((size_t)n < step && (!is_write || n == 0))
      break; /* end of file, or no more for now */
  }
  return (ssize_t)done;
}

ssize_t tt_fs_read(int fd, void *buf, size_t len, int64_t offset, tt_deadline deadline) {
  return fs_rw(false, fd, buf, len, offset, deadline);
}

ssize_t tt_fs_write(int fd, const void *buf, size_t len, int64_t offset, tt_deadline deadline) {
  return fs_rw(true, fd, (char *)buf, len, offset, deadline);
}

int tt_fs_close(int fd, tt_deadline deadline) {
  if (fd < 0)
    return -EBADF;
  tt_task *self;
  int err;
  fs_req *f = fs_begin(&self, &err);
  if (f == NULL)
    return err;
  err = uv_fs_close(&self->loop->uv, &f->req, fd, fs_cb);
  return (int)fs_wait(self, f, err, NULL, 0, deadline);
}
