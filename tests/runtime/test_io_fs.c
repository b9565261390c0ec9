/* Files through libuv's fs: write then read back (across the 1 MiB
 * bounce-buffer steps, at offsets and at the current position), errors. */
#include <fcntl.h>
#include <sys/stat.h>
#include <tasktrace/tasktrace.h>

#include "io_util.h"

static char dir[256], file[300];

#define LEN (3u * 1024 * 1024 + 12345)

static int main_roundtrip(void *arg) {
  uint8_t *out = malloc(LEN), *in = malloc(LEN + 100);
  io_fill(out, LEN, 0, 7);
  int fd = tt_fs_open(file, O_CREAT | O_EXCL | O_WRONLY, 0600, tt_after_ms(5000));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(tt_fs_write(fd, out, LEN, 0, tt_after_ms(10000)), LEN);
  ASSERT_OK(tt_fs_close(fd, tt_after_ms(5000)));
  struct stat st;
  ASSERT_OK(stat(file, &st));
  ASSERT_EQ(st.st_size, LEN);

  fd = tt_fs_open(file, O_RDONLY, 0, tt_after_ms(5000));
  ASSERT_GE(fd, 0);
  /* The whole file: a read asks for more than there is, stops at the end. */
  ASSERT_EQ(tt_fs_read(fd, in, LEN + 100, 0, tt_after_ms(10000)), LEN);
  ASSERT_EQ(io_check(in, LEN, 0, 7), -1);
  /* At an offset, in the middle. */
  memset(in, 0, 4096);
  ASSERT_EQ(tt_fs_read(fd, in, 4096, 1000000, tt_after_ms(5000)), 4096);
  ASSERT_EQ(io_check(in, 4096, 1000000, 7), -1);
  /* At the current position (offset -1): two reads follow each other. */
  ASSERT_EQ(tt_fs_read(fd, in, 1000, -1, tt_after_ms(5000)), 1000);
  ASSERT_EQ(tt_fs_read(fd, in + 1000, 1000, -1, tt_after_ms(5000)), 1000);
  ASSERT_EQ(io_check(in, 2000, 0, 7), -1);
  /* Past the end: 0. */
  ASSERT_EQ(tt_fs_read(fd, in, 10, LEN, tt_after_ms(5000)), 0);
  /* Writing to a read-only fd: the error as it is. */
  ASSERT_ERR(tt_fs_write(fd, out, 10, 0, tt_after_ms(5000)), -EBADF);
  ASSERT_OK(tt_fs_close(fd, tt_after_ms(5000)));
  free(out);
  free(in);
  return 0;
}

static int main_errors(void *arg) {
  char missing[320];
  snprintf(missing, sizeof missing, "%s/missing", dir);
  ASSERT_ERR(tt_fs_open(missing, O_RDONLY, 0, tt_after_ms(5000)), -ENOENT);
  ASSERT_ERR(tt_fs_open(file, O_CREAT | O_EXCL | O_WRONLY, 0600, tt_after_ms(5000)), -EEXIST);
  ASSERT_ERR(tt_fs_open(NULL, O_RDONLY, 0, TT_FOREVER), -EINVAL);
  ASSERT_ERR(tt_fs_close(-1, TT_FOREVER), -EBADF);
  ASSERT_ERR(tt_fs_read(-1, dir, 1, 0, TT_FOREVER), -EBADF);
  char buf[4];
  ASSERT_ERR(tt_fs_read(1000, buf, sizeof buf, 0, tt_after_ms(5000)), -EBADF); /* not open */
  /* An already-passed deadline never waits; nothing leaks (valgrind). */
  ASSERT_ERR(tt_fs_open(file, O_RDONLY, 0, TT_NOWAIT), -ETIMEDOUT);
  /* A pending cancellation comes first. */
  ASSERT_OK(tt_cancel(tt_self()));
  ASSERT_ERR(tt_fs_open(file, O_RDONLY, 0, TT_FOREVER), -ECANCELED);
  return 0;
}

TEST(fs_roundtrip_and_errors) {
  snprintf(dir, sizeof dir, "%s", io_tmpdir());
  snprintf(file, sizeof file, "%s/data", dir);
  ASSERT_EQ(tt_run(main_roundtrip, NULL), 0);
  ASSERT_EQ(tt_run(main_errors, NULL), 0);
  ASSERT_ERR(tt_fs_open(file, O_RDONLY, 0, TT_FOREVER), -EPERM); /* outside a task */
  ASSERT_OK(unlink(file));
  ASSERT_OK(rmdir(dir));
}

/* Open fds on our FIFO (other fds come and go: the tracer's threads). */
static int count_fds(void) {
  struct stat fifo, st;
  if (stat(file, &fifo) < 0)
    return -1;
  int n = 0;
  for (int fd = 0; fd < 1024; fd++)
    n += fstat(fd, &st) == 0 && st.st_ino == fifo.st_ino && st.st_dev == fifo.st_dev;
  return n;
}

/* Requests a task leaves while the pool runs them. Opening a FIFO for
 * reading blocks (in the pool) until a writer comes, and so does reading
 * an empty one: the task times out with the request started, so it cannot
 * be cancelled, and completes later as an orphan. */
static int writer_fd = -1;

static int main_orphans(void *arg) {
  ASSERT_EQ(count_fds(), 0);
  /* The deadline must pass while the pool is inside open(). If it passes
   * before the pool has started, uv_cancel wins and there is no reader for
   * a writer to meet: try again with a longer deadline (a slow pool, as
   * under valgrind). */
  int w = -1;
  for (int64_t ms = 20; w < 0 && ms <= 5000; ms *= 4) {
    ASSERT_ERR(tt_fs_open(file, O_RDONLY, 0, tt_after_ms(ms)), -ETIMEDOUT);
    /* A non-blocking writer gets in only while a reader is there. */
    int64_t give_up = tt_after_ms(300);
    while ((w = open(file, O_WRONLY | O_NONBLOCK)) < 0 && tt_now() < give_up) {
      ASSERT_EQ(errno, ENXIO);
      ASSERT_OK(tt_sleep_ms(2));
    }
  }
  ASSERT_GE(w, 0);
  /* The writer makes the orphaned opens succeed (it stays open until
   * tt_run has returned, so a late one cannot block): their callbacks
   * must close the fds nobody will get. */
  writer_fd = w;

  /* An orphaned read: the pool reads into its own buffer, never into the
   * caller's, which is freed (and, under valgrind, checked) meanwhile. */
  int r = tt_fs_open(file, O_RDONLY | O_NONBLOCK, 0, tt_after_ms(5000));
  ASSERT_GE(r, 0);
  int flags = fcntl(r, F_GETFL);
  ASSERT_OK(fcntl(r, F_SETFL, flags & ~O_NONBLOCK));
  char *buf = malloc(64);
  ASSERT_ERR(tt_fs_read(r, buf, 64, -1, tt_after_ms(200)), -ETIMEDOUT);
  free(buf);
  ASSERT_EQ(write(w, "late data", 9), 9);
  ASSERT_OK(tt_sleep_ms(20));
  ASSERT_OK(tt_fs_close(r, TT_FOREVER));
  return 0;
}

TEST(fs_orphaned_requests) {
  snprintf(dir, sizeof dir, "%s", io_tmpdir());
  snprintf(file, sizeof file, "%s/fifo", dir);
  ASSERT_OK(mkfifo(file, 0600));
  ASSERT_EQ(tt_run(main_orphans, NULL), 0);
  /* tt_run's end waited for every request: only the writer is left. */
  ASSERT_EQ(count_fds(), 1);
  close(writer_fd);
  ASSERT_OK(unlink(file));
  ASSERT_OK(rmdir(dir));
}
