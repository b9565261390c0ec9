/* Virtual time (TASKTRACE_VIRTUAL_TIME=1, on by default under explore), as
 * Go's testing/synctest does it: the loop has a clock of its own, which
 * tt_now() returns on the loop's thread. It stands still while tasks run.
 * When every task is blocked and nothing but timers is pending on the loop,
 * it jumps to the earliest deadline and wakes what is due, so a sleep costs
 * nothing, and timeouts race by their deadlines alone: the same schedule
 * gives the same interleaving whatever the machine's speed.
 *
 * Real I/O keeps real time: when a handle or request other than the loop's
 * own timer is active (a read, a connect, a thread-pool job, a child
 * process, a libuv handle of the program's), there is no jump, and the
 * clock moves on by the real time each poll waited. Calls queued from
 * other threads (tt_loop_call_threadsafe) are not known in advance: a jump
 * may come before them.
 *
 * One fallback keeps a spin loop that yields until a deadline from hanging:
 * after SPIN_POLLS loop iterations in a row where tasks stayed ready, no
 * I/O was pending and a timer was, the clock jumps all the same. It counts
 * iterations, not real time, so it replays the same way too.
 */
#include "internal.h"

#define SPIN_POLLS 1024

void tt__vt_init(tt_loop *loop) {
  loop->vt = tt__cfg.virtual_time;
  loop->vnow = (int64_t)tt_now_ns(); /* deadlines made before tt_run stay meaningful */
}

/* Nothing but the loop's own handles is active: its deadline timer, and
 * the idle handle that keeps the poll from blocking while tasks are ready
 * (both referenced; the others are not, and are not counted). */
static bool only_timers(tt_loop *loop) {
  unsigned ours = (unsigned)uv_is_active((uv_handle_t *)&loop->timer) +
                  (unsigned)uv_is_active((uv_handle_t *)&loop->idle);
  if (loop->uv.active_reqs.count != 0 || loop->uv.active_handles > ours)
    return false;
  uv_mutex_lock(&loop->tsq_lock);
  bool queued = loop->tsq != NULL;
  uv_mutex_unlock(&loop->tsq_lock);
  return !queued;
}

static void jump(tt_loop *loop) {
  loop->vt_spins = 0;
  int64_t due = loop->heap[0]->deadline;
  if (due > loop->vnow)
    loop->vnow = due;
  tt__timer_cb(&loop->timer); /* wakes what is due now, arms for the next */
}

void tt__vt_before_poll(tt_loop *loop) {
  loop->vt_polling = false;
  if (!only_timers(loop)) {
    loop->vt_spins = 0;
    loop->vt_polling = true;
    loop->vt_poll_start = (int64_t)tt_now_ns();
    return;
  }
  if (loop->heap_len == 0) {
    loop->vt_spins = 0;
    return;
  }
  if (loop->ready.len == 0 || ++loop->vt_spins >= SPIN_POLLS)
    jump(loop);
}

void tt__vt_after_poll(tt_loop *loop) {
  loop->vt_polling = false;
  int64_t waited = (int64_t)tt_now_ns() - loop->vt_poll_start;
  if (waited > 0)
    loop->vnow += waited;
}
