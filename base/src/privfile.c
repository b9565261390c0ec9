/* The one way tasktrace creates an output file of its own (tt_base.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tt_base.h"

static int open_private(const char *path, int mode);

int tt_open_private(const char *path) { return open_private(path, O_WRONLY); }
int tt_open_private_rw(const char *path) { return open_private(path, O_RDWR); }

static int open_private(const char *path, int mode) {
  /* Never through a planted link (O_NOFOLLOW), never blocking on a FIFO
   * (O_NONBLOCK), and an existing file is replaced only if it is a plain
   * file of ours with one name: truncating someone else's would hand them
   * our output, truncating a hard link would clobber another file. */
  int fd = open(path, mode | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (fd < 0)
    return errno == ELOOP ? -EPERM : errno == ENXIO ? -EINVAL /* a FIFO no one reads */ : -errno;
  struct stat st;
  int err = 0;
  if (fstat(fd, &st) < 0)
    err = -errno;
  else if (!S_ISREG(st.st_mode))
    err = -EINVAL;
  else if (st.st_uid != geteuid() || st.st_nlink != 1)
    err = -EPERM;
  else if (ftruncate(fd, 0) < 0)
    err = -errno;
  else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
    err = -errno;
  if (err < 0) {
    close(fd);
    return err;
  }
  return fd;
}
