/* tasktrace runtime — the one public header.
 *
 * Stackful tasks on a libuv loop with asyncio's semantics. Conventions:
 *  - every fallible call returns 0 (or a count) or a negative errno;
 *  - every blocking call is a yield point, takes an absolute deadline
 *    (tt_now() + ..., or TT_FOREVER / TT_NOWAIT) and may return -ETIMEDOUT
 *    or -ECANCELED; blocking calls outside a task return -EPERM;
 *  - runtime objects belong to the loop (thread) that made them; only
 *    tt_loop_call_threadsafe() may be called from another thread.
 *
 * Lifetimes, once:
 *  - tt_task: the handle returned by tt_spawn is the caller's; tt_join()
 *    (once it returns 0) or tt_detach() gives it back. Using it afterwards is
 *    an error (-EINVAL while the runtime can tell, undefined after reuse).
 *  - Lock, Event, Queue, Semaphore, Condition: caller-owned structs; init
 *    before use, close when no task waits on them any more (-EBUSY if one does).
 *  - tt_stream: returned by listen/accept/connect, freed by tt_stream_close().
 */
#ifndef TASKTRACE_TASKTRACE_H
#define TASKTRACE_TASKTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "tasktrace/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Time and deadlines -------------------------------------------------- */

/* Deadlines are absolute CLOCK_MONOTONIC times in nanoseconds. */
typedef int64_t tt_deadline;
#define TT_FOREVER ((tt_deadline)-1) /* wait as long as it takes */
#define TT_NOWAIT ((tt_deadline)0)   /* try once, never block */

/* CLOCK_MONOTONIC, ns; under TASKTRACE_VIRTUAL_TIME=1, on a loop's thread,
 * that loop's virtual clock (docs/explore.md). */
TT_EXTERN int64_t tt_now(void);
static inline tt_deadline tt_after_ms(int64_t ms) { return tt_now() + ms * 1000000; }

/* The message for a negative errno (or a tasktrace error). */
TT_EXTERN const char *tt_strerror(int err);

/* ---- Loop --------------------------------------------------------------- */

typedef struct tt_loop tt_loop;
typedef struct tt_task tt_task;

/* A task body. It returns its result: >= 0 success, < 0 a negative errno
 * (the task failed). A task that returns -ECANCELED after being cancelled
 * counts as cancelled. */
typedef int (*tt_fn)(void *arg);

/* asyncio.run: make a loop on this thread, run main(arg) as a task until it
 * finishes, cancel and report what is left, tear the loop down. Returns
 * main's result, or -EDEADLK when every task is blocked with nothing pending
 * on the loop (the wait-for graph is printed on stderr), or a negative errno
 * when set-up fails (a bad TASKTRACE_* variable, -ENOMEM). */
TT_EXTERN int tt_run(tt_fn main, void *arg);

/* The loop of the calling thread, or NULL outside tt_run. */
TT_EXTERN tt_loop *tt_loop_current(void);
/* The libuv loop underneath, for mixing in plain libuv handles. */
TT_EXTERN uv_loop_t *tt_loop_uv(tt_loop *loop);
/* Run fn(arg) on loop's thread, from any thread. Returns 0, or -ESHUTDOWN
 * once the loop is closing, or -ENOMEM. fn runs as a plain callback (not in
 * a task) and may spawn tasks. */
TT_EXTERN int tt_loop_call_threadsafe(tt_loop *loop, void (*fn)(void *), void *arg);

/* ---- Tasks -------------------------------------------------------------- */

typedef struct tt_spawn_opts {
  const char *name;  /* copied; NULL: "task-<id>" */
  size_t stack_size; /* 0: the default (64 KiB) */
} tt_spawn_opts;

#define TT__STR2(x) #x
#define TT__STR(x) TT__STR2(x)
#define TT_SITE __FILE__ ":" TT__STR(__LINE__)

/* Spawn fn(arg) as a new task, runnable at once, recording the spawn site.
 * *out receives the handle. Returns 0, -ENOMEM, -EPERM (no loop here). */
#define tt_spawn(out, fn, arg, name) tt__spawn((out), (fn), (arg), (name), 0, TT_SITE)
#define tt_spawn_opts(out, fn, arg, opts) tt__spawn_o((out), (fn), (arg), (opts), TT_SITE)
TT_EXTERN int tt__spawn(tt_task **out, tt_fn fn, void *arg, const char *name, size_t stack_size,
                        const char *site);
TT_EXTERN int tt__spawn_o(tt_task **out, tt_fn fn, void *arg, const tt_spawn_opts *opts,
                          const char *site);

/* Wait for t to finish and give the handle back; *result (may be NULL)
 * receives its result (-ECANCELED if it was cancelled). Returns 0,
 * -ETIMEDOUT / -ECANCELED (the handle stays the caller's), -EINVAL (not a
 * live handle, or already being joined), -EDEADLK (t is the caller, or the
 * wait would close a cycle of untimed waits: reported on stderr).
 * As awaiting a task in asyncio, a cancel of the caller while it waits is
 * passed on: t is cancelled too (tt_join still returns -ECANCELED at once;
 * join t again to wait for it to unwind). tt_wait does not pass it on. */
TT_EXTERN int tt_join(tt_task *t, int *result, tt_deadline deadline);
/* Give the handle back without waiting; the task runs on. */
TT_EXTERN int tt_detach(tt_task *t);
/* Ask t to stop: its current or next blocking call returns -ECANCELED,
 * once, however often t is cancelled before it runs again. A cancel never
 * delivered (t cancelled itself, or was cancelled after its last blocking
 * call) still ends it cancelled: its result is -ECANCELED whatever its
 * function returned, as in asyncio. Returns 0, -EINVAL (bad handle),
 * -EALREADY (t has finished). */
TT_EXTERN int tt_cancel(tt_task *t);
/* Wait for all n tasks and give their handles back (asyncio.gather with
 * return_exceptions=True); results (may be NULL) receives each result.
 * Every handle given back is set to NULL in tasks[], so on -ETIMEDOUT or
 * -ECANCELED the non-NULL entries are the unfinished tasks, still the
 * caller's. As asyncio.gather, a cancel of the caller while it waits
 * cancels every task it still waits for. */
TT_EXTERN int tt_gather(tt_task **tasks, size_t n, int *results, tt_deadline deadline);
/* asyncio.wait: wait until every non-NULL task of tasks[] has finished,
 * without taking results or handles (tt_join them after: it returns at
 * once) and without ever cancelling them: a cancel or timeout of the
 * caller leaves them running. Returns 0, -ETIMEDOUT, -ECANCELED, -EINVAL
 * (a bad handle, or one being joined), -EDEADLK (as tt_join). */
TT_EXTERN int tt_wait(tt_task *const *tasks, size_t n, tt_deadline deadline);

/* Let other ready tasks run; the caller runs again next loop iteration.
 * Returns 0, -EPERM outside a task or -ECANCELED (never -ENOMEM). */
TT_EXTERN int tt_yield(void);
/* Sleep until deadline (TT_FOREVER: until cancelled). Returns 0 or -ECANCELED. */
TT_EXTERN int tt_sleep_until(tt_deadline deadline);
static inline int tt_sleep_ms(int64_t ms) { return tt_sleep_until(tt_after_ms(ms)); }

TT_EXTERN tt_task *tt_self(void);               /* NULL outside a task */
TT_EXTERN uint64_t tt_task_id(const tt_task *t); /* unique in the process */
TT_EXTERN const char *tt_task_name(const tt_task *t);
TT_EXTERN int tt_task_done(const tt_task *t);   /* 1 finished, 0 not, <0 bad handle */

/* User annotations in the trace. */
TT_EXTERN void tt_mark(const char *name);
TT_EXTERN void tt_region_begin(const char *name);
TT_EXTERN void tt_region_end(const char *name);

/* Invariants: fn(arg) returns nonzero while the invariant holds. Under an
 * exploring scheduler (TASKTRACE_SCHED, TASKTRACE_SCHED_SEED,
 * TASKTRACE_SCHEDULE[_OUT]) and in debug mode each is checked after every
 * step of every task; the first violation is reported on stderr (the
 * invariant, the task whose step broke it, where that step began and ended)
 * and ends the process with exit status 86 (TT_INVARIANT_EXIT). name is kept
 * (a static string). 0, -EINVAL (fn or name NULL) or -ENOMEM. */
#define TT_INVARIANT_EXIT 86
TT_EXTERN int tt_invariant_add(int (*fn)(void *arg), void *arg, const char *name);

/* ---- Wait queue (internal, embedded in every primitive) ------------------ */

typedef struct tt__list {
  struct tt__list *next, *prev;
} tt__list;

/* Common head of every named object: its id in traces and its name. */
typedef struct tt__obj {
  uint64_t id;
  tt_loop *loop; /* the owner: calls from other threads are refused */
  char name[32];
} tt__obj;

/* ---- Lock (asyncio.Lock: FIFO, not re-entrant, knows its holder) ------- */

typedef struct tt_lock {
  tt__obj obj;
  tt_task *holder;     /* NULL when free; a pooled record: trust it only with holder_id */
  uint64_t holder_id;  /* the holder's task id: the record may be reused once it is joined */
  tt__list waiters;    /* tt__waiter, FIFO */
  int64_t acquired_at; /* when the holder got it (hold time) */
  const char *acquired_site; /* debug mode: where the holder took it */
  tt__list held_link;  /* debug mode: on the holder's list of held locks */
} tt_lock;

TT_EXTERN int tt_lock_init(tt_lock *l, const char *name);
/* Returns 0, -ETIMEDOUT, -ECANCELED, -EDEADLK: the caller holds it already,
 * or (deadline TT_FOREVER) waiting would close a cycle of untimed waits,
 * each task waiting for a lock another holds or for a task it joins; the
 * cycle is printed on stderr, in every mode. Release what you hold and retry,
 * or give up: nobody else can break the cycle. */
TT_EXTERN int tt_lock_acquire(tt_lock *l, tt_deadline deadline);
/* Returns 0, or -EPERM when the caller is not the holder. */
TT_EXTERN int tt_lock_release(tt_lock *l);
TT_EXTERN int tt_lock_locked(const tt_lock *l);
TT_EXTERN int tt_lock_close(tt_lock *l);

/* ---- Event (asyncio.Event) ---------------------------------------------- */

typedef struct tt_event {
  tt__obj obj;
  int is_set;
  tt__list waiters;
} tt_event;

TT_EXTERN int tt_event_init(tt_event *e, const char *name);
/* set wakes every waiter (each returns 0, even if cleared before it runs). */
/* Both return 0, -EINVAL (NULL), -EPERM (not the loop's thread: use
 * tt_loop_call_threadsafe; the call is refused, not silently dropped). */
TT_EXTERN int tt_event_set(tt_event *e); /* wakes every waiter */
TT_EXTERN int tt_event_clear(tt_event *e);
TT_EXTERN int tt_event_is_set(const tt_event *e); /* 1, 0, or -EPERM */
/* Returns 0 once set, -ETIMEDOUT, -ECANCELED. */
TT_EXTERN int tt_event_wait(tt_event *e, tt_deadline deadline);
TT_EXTERN int tt_event_close(tt_event *e);

/* ---- Queue (asyncio.Queue of void *; capacity 0 = unbounded) ------------ */

typedef struct tt_queue {
  tt__obj obj;
  void **buf;           /* ring of items */
  size_t cap;           /* size of buf */
  size_t maxsize;       /* 0 = unbounded */
  size_t head, count;
  size_t unfinished;    /* put minus task_done */
  tt__list getters, putters, joiners;
} tt_queue;

TT_EXTERN int tt_queue_init(tt_queue *q, size_t maxsize, const char *name);
TT_EXTERN int tt_queue_put(tt_queue *q, void *item, tt_deadline deadline);
TT_EXTERN int tt_queue_get(tt_queue *q, void **item, tt_deadline deadline);
TT_EXTERN int tt_queue_put_nowait(tt_queue *q, void *item); /* -EAGAIN when full */
TT_EXTERN int tt_queue_get_nowait(tt_queue *q, void **item); /* -EAGAIN when empty */
/* One item is fully processed. -EINVAL if called more times than put. */
TT_EXTERN int tt_queue_task_done(tt_queue *q);
/* Wait until every item put has been task_done. */
TT_EXTERN int tt_queue_join(tt_queue *q, tt_deadline deadline);
TT_EXTERN size_t tt_queue_size(const tt_queue *q); /* 0 from another thread */
TT_EXTERN int tt_queue_close(tt_queue *q);

/* ---- Semaphore / BoundedSemaphore --------------------------------------- */

typedef struct tt_sem {
  tt__obj obj;
  long value;
  long bound; /* < 0: unbounded; else release above it is -EOVERFLOW */
  tt__list waiters;
} tt_sem;

TT_EXTERN int tt_sem_init(tt_sem *s, long value, const char *name);
TT_EXTERN int tt_bsem_init(tt_sem *s, long value, const char *name);
TT_EXTERN int tt_sem_acquire(tt_sem *s, tt_deadline deadline);
/* -EOVERFLOW: bounded and full. Debug mode names a release of a bounded
 * semaphore by a task that holds none of its permits, at the call. */
TT_EXTERN int tt_sem_release(tt_sem *s);
TT_EXTERN long tt_sem_value(const tt_sem *s); /* or -EPERM from another thread */
TT_EXTERN int tt_sem_close(tt_sem *s);

/* ---- Condition ---------------------------------------------------------- */

typedef struct tt_cond {
  tt__obj obj;
  tt_lock *lock;     /* the lock it is used with */
  tt_lock own_lock;  /* used when init is given NULL */
  tt__list waiters;
} tt_cond;

/* lock NULL: the condition makes its own (tt_cond_lock() returns it). */
TT_EXTERN int tt_cond_init(tt_cond *c, tt_lock *lock, const char *name);
TT_EXTERN tt_lock *tt_cond_lock(tt_cond *c);
/* Release the lock, wait for a notify, hold the lock again, in every case
 * (also on -ETIMEDOUT and -ECANCELED). -EPERM if the caller does not hold it. */
TT_EXTERN int tt_cond_wait(tt_cond *c, tt_deadline deadline);
/* Wake the first n waiters (FIFO); returns how many it woke, -EINVAL for
 * n < 0, -EPERM when the caller does not hold the lock. */
TT_EXTERN int tt_cond_notify(tt_cond *c, int n);
TT_EXTERN int tt_cond_notify_all(tt_cond *c);
TT_EXTERN int tt_cond_close(tt_cond *c);

/* ---- I/O on libuv ------------------------------------------------------- */

/* A TCP or Unix-domain stream. One task may read (or accept) while another
 * writes or shuts down; a second concurrent reader or writer gets -EBUSY.
 * Streams ignore SIGPIPE (unless the program set a handler), so a write to
 * a peer that has gone returns -EPIPE. */
typedef struct tt_stream tt_stream;

/* TCP. host is a numeric address ("127.0.0.1", "::1"); port 0 picks one. */
TT_EXTERN int tt_tcp_listen(tt_stream **out, const char *host, int port, int backlog);
TT_EXTERN int tt_tcp_connect(tt_stream **out, const char *host, int port, tt_deadline deadline);
/* The local port of a TCP stream, or a negative errno. */
TT_EXTERN int tt_tcp_port(tt_stream *s);
/* Unix-domain stream sockets. listen: an existing path (even a stale
 * socket) is -EADDRINUSE; closing the listener removes the path. A path
 * longer than sockaddr_un allows is -ENAMETOOLONG. */
TT_EXTERN int tt_pipe_listen(tt_stream **out, const char *path, int backlog);
TT_EXTERN int tt_pipe_connect(tt_stream **out, const char *path, tt_deadline deadline);
/* Adopt an open file descriptor (socket or pipe end): on success the
 * stream owns it (tt_stream_close closes it); on failure it stays yours. */
TT_EXTERN int tt_pipe_open(tt_stream **out, int fd);

TT_EXTERN int tt_stream_accept(tt_stream *server, tt_stream **client, tt_deadline deadline);
/* Read up to len bytes: returns the count, 0 at end of stream, or <0.
 * Data already there is returned without waiting (TT_NOWAIT works). */
TT_EXTERN ssize_t tt_stream_read(tt_stream *s, void *buf, size_t len, tt_deadline deadline);
/* Write all len bytes. Returns 0 or <0. On timeout or cancel the stream is
 * left in an unknown state: close it. */
TT_EXTERN int tt_stream_write(tt_stream *s, const void *buf, size_t len, tt_deadline deadline);
TT_EXTERN int tt_stream_shutdown(tt_stream *s, tt_deadline deadline);
/* Close and free; never blocks. -EBUSY (and nothing done) while a task is
 * blocked on s: one task owns a stream at a time. */
TT_EXTERN int tt_stream_close(tt_stream *s);
/* The fd underneath, or a negative errno. */
TT_EXTERN int tt_stream_fd(tt_stream *s);

/* Files through libuv's fs (on its thread pool). offset < 0: the current
 * position. read goes on until len bytes, end of file, or a short read (a
 * pipe has no more for now); write writes all len bytes. After some
 * progress a failure returns the count so far; -ETIMEDOUT / -ECANCELED
 * leave the amount done unknown. The thread pool never touches buf after
 * the call returns. */
TT_EXTERN int tt_fs_open(const char *path, int flags, int mode, tt_deadline deadline);
TT_EXTERN ssize_t tt_fs_read(int fd, void *buf, size_t len, int64_t offset, tt_deadline deadline);
TT_EXTERN ssize_t tt_fs_write(int fd, const void *buf, size_t len, int64_t offset,
                              tt_deadline deadline);
TT_EXTERN int tt_fs_close(int fd, tt_deadline deadline);

/* getaddrinfo on the thread pool. *res is freed with uv_freeaddrinfo.
 * Resolver failures are libuv's UV_EAI_* codes (tt_strerror names them). */
struct addrinfo;
TT_EXTERN int tt_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                             struct addrinfo **res, tt_deadline deadline);

/* Run fn(arg) on libuv's thread pool and wait for it; returns fn's result.
 * fn always runs, to the end. On -ETIMEDOUT / -ECANCELED it may still be
 * running: arg must outlive it (use a heap arg and let fn free it, or pass
 * TT_FOREVER). */
TT_EXTERN int tt_run_in_thread(int (*fn)(void *), void *arg, tt_deadline deadline);

/* ---- Call sites ----------------------------------------------------------
 *
 * Debug mode names the file:line of the call a task waits in (and of a
 * wrong-thread call, a slow cross-thread callback). These macros record it
 * with one thread-local store and call the function of the same name, so
 * names, signatures and function pointers are unchanged ((tt_yield)()
 * bypasses the macro). The runtime's own sources build without them
 * (TT__IN_RUNTIME), so a call made inside the runtime keeps its caller's site.
 */
TT_EXTERN extern __thread const char *tt__call_site __attribute__((tls_model("initial-exec")));
#ifndef TT__IN_RUNTIME
/* Variadic, so that an argument with a bare comma (a compound literal) is fine. */
#define TT__AT(call) (tt__call_site = TT_SITE, call)
#define tt_yield(...) TT__AT(tt_yield(__VA_ARGS__))
#define tt_sleep_until(...) TT__AT(tt_sleep_until(__VA_ARGS__))
#define tt_sleep_ms(...) TT__AT(tt_sleep_ms(__VA_ARGS__))
#define tt_join(...) TT__AT(tt_join(__VA_ARGS__))
#define tt_gather(...) TT__AT(tt_gather(__VA_ARGS__))
#define tt_wait(...) TT__AT(tt_wait(__VA_ARGS__))
#define tt_lock_acquire(...) TT__AT(tt_lock_acquire(__VA_ARGS__))
#define tt_lock_release(...) TT__AT(tt_lock_release(__VA_ARGS__))
#define tt_event_wait(...) TT__AT(tt_event_wait(__VA_ARGS__))
#define tt_queue_put(...) TT__AT(tt_queue_put(__VA_ARGS__))
#define tt_queue_get(...) TT__AT(tt_queue_get(__VA_ARGS__))
#define tt_queue_join(...) TT__AT(tt_queue_join(__VA_ARGS__))
#define tt_sem_acquire(...) TT__AT(tt_sem_acquire(__VA_ARGS__))
#define tt_cond_wait(...) TT__AT(tt_cond_wait(__VA_ARGS__))
#define tt_tcp_connect(...) TT__AT(tt_tcp_connect(__VA_ARGS__))
#define tt_pipe_connect(...) TT__AT(tt_pipe_connect(__VA_ARGS__))
#define tt_stream_accept(...) TT__AT(tt_stream_accept(__VA_ARGS__))
#define tt_stream_read(...) TT__AT(tt_stream_read(__VA_ARGS__))
#define tt_stream_write(...) TT__AT(tt_stream_write(__VA_ARGS__))
#define tt_stream_shutdown(...) TT__AT(tt_stream_shutdown(__VA_ARGS__))
#define tt_fs_open(...) TT__AT(tt_fs_open(__VA_ARGS__))
#define tt_fs_read(...) TT__AT(tt_fs_read(__VA_ARGS__))
#define tt_fs_write(...) TT__AT(tt_fs_write(__VA_ARGS__))
#define tt_fs_close(...) TT__AT(tt_fs_close(__VA_ARGS__))
#define tt_getaddrinfo(...) TT__AT(tt_getaddrinfo(__VA_ARGS__))
#define tt_run_in_thread(...) TT__AT(tt_run_in_thread(__VA_ARGS__))
#define tt_loop_call_threadsafe(...) TT__AT(tt_loop_call_threadsafe(__VA_ARGS__))
/* The non-blocking calls on objects, so that a wrong-thread report (and an
 * over-released semaphore) says where. */
#define tt_lock_close(...) TT__AT(tt_lock_close(__VA_ARGS__))
#define tt_event_set(...) TT__AT(tt_event_set(__VA_ARGS__))
#define tt_event_clear(...) TT__AT(tt_event_clear(__VA_ARGS__))
#define tt_event_is_set(...) TT__AT(tt_event_is_set(__VA_ARGS__))
#define tt_event_close(...) TT__AT(tt_event_close(__VA_ARGS__))
#define tt_queue_put_nowait(...) TT__AT(tt_queue_put_nowait(__VA_ARGS__))
#define tt_queue_get_nowait(...) TT__AT(tt_queue_get_nowait(__VA_ARGS__))
#define tt_queue_task_done(...) TT__AT(tt_queue_task_done(__VA_ARGS__))
#define tt_queue_size(...) TT__AT(tt_queue_size(__VA_ARGS__))
#define tt_queue_close(...) TT__AT(tt_queue_close(__VA_ARGS__))
#define tt_sem_release(...) TT__AT(tt_sem_release(__VA_ARGS__))
#define tt_sem_value(...) TT__AT(tt_sem_value(__VA_ARGS__))
#define tt_sem_close(...) TT__AT(tt_sem_close(__VA_ARGS__))
#define tt_cond_notify(...) TT__AT(tt_cond_notify(__VA_ARGS__))
#define tt_cond_notify_all(...) TT__AT(tt_cond_notify_all(__VA_ARGS__))
#define tt_cond_close(...) TT__AT(tt_cond_close(__VA_ARGS__))
#define tt_stream_close(...) TT__AT(tt_stream_close(__VA_ARGS__))
#define tt_stream_fd(...) TT__AT(tt_stream_fd(__VA_ARGS__))
#define tt_tcp_port(...) TT__AT(tt_tcp_port(__VA_ARGS__))
#endif

#ifdef __cplusplus
}
#endif
#endif /* TASKTRACE_TASKTRACE_H */
