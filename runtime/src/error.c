/* tt_strerror: errno text, with the meaning tasktrace gives a few codes. */
#include <string.h>

#include "internal.h"

const char *tt_strerror(int err) {
  switch (err) {
  case 0: return "success";
  case -ETIMEDOUT: return "deadline passed";
  case -ECANCELED: return "cancelled";
  case -EDEADLK: return "deadlock (no task can run, a wait would close a cycle of waits, or a lock taken again by its holder)";
  case -EPERM: return "not allowed here (outside a task, wrong thread, or not the holder)";
  case -EAGAIN: return "would block";
  case -EOVERFLOW: return "released more than acquired";
  default:
    /* getaddrinfo's failures are libuv's UV_EAI_* codes (-3000...), not errnos. */
    if (err <= UV_EAI_ADDRFAMILY && err > UV_EAI_ADDRFAMILY - 100)
      return uv_strerror(err);
    return err < 0 ? strerror(-err) : "unknown error";
  }
}
