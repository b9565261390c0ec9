/* The loop: tt_run (asyncio.run), cross-thread calls, deadlock detection
 * and teardown. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

__thread tt_loop *tt__loop __attribute__((tls_model("initial-exec")));

typedef struct tt__tscall {
  struct tt__tscall *next;
  void (*fn)(void *);
  void *arg;
  const char *site; /* where tt_loop_call_threadsafe was called (debug mode) */
} tt__tscall;

tt_loop *tt_loop_current(void) { return tt__loop; }
uv_loop_t *tt_loop_uv(tt_loop *loop) { return loop ? &loop->uv : NULL; }

static void async_cb(uv_async_t *h) {
  tt_loop *loop = tt__container_of(h, tt_loop, async);
  uv_mutex_lock(&loop->tsq_lock);
  tt__tscall *list = loop->tsq;
  loop->tsq = NULL;
  uv_mutex_unlock(&loop->tsq_lock);
  /* The list was pushed at the front: reverse it to run in call order. */
  tt__tscall *rev = NULL;
  while (list != NULL) {
    tt__tscall *n = list->next;
    list->next = rev;
    rev = list;
    list = n;
  }
  while (rev != NULL) {
    tt__tscall *n = rev->next;
    if (TT_UNLIKELY(tt__cfg.debug)) {
      int64_t t0 = tt_now();
      rev->fn(rev->arg);
      tt__debug_callback(rev->fn, rev->site, tt_now() - t0);
    } else {
      rev->fn(rev->arg);
    }
    free(rev);
    rev = n;
  }
}

static bool tsq_pending(tt_loop *loop) {
  uv_mutex_lock(&loop->tsq_lock);
  bool pending = loop->tsq != NULL;
  uv_mutex_unlock(&loop->tsq_lock);
  return pending;
}

int tt_loop_call_threadsafe(tt_loop *loop, void (*fn)(void *), void *arg) {
  if (loop == NULL || fn == NULL)
    return -EINVAL;
  tt__tscall *c = malloc(sizeof *c);
  if (c == NULL)
    return -ENOMEM;
  c->fn = fn;
  c->arg = arg;
  c->site = tt__call_site;
  uv_mutex_lock(&loop->tsq_lock);
  if (loop->closing) {
    uv_mutex_unlock(&loop->tsq_lock);
    free(c);
    return -ESHUTDOWN;
  }
  c->next = loop->tsq;
  loop->tsq = c;
  /* Under the lock: the loop cannot close the async handle meanwhile. */
  uv_async_send(&loop->async);
  uv_mutex_unlock(&loop->tsq_lock);
  return 0;
}

/* ---- Reports ------------------------------------------------------------ */

/* The schema's words (TT_STATES): "waits for lock", "sleeps", ... */
static const char *state_word(unsigned why) { return tt_state_word(why); }

/* The name of the object a parked task waits on, for the reasons that name
 * one (TT_STATES' last column). Every primitive starts with its tt__obj,
 * and join parks on the task itself. */
static const char *blocked_on_name(const tt_task *t) {
  int on = tt_state_on(t->block_state);
  if (t->block_ptr == NULL || on < 0)
    return "?";
  if (on == TT_KIND_task)
    return tt__task_name(t->block_ptr);
  return ((const tt__obj *)t->block_ptr)->name;
}

static void report_deadlock(tt_loop *loop) {
  /* The header counts the tasks listed below: the parked ones, not the
   * finished ones still waiting for a join. */
  size_t blocked = 0;
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next)
    blocked += tt__container_of(n, tt_task, all)->state == TT__T_PARKED;
  fprintf(stderr,
          "tasktrace: deadlock: %zu task(s) blocked, none can run and nothing is pending on "
          "the loop; wait-for graph:\n",
          blocked);
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    tt_task *t = tt__container_of(n, tt_task, all);
    if (t->state != TT__T_PARKED)
      continue;
    fprintf(stderr, "  ");
    tt__describe_task(stderr, t);
    if (t->block_state == TT_STATE_sleep) {
      fprintf(stderr, " sleeps until cancelled%s%s\n", t->wait_site ? " at " : "",
              t->wait_site ? t->wait_site : "");
      continue;
    }
    fprintf(stderr, " %s '%s'", state_word(t->block_state), blocked_on_name(t));
    if (t->wait_site != NULL)
      fprintf(stderr, " at %s", t->wait_site);
    const tt_task *h = tt__waits_for(t);
    if (h != NULL && t->block_state == TT_STATE_lock && h->state != TT__T_DONE)
      fprintf(stderr, " held by task '%s' (id %llu)", tt__task_name(h), (unsigned long long)h->id);
    else if (h != NULL && t->block_state == TT_STATE_lock)
      fprintf(stderr, " held by task '%s' (id %llu), which has finished without releasing it",
              tt__task_name(h), (unsigned long long)h->id);
    else if (t->block_state == TT_STATE_lock && t->block_ptr != NULL)
      fprintf(stderr, " held by task id %llu, which has finished without releasing it",
              (unsigned long long)((const tt_lock *)t->block_ptr)->holder_id);
    else if (t->block_state != TT_STATE_join && t->block_state != TT_STATE_lock)
      fprintf(stderr, " that no task can signal");
    fputc('\n', stderr);
  }
  /* Print one cycle, if the graph has one: follow waits_for edges. */
  for (tt__list *n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    const tt_task *start = tt__container_of(n, tt_task, all);
    const tt_task *slow = start, *fast = start;
    while (fast != NULL && tt__waits_for(fast) != NULL) {
      slow = tt__waits_for(slow);
      fast = tt__waits_for(tt__waits_for(fast));
      if (slow == fast && slow != NULL) {
        fprintf(stderr, "  cycle: '%s'", tt__task_name(slow));
        const tt_task *c = tt__waits_for(slow);
        while (c != slow) {
          fprintf(stderr, " -> '%s'", tt__task_name(c));
          c = tt__waits_for(c);
        }
        fprintf(stderr, " -> '%s'\n", tt__task_name(slow));
        return;
      }
    }
  }
}

/* ---- Set-up and teardown ------------------------------------------------ */

static size_t unfinished(tt_loop *loop) {
  size_t n = 0;
  for (tt__list *l = loop->tasks.next; l != &loop->tasks; l = l->next)
    if (tt__container_of(l, tt_task, all)->state != TT__T_DONE)
      n++;
  return n;
}

/* asyncio.run's ending: cancel what is left and let it unwind, a few
 * rounds; tasks that still will not finish are abandoned (their stacks are
 * freed without unwinding) and reported. */
static void cancel_leftovers(tt_loop *loop) {
  for (int round = 0; round < 3 && unfinished(loop) > 0; round++) {
    for (tt__list *l = loop->tasks.next; l != &loop->tasks; l = l->next) {
      tt_task *t = tt__container_of(l, tt_task, all);
      if (t->state != TT__T_DONE)
        tt_cancel(t);
    }
    while (unfinished(loop) > 0) {
      if (uv_run(&loop->uv, UV_RUN_ONCE) == 0 && loop->ready.len == 0)
        break;
    }
  }
  size_t left = unfinished(loop);
  if (left > 0)
    fprintf(stderr, "tasktrace: %zu task(s) would not finish after cancellation; abandoned\n",
            left);
}

static void close_walk_cb(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

/* The stack the loop context runs on (the thread's own): ASan wants its
 * bounds. */
static void note_sched_stack(tt_loop *loop) {
#if defined(__SANITIZE_ADDRESS__)
  pthread_attr_t attr;
  size_t size = 0;
  void *addr = NULL;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  loop->sched_stack = addr;
  loop->sched_stack_size = size;
#else
  (void)loop;
#endif
}

/* Set-up: the configuration, the tracer, a loop with its handles, made the
 * thread's current loop. 0, or a negative errno with nothing left behind. */
static int loop_open(tt_loop **out) {
  int r = tt__config_load();
  if (r < 0)
    return r;
  r = tt_tracer_init();
  if (r < 0)
    return r;
  tt_loop *loop = calloc(1, sizeof *loop);
  if (loop == NULL)
    return -ENOMEM;
  r = tt__policy_start(loop); /* policy.c: TASKTRACE_SCHED*, schedule files */
  if (r < 0) {
    free(loop);
    return r;
  }
  r = uv_loop_init(&loop->uv);
  if (r < 0) {
    tt__policy_stop(loop);
    free(loop->pol);
    free(loop);
    return r;
  }
  loop->thread = uv_thread_self();
  note_sched_stack(loop);
  loop->timer_due = -1;
  tt__vt_init(loop);
  tt__list_init(&loop->tasks);
  tt__list_init(&loop->streams);
  uv_mutex_init(&loop->tsq_lock);
  uv_check_init(&loop->uv, &loop->check);
  uv_check_start(&loop->check, tt__drain);
  uv_unref((uv_handle_t *)&loop->check);
  uv_idle_init(&loop->uv, &loop->idle);
  uv_timer_init(&loop->uv, &loop->timer);
  uv_async_init(&loop->uv, &loop->async, async_cb);
  uv_unref((uv_handle_t *)&loop->async);
  tt__poll_init(loop);
  if (TT_UNLIKELY(tt__cfg.debug))
    tt__debug_start(loop);
  tt__loop = loop;
  tt__emit_object_name(0, TT_KIND_loop, "loop");
  *out = loop;
  return 0;
}

/* Run: the loop until main is done or nothing can run any more. Returns
 * main's result, or -EDEADLK after the report when main never finished. */
static int loop_run(tt_loop *loop, tt_task *mt) {
  loop->main = mt;
  uv_run(&loop->uv, UV_RUN_DEFAULT);
  /* The async handle is unref'd, so uv_run may return with calls from
   * other threads still queued: run them (they may wake tasks) before
   * calling this a deadlock. */
  while (mt->state != TT__T_DONE && tsq_pending(loop)) {
    async_cb(&loop->async);
    uv_run(&loop->uv, UV_RUN_DEFAULT);
  }
  if (mt->state == TT__T_DONE)
    return mt->result;
  tt__trace_stuck(loop);
  report_deadlock(loop);
  return -EDEADLK;
}

/* Drain: report what was left pending (debug mode), cancel the tasks still
 * alive, and free every task, joined or not. */
static void loop_drain(tt_loop *loop, int result) {
  loop->stopping = true;
  tt__policy_stop(loop); /* the schedule is complete: cancelling leftovers is not part of it */
  if (TT_UNLIKELY(tt__cfg.debug) && result != -EDEADLK)
    tt__debug_pending(loop);
  cancel_leftovers(loop);
  /* Give back every handle nobody joined, main's included. */
  for (tt__list *l = loop->tasks.next, *next; l != &loop->tasks; l = next) {
    next = l->next;
    tt_task *t = tt__container_of(l, tt_task, all);
    if (t->state == TT__T_DONE) {
      tt__stack_free(t);
      tt__task_release(t);
    }
  }
  /* Abandoned tasks: their stacks go without unwinding. */
  for (tt__list *l = loop->tasks.next, *next; l != &loop->tasks; l = next) {
    next = l->next;
    tt_task *t = tt__container_of(l, tt_task, all);
    tt__stack_free(t);
    tt__task_release(t);
  }
}

/* Teardown: refuse new cross-thread calls, run those already queued, close
 * every handle, and free the loop; the thread has no loop after it. */
static void loop_close(tt_loop *loop) {
  uv_mutex_lock(&loop->tsq_lock);
  loop->closing = true;
  uv_mutex_unlock(&loop->tsq_lock);
  async_cb(&loop->async); /* calls that arrived before closing still run */
  tt__io_close_all(loop); /* streams left open: freed with their handles */
  uv_walk(&loop->uv, close_walk_cb, NULL);
  uv_run(&loop->uv, UV_RUN_DEFAULT);
  uv_loop_close(&loop->uv);
  tt__debug_stop(loop);
  uv_mutex_destroy(&loop->tsq_lock);
  tt_tracer_flush();
  tt__loop = NULL;
  tt_ring_free(&loop->ready);
  free(loop->heap);
  tt__policy_stop(loop); /* idempotent: for a run whose main never started */
  free(loop->pol);
  free(loop);
  tt__pool_trim();
  tt__stack_trim();
}

int tt_run(tt_fn main, void *arg) {
  if (main == NULL)
    return -EINVAL;
  if (tt__loop != NULL)
    return -EBUSY; /* one loop per thread, and tt_run does not nest */
  int r = tt__forkserver(); /* under explore: from here on, in one run of many */
  if (r < 0)
    return r;
  tt_loop *loop;
  r = loop_open(&loop);
  if (r < 0)
    return r;
  tt_task *mt;
  int result = tt__spawn(&mt, main, arg, "main", 0, "tt_run");
  if (result == 0) {
    result = loop_run(loop, mt);
    loop_drain(loop, result);
  }
  loop_close(loop);
  return result;
}
