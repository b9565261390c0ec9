/* Once per loop iteration, just before libuv polls: fold the LTTng
 * tracepoints' state into tt__trace_on (and dump the loop's state for a
 * session that has just begun), run debug mode's per-iteration
 * check, and emit loop_poll_begin with the timeout the loop is about to
 * block for (loop_poll_end follows from the check handle, tt__drain).
 *
 * libuv runs I/O callbacks inside its poll phase, before the check handle,
 * so a begin/end pair spans the blocked time plus those callbacks; in
 * tasktrace they only wake tasks, a few microseconds.
 */
#include "internal.h"

/* A session that begins while the program runs (tt__lttng_sessions moved
 * on) gets the loop's state first, before this iteration's events. */
static void prepare_cb(uv_prepare_t *h) {
  tt_loop *loop = tt__container_of(h, tt_loop, prepare);
  tt__lttng_refresh();
  if (TT_UNLIKELY(loop->dumped != tt__lttng_sessions))
    tt__statedump(loop);
  if (TT_UNLIKELY(tt__cfg.debug))
    tt__debug_iteration(loop);
  if (TT_UNLIKELY(tt__trace_on)) {
    /* The same computation uv_run makes right after the prepare phase. */
    int ms = uv_backend_timeout(&loop->uv);
    loop->poll_traced = true;
    tt__emit_loop_poll_begin(0, ms < 0 ? -1 : (int64_t)ms * 1000000);
  }
}

void tt__poll_init(tt_loop *loop) {
  tt__step_clock_init();
  loop->dumped = tt__lttng_sessions; /* what is created from now on is traced anyway */
  uv_prepare_init(&loop->uv, &loop->prepare);
  uv_prepare_start(&loop->prepare, prepare_cb);
  /* It must not keep the loop alive: an idle loop with blocked tasks is a
   * deadlock, and the loop's own handles are unref'd for that. */
  uv_unref((uv_handle_t *)&loop->prepare);
}
