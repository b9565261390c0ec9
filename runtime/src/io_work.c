/* The thread pool: getaddrinfo, and running a blocking function.
 *
 * As in io_fs.c, a request a task leaves early (timeout, cancel) is
 * orphaned on the heap and its callback frees it. getaddrinfo is cancelled
 * when it has not started. tt_run_in_thread's work is never cancelled: fn
 * always runs, so "let fn free its heap arg", as the header advises, never
 * leaks the arg.
 */
#include <netdb.h>
#include <stdlib.h>

#include "internal.h"

static const tt__obj gai_obj = {.id = 0, .loop = NULL, .name = "getaddrinfo"};
static const tt__obj work_obj = {.id = 0, .loop = NULL, .name = "thread pool"};

/* ---- getaddrinfo -------------------------------------------------------- */

typedef struct gai_req {
  uv_getaddrinfo_t req;
  tt_task *waiter;
  struct addrinfo *res;
  int status;
  bool done, orphaned;
} gai_req;

static void gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  gai_req *g = tt__container_of(req, gai_req, req);
  g->done = true;
  g->status = status;
  g->res = res;
  if (g->orphaned) {
    uv_freeaddrinfo(res);
    free(g);
  } else if (g->waiter != NULL) {
    tt__wake(g->waiter, 0, NULL, 0);
  }
}

int tt_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                   struct addrinfo **res, tt_deadline deadline) {
  if (res == NULL || (node == NULL && service == NULL))
    return -EINVAL;
  *res = NULL;
  int err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  gai_req *g = calloc(1, sizeof *g);
  if (g == NULL)
    return -ENOMEM;
  /* libuv copies node, service and hints: they need not outlive the call. */
  err = uv_getaddrinfo(&self->loop->uv, &g->req, gai_cb, node, service, hints);
  if (err < 0) {
    free(g);
    return err;
  }
  g->waiter = self;
  err = tt__park(self, TT_STATE_io, 0, &gai_obj, NULL, deadline);
  g->waiter = NULL;
  if (err < 0) {
    if (g->done) {
      uv_freeaddrinfo(g->res);
      free(g);
    } else {
      g->orphaned = true;
      uv_cancel((uv_req_t *)&g->req);
    }
    return err;
  }
  err = g->status;
  *res = g->res;
  free(g);
  return err;
}

/* ---- Run in thread ------------------------------------------------------ */

typedef struct work_req {
  uv_work_t req;
  int (*fn)(void *);
  void *arg;
  int result;
  tt_task *waiter;
  bool done, orphaned;
} work_req;

static void work_cb(uv_work_t *req) {
  work_req *w = tt__container_of(req, work_req, req);
  w->result = w->fn(w->arg);
}

static void after_work_cb(uv_work_t *req, int status) {
  work_req *w = tt__container_of(req, work_req, req);
  (void)status; /* never cancelled */
  w->done = true;
  if (w->orphaned)
    free(w);
  else if (w->waiter != NULL)
    tt__wake(w->waiter, 0, NULL, 0);
}

int tt_run_in_thread(int (*fn)(void *), void *arg, tt_deadline deadline) {
  if (fn == NULL)
    return -EINVAL;
  int err;
  tt_task *self = tt__enter(&err);
  if (self == NULL)
    return err;
  work_req *w = calloc(1, sizeof *w);
  if (w == NULL)
    return -ENOMEM;
  w->fn = fn;
  w->arg = arg;
  err = uv_queue_work(&self->loop->uv, &w->req, work_cb, after_work_cb);
  if (err < 0) {
    free(w);
    return err;
  }
  w->waiter = self;
  err = tt__park(self, TT_STATE_io, 0, &work_obj, NULL, deadline);
  w->waiter = NULL;
  if (err < 0) {
    if (w->done)
      free(w);
    else
      w->orphaned = true;
    return err;
  }
  err = w->result;
  free(w);
  return err;
}
