/* The native event stream, producer side (tracer/format/FORMAT.md, "Stream").
 *
 * Each thread encodes into its own buffer with no lock. A full buffer is
 * queued for a sender thread, which writes it to the collector socket, and
 * the thread takes a free one from a fixed pool; the loop never waits on the
 * socket. When the pool is empty (collector slow or stopped) the thread
 * drops its buffer's events, counts them, and starts the next buffer with a
 * `lost` record carrying the count.
 *
 * Crash safety: on SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGABRT and at exit, what is
 * queued and what every thread has buffered is written to the socket with
 * plain non-blocking send(2) (async-signal-safe), bounded in time (STALL_MS,
 * FLUSH_MAX_MS), on a signal stack of its own (a stack overflow too), under the
 * send lock so it never interleaves with a message the sender is writing.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tasktrace/wire.h"
#include "sink.h"

#define BUF_SIZE TT__STREAM_BUF /* a message: small enough that a kill loses little */
#define NBUF TT__STREAM_NBUF    /* the pool: 2 MiB per process, ~60 ms of a busy loop */
#define STR_CACHE_MAX 4096   /* interned strings remembered per thread */
/* The bounds on handing over at tt_run's return and at exit or crash: give
 * up once the collector has taken nothing for STALL_MS (a stopped or hung
 * collector costs the program at most that, once at tt_run's return and
 * once at exit), and after FLUSH_MAX_MS in all even while it takes data. */
#define STALL_MS 100
#define FLUSH_MAX_MS 500

typedef struct tbuf {
  struct tbuf *next;
  uint32_t len; /* message bytes, once queued */
  uint64_t nev; /* events in it, and the count its lost record carries: */
  uint64_t lost; /* what is lost if it is never sent */
  uint8_t data[BUF_SIZE];
} tbuf;

typedef struct tstate {
  TT__HOT_FIELDS        /* sink.h: what emit.c's inline encoder touches */
  tbuf *buf;            /* NULL once the thread has exited */
  uint32_t tid;
  uint64_t lostrec;     /* the count of buf's lost record (0: none) */
  uint64_t dropped;     /* events dropped since the last lost record handed over */
  tt__strmap strs;      /* strings defined in this thread's stream */
  struct tstate *next;  /* every thread's state, for the final flush */
  void *altstack;       /* the signal stack we gave the thread, if any */
  int handoff;          /* where cycle() is, for a crash flush (HO_*) */
  int exit_rounds;      /* thread_exit calls so far (see there) */
} tstate;

/* A crash can interrupt cycle() anywhere, and the crash flush must then
 * send (or count) the thread's events exactly once: while buf is being
 * queued it is not "the partial buffer" any more (pos is NULL), and
 * handoff says whether the queue has it. */
enum { HO_NONE = 0, HO_TAKING = 1 /* not queued yet */, HO_QUEUED = 2, HO_DROPPED = 3 };

static struct {
  int fd;
  pthread_mutex_t mu;
  pthread_cond_t work, idle;
  tbuf *free_list;
  tbuf *q_head, *q_tail; /* full buffers, oldest first */
  int sending;           /* the sender holds a popped buffer */
  tbuf *inflight;        /* popped, not yet written (see final_flush) */
  int disconnected;      /* the socket failed: buffers are recycled unsent */
  int sendlock;          /* held while one message is being written */
  int dead;              /* the final flush ran: nothing more is sent */
  int final_done;
  int stalled;           /* a flush gave up on the sender: do not wait again */
  uint64_t sent;         /* buffers the sender has written */
  uint64_t next_str;     /* string ids, process-wide */
  tstate *threads;
  pthread_key_t key;
  struct sigaction old[32];
} g = {.fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER,
       .work = PTHREAD_COND_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static __thread tstate *tls __attribute__((tls_model("initial-exec")));
__thread tt__hot *tt__hot_tls __attribute__((tls_model("initial-exec"))); /* = tls */
_Static_assert(offsetof(tstate, d) == offsetof(tt__hot, d), "tstate starts with tt__hot");
__thread tt__clock tt__clk __attribute__((tls_model("initial-exec")));

/* TSC calibration (sink.h): the rate is measured against CLOCK_MONOTONIC
 * over the whole life of the process, from the first anchor on. */
static struct {
  int usable;          /* the TSC is trusted (tsc.c) */
  uint64_t tsc0, ns0;  /* the first anchor */
  uint64_t mult;       /* latest rate, ns per tick << 32 */
} cal;

#define CAL_MIN_NS 5000000 /* measure the rate over 5 ms at least */

static void reanchor(void) {
#if defined(__x86_64__)
  if (!cal.usable)
    return;
  uint64_t ns = tt_now_ns(), tsc = __rdtsc();
  uint64_t tsc0 = __atomic_load_n(&cal.tsc0, __ATOMIC_RELAXED);
  uint64_t ns0 = __atomic_load_n(&cal.ns0, __ATOMIC_RELAXED);
  uint64_t mult = 0;
  if (ns - ns0 >= CAL_MIN_NS && tsc > tsc0) {
    mult = (uint64_t)(((unsigned __int128)(ns - ns0) << 32) / (tsc - tsc0));
    __atomic_store_n(&cal.mult, mult, __ATOMIC_RELAXED);
  }
  tt__clk = (tt__clock){tsc, ns, mult, tt__clk.last};
#endif
}

static void cal_init(void) {
#if defined(__x86_64__)
  cal.usable = tt__tsc_trusted(); /* tsc.c: the rule */
  cal.ns0 = tt_now_ns();
  cal.tsc0 = __rdtsc();
#endif
}

static void start_buf(tstate *t, uint64_t ts) {
  reanchor();
  uint8_t *b = t->buf->data;
  tt__wire_hdr_encode(b, &(tt__msg_hdr){0, 0, t->tid, ts}); /* the length is set in cycle() */
  tt__dstate_reset(&t->d, ts);
  t->nev = 0;
  t->lostrec = t->dropped;
  t->end = b + BUF_SIZE;
  uint8_t *p = b + TT__WIRE_HDR;
  if (t->dropped) {
    const uint64_t u[TT_EVENT_FIELDS] = {t->dropped};
    p = tt__enc_event(p, &t->d, TT_EV_lost, ts, u);
  }
  __atomic_store_n(&t->pos, p, __ATOMIC_RELEASE);
  __atomic_store_n(&t->handoff, HO_NONE, __ATOMIC_RELEASE);
}

/* Hand the current buffer over (or drop it) and, with restart, start the
 * next one; without (thread exit), give the buffer up. ts: the time of the
 * event about to be written (0: none). The new buffer's base time is not
 * after it: an event's delta from the base is clamped at 0, so a base read
 * later would move an event whose time was read before the buffer change
 * (one clock read shared by two events, emit.h) forward. */
static void cycle(tstate *t, int restart, uint64_t ts) {
  tbuf *b = t->buf, *next = b;
  uint8_t *pos = t->pos;
  int empty = pos == b->data + TT__WIRE_HDR;
  int dropped = 0;
  __atomic_store_n(&t->handoff, HO_TAKING, __ATOMIC_RELEASE);
  __atomic_store_n(&t->pos, NULL, __ATOMIC_RELEASE);
  pthread_mutex_lock(&g.mu);
  tbuf *fresh = NULL;
  if (!empty && !g.disconnected && (!restart || (fresh = g.free_list) != NULL)) {
    if (fresh)
      g.free_list = fresh->next;
    b->len = (uint32_t)(pos - b->data);
    b->nev = t->nev;
    b->lost = t->lostrec;
    tt__msg_set_len(b->data, b->len - 4);
    b->next = NULL;
    if (g.q_tail)
      g.q_tail->next = b;
    else
      g.q_head = b;
    g.q_tail = b;
    __atomic_store_n(&t->handoff, HO_QUEUED, __ATOMIC_RELEASE);
    pthread_cond_signal(&g.work);
    t->dropped = 0;
    next = fresh;
  } else if (!empty) {
    /* No free buffer (or no collector): drop these events, keep the memory. */
    t->dropped += t->nev;
    __atomic_store_n(&t->handoff, HO_DROPPED, __ATOMIC_RELEASE);
    dropped = 1;
  } else {
    __atomic_store_n(&t->handoff, HO_DROPPED, __ATOMIC_RELEASE); /* nothing to count but drops */
  }
  if (!restart && next != NULL) {
    next->next = g.free_list;
    g.free_list = next;
    next = NULL;
  }
  pthread_mutex_unlock(&g.mu);
  if (dropped)
    tt__strmap_clear(&t->strs); /* their definitions are gone too */
  t->buf = next;
  if (next) {
    uint64_t now = tt_now_ns();
    start_buf(t, ts && ts < now ? ts : now);
  } else
    t->pos = t->end = NULL;
}

/* The crash flush must run even when the crash is a stack overflow (a
 * task's or the thread's own): on a signal stack of its own, given to every
 * thread that emits unless it already has one. Debug mode's overflow
 * report uses the same stack. */
#define ALTSTACK_SIZE (64u << 10)

static void *altstack_start(void) {
  stack_t cur;
  if (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE))
    return NULL; /* the thread has one (debug mode's, or the program's) */
  void *p = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  stack_t ss = {.ss_sp = p, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) {
    munmap(p, ALTSTACK_SIZE);
    return NULL;
  }
  return p;
}

static void altstack_stop(void *p) {
  stack_t cur;
  if (p == NULL || sigaltstack(NULL, &cur) != 0 || cur.ss_sp != p)
    return; /* replaced meanwhile: no longer ours to unmap */
  stack_t ss = {.ss_flags = SS_DISABLE};
  if (sigaltstack(&ss, NULL) == 0)
    munmap(p, ALTSTACK_SIZE);
}

/* The key's destructor. Other thread-specific destructors may emit after
 * it in the same round (keys are destroyed in creation order, and ours is
 * made early), so it puts itself back and gives the buffer up only in the
 * last round the C library runs: events from destructors of earlier rounds
 * are recorded. What is emitted after that is dropped and counted (t->buf
 * NULL), and the exit flush hands the count over as a lost record. */
static void thread_exit(void *arg) {
  tstate *t = arg;
  if (++t->exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS && pthread_setspecific(g.key, t) == 0)
    return;
  altstack_stop(t->altstack);
  t->altstack = NULL;
  if (t->buf)
    cycle(t, 0, 0);
  tt__strmap_clear(&t->strs);
}

static tstate *thread_init(void) {
  tstate *t = calloc(1, sizeof *t);
  if (t == NULL)
    return NULL;
  pthread_mutex_lock(&g.mu);
  t->buf = g.free_list;
  if (t->buf)
    g.free_list = t->buf->next;
  pthread_mutex_unlock(&g.mu);
  if (t->buf == NULL) {
    free(t);
    return NULL; /* every buffer is in use: this thread traces nothing yet */
  }
  t->tid = (uint32_t)syscall(SYS_gettid);
  t->altstack = altstack_start();
  start_buf(t, tt_now_ns());
  t->next = __atomic_load_n(&g.threads, __ATOMIC_ACQUIRE);
  while (!__atomic_compare_exchange_n(&g.threads, &t->next, t, 0, __ATOMIC_RELEASE,
                                      __ATOMIC_ACQUIRE))
    ;
  pthread_setspecific(g.key, t);
  tls = t;
  tt__hot_tls = (tt__hot *)t;
  return t;
}

static uint64_t intern(tstate *t, const char *s) {
  if (s == NULL)
    s = "";
  size_t len = strnlen(s, TT__STR_MAX);
  uint64_t h = tt__strhash(s, len);
  int64_t id = tt__strmap_get(&t->strs, s, len, h);
  if (id >= 0)
    return (uint64_t)id;
  if (t->strs.len >= STR_CACHE_MAX)
    tt__strmap_clear(&t->strs);
  id = (int64_t)__atomic_fetch_add(&g.next_str, 1, __ATOMIC_RELAXED);
  if (tt__strmap_put(&t->strs, s, len, h, (uint64_t)id) < 0)
    tt__strmap_clear(&t->strs); /* out of memory: define it again next time */
  t->pos = tt__enc_strdef(t->pos, (uint64_t)id, s, len);
  return (uint64_t)id;
}

void tt__native_write(unsigned type, uint64_t ts, const uint64_t u[TT_EVENT_FIELDS],
                      const char *const s[TT_EVENT_FIELDS]) {
  tstate *t = tls;
  if (TT_UNLIKELY(t == NULL)) {
    if (g.dead || (t = thread_init()) == NULL)
      return;
  }
  if (TT_UNLIKELY(t->buf == NULL)) {
    /* After this thread's exit handler's last round (a destructor that
     * runs later emits): its buffer is gone; the drop is counted and the
     * exit flush hands the count over (lost_message). */
    t->dropped++;
    return;
  }
  const uint8_t *kind = tt__kinds[type];
  int has_str = kind[0] == TT_FIELD_STR || kind[1] == TT_FIELD_STR ||
                kind[2] == TT_FIELD_STR || kind[3] == TT_FIELD_STR;
  if (TT_LIKELY(!has_str)) {
    if (TT_UNLIKELY(t->end - t->pos < TT__REC_MAX))
      cycle(t, 1, ts);
    __atomic_store_n(&t->pos, tt__enc_event(t->pos, &t->d, type, ts, u), __ATOMIC_RELEASE);
    t->nev++;
    return;
  }
  /* Room for every definition and the record at once, so that a buffer
   * change cannot come between a definition and its use. */
  size_t need = TT__REC_MAX;
  for (int i = 0; i < TT_EVENT_FIELDS; i++)
    if (kind[i] == TT_FIELD_STR)
      need += 21 + strnlen(s[i] ? s[i] : "", TT__STR_MAX);
  if ((size_t)(t->end - t->pos) < need)
    cycle(t, 1, ts);
  uint64_t v[TT_EVENT_FIELDS];
  for (int i = 0; i < TT_EVENT_FIELDS; i++)
    v[i] = kind[i] == TT_FIELD_STR ? intern(t, s[i]) : u[i];
  __atomic_store_n(&t->pos, tt__enc_event(t->pos, &t->d, type, ts, v), __ATOMIC_RELEASE);
  t->nev++;
}

/* ---- Sending ---- */

static int64_t mono_ms(void) { return (int64_t)(tt_now_ns() / 1000000); }

/* Async-signal-safe: send all of p, or give up STALL_MS after the last
 * progress or at deadline_ms. */
static int send_bounded(const uint8_t *p, size_t len, int64_t deadline_ms) {
  int64_t stall = mono_ms() + STALL_MS;
  while (len > 0) {
    ssize_t n = send(g.fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      p += n, len -= (size_t)n;
      stall = mono_ms() + STALL_MS;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return -1;
    int64_t left = (stall < deadline_ms ? stall : deadline_ms) - mono_ms();
    if (left <= 0)
      return -1;
    struct pollfd pfd = {g.fd, POLLOUT, 0};
    poll(&pfd, 1, (int)left);
  }
  return 0;
}

static void *sender_main(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&g.mu);
    while (g.q_head == NULL)
      pthread_cond_wait(&g.work, &g.mu);
    tbuf *b = g.q_head;
    g.q_head = b->next;
    if (g.q_head == NULL)
      g.q_tail = NULL;
    g.sending = 1;
    __atomic_store_n(&g.inflight, b, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g.mu);

    while (__atomic_exchange_n(&g.sendlock, 1, __ATOMIC_ACQUIRE))
      sched_yield();
    int ok = 0;
    if (!g.dead && !g.disconnected) {
      /* Blocking send: only this thread waits on a slow collector. */
      const uint8_t *p = b->data;
      size_t len = b->len;
      ok = 1;
      while (len > 0) {
        ssize_t n = send(g.fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0) {
          ok = 0;
          break;
        }
        p += n, len -= (size_t)n;
      }
    }
    int dead = g.dead;
    if (!dead)
      __atomic_store_n(&g.inflight, NULL, __ATOMIC_RELEASE);
    if (ok) {
      __atomic_fetch_add(&g.sent, 1, __ATOMIC_RELAXED);
      __atomic_store_n(&g.stalled, 0, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&g.sendlock, 0, __ATOMIC_RELEASE);

    pthread_mutex_lock(&g.mu);
    if (!ok && !dead && !g.disconnected) {
      g.disconnected = 1;
      fprintf(stderr, "tasktrace: lost the collector (%s): no more events are recorded\n",
              strerror(errno));
    }
    b->next = g.free_list;
    g.free_list = b;
    g.sending = 0;
    pthread_cond_broadcast(&g.idle);
    pthread_mutex_unlock(&g.mu);
  }
  return NULL;
}

/* Async-signal-safe: "tasktrace: N events lost: ..." on stderr. */
static void say_lost(uint64_t n) {
  char num[24], *p = num + sizeof num;
  do
    *--p = (char)('0' + n % 10);
  while ((n /= 10) != 0);
  static const char pre[] = "tasktrace: ", post[] = " events lost: the collector did not keep up\n";
  if (write(2, pre, sizeof pre - 1) < 0 || write(2, p, (size_t)(num + sizeof num - p)) < 0 ||
      write(2, post, sizeof post - 1) < 0) {
  }
}

/* Async-signal-safe: a message holding only a lost record of n events,
 * for a thread that has no buffer left (it has exited). 0 when sent. */
static int lost_message(uint32_t tid, uint64_t n, int64_t deadline) {
  uint8_t m[TT__WIRE_HDR + TT__REC_MAX];
  uint64_t ts = tt_now_ns();
  tt__dstate d;
  tt__wire_hdr_encode(m, &(tt__msg_hdr){0, 0, tid, ts});
  tt__dstate_reset(&d, ts);
  const uint64_t u[TT_EVENT_FIELDS] = {n};
  uint8_t *p = tt__enc_event(m + TT__WIRE_HDR, &d, TT_EV_lost, ts, u);
  tt__msg_set_len(m, (uint32_t)(p - m - 4));
  return send_bounded(m, (size_t)(p - m), deadline);
}

/* Crash and exit path: async-signal-safe, runs once. Whatever cannot be
 * handed over (the collector stopped, gone or too slow) is counted, with
 * the drops the lost records of those buffers carried, and the count goes
 * to stderr: the file cannot have it. */
static void final_flush(void) {
  if (g.fd < 0 || __atomic_exchange_n(&g.final_done, 1, __ATOMIC_ACQ_REL))
    return;
  int64_t deadline = mono_ms() + FLUSH_MAX_MS;
  int64_t stall = mono_ms() + STALL_MS;
  uint64_t lost = 0;
  int failed = 0;
  /* Wait for the sender to finish the message it is writing; if it is
   * stuck on a stopped collector, give up rather than hang. Then what it
   * holds and everything else is not sent: a message cut in the middle
   * cannot be followed by another. */
  while (__atomic_exchange_n(&g.sendlock, 1, __ATOMIC_ACQUIRE)) {
    if (mono_ms() >= stall) {
      failed = 1;
      break;
    }
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  g.dead = 1;
  failed |= g.disconnected;
  /* A buffer the sender popped (written or not) comes first. */
  tbuf *inflight = __atomic_load_n(&g.inflight, __ATOMIC_ACQUIRE);
  if (inflight && (failed || send_bounded(inflight->data, inflight->len, deadline) < 0)) {
    failed = 1;
    lost += inflight->nev + inflight->lost;
  }
  for (tbuf *b = g.q_head; b; b = b->next)
    if (failed || send_bounded(b->data, b->len, deadline) < 0) {
      failed = 1;
      lost += b->nev + b->lost;
    }
  for (tstate *t = __atomic_load_n(&g.threads, __ATOMIC_ACQUIRE); t; t = t->next) {
    tbuf *b = t->buf;
    uint8_t *pos = __atomic_load_n(&t->pos, __ATOMIC_ACQUIRE);
    int ho = __atomic_load_n(&t->handoff, __ATOMIC_ACQUIRE);
    if (b == NULL) {
      /* The thread exited (its last buffer was queued, or dropped and
       * counted); what it emitted after its exit handler was counted. */
      if (t->dropped && (failed || lost_message(t->tid, t->dropped, deadline) < 0)) {
        failed = 1;
        lost += t->dropped;
      }
      continue;
    }
    if (ho == HO_QUEUED)
      continue; /* cut in cycle() after queueing: the queue sent or counted it */
    if (ho == HO_TAKING)
      lost += t->nev; /* cut in cycle() before queueing: its events are gone */
    if (b == NULL || pos == NULL || pos <= b->data + TT__WIRE_HDR || pos > b->data + BUF_SIZE) {
      lost += t->dropped; /* dropped, and no buffer left to say so */
      continue;
    }
    tt__msg_set_len(b->data, (uint32_t)(pos - b->data - 4));
    if (failed || send_bounded(b->data, (size_t)(pos - b->data), deadline) < 0) {
      failed = 1;
      lost += t->nev + t->lostrec + (t->dropped - t->lostrec);
    } else {
      lost += t->dropped - t->lostrec; /* dropped after its lost record */
    }
  }
  if (lost)
    say_lost(lost);
}

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

static void on_crash(int sig, siginfo_t *si, void *uc) {
  int saved = errno;
  final_flush();
  /* Give the signal to whoever had it before us (or the default). */
  sigaction(sig, &g.old[sig], NULL);
  errno = saved;
  if (g.old[sig].sa_flags & SA_SIGINFO) {
    if (g.old[sig].sa_sigaction)
      g.old[sig].sa_sigaction(sig, si, uc);
  } else if (g.old[sig].sa_handler != SIG_DFL && g.old[sig].sa_handler != SIG_IGN) {
    g.old[sig].sa_handler(sig);
  } else {
    raise(sig); /* delivered when this handler returns */
  }
}

static void at_fork_child(void) {
  /* The sender thread does not exist in the child. */
  tt__trace_on &= ~TT__TRACE_NATIVE;
  if (g.fd >= 0)
    close(g.fd);
  g.fd = -1;
}

/* The socket's directory must be ours: a real directory (not a symbolic
 * link), owned by the effective uid and writable by nobody else, or whoever
 * made it could have put their own listener there. Returns an O_PATH fd on
 * it, or -1 with a one-line message printed. */
static int open_own_dir(const char *path, const char *dir) {
  char e[256];
  struct stat st, fst;
  const char *why = NULL;
  char buf[96];
  if (lstat(dir, &st) < 0) {
    why = strerror(errno);
  } else if (S_ISLNK(st.st_mode)) {
    why = "its directory is a symbolic link";
  } else if (!S_ISDIR(st.st_mode)) {
    why = "its directory is not a directory";
  } else if (st.st_uid != geteuid()) {
    snprintf(buf, sizeof buf, "directory owned by uid %lu, not by you", (unsigned long)st.st_uid);
    why = buf;
  } else if (st.st_mode & 022) {
    snprintf(buf, sizeof buf, "directory writable by others (mode %04o)",
             (unsigned)(st.st_mode & 07777));
    why = buf;
  }
  int dfd = -1;
  if (why == NULL) {
    /* Re-check what was actually opened: the name may have been swapped. */
    dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 || fstat(dfd, &fst) < 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino ||
        fst.st_uid != geteuid() || (fst.st_mode & 022)) {
      why = "its directory changed while being checked";
      if (dfd >= 0)
        close(dfd);
      dfd = -1;
    }
  }
  if (why != NULL)
    fprintf(stderr, "tasktrace: TASKTRACE_COLLECTOR=%s: %s: not recording\n",
            tt_esc(e, sizeof e, path), why);
  return dfd;
}

/* Connect to path through the checked directory fd: /proc/self/fd/N/NAME
 * resolves from the directory we checked, not from a name an attacker may
 * re-point. Without /proc, the plain path (SO_PEERCRED still applies). */
static int connect_in(int fd, int dfd, const char *path, const char *name) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  struct stat st;
  int n = snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", dfd, name);
  if (n < 0 || (size_t)n >= sizeof sa.sun_path || stat("/proc/self/fd", &st) < 0)
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  return connect(fd, (struct sockaddr *)&sa, sizeof sa);
}

/* Whoever listens must be us (root: root). */
static int peer_is_us(int fd, const char *path) {
  struct ucred cr;
  socklen_t len = sizeof cr;
  char e[256];
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
    fprintf(stderr, "tasktrace: TASKTRACE_COLLECTOR=%s: cannot tell who listens (%s): "
                    "not recording\n", tt_esc(e, sizeof e, path), strerror(errno));
    return 0;
  }
  if (cr.uid != geteuid()) {
    fprintf(stderr, "tasktrace: TASKTRACE_COLLECTOR=%s: the listener runs as uid %lu, not as "
                    "you: not recording\n", tt_esc(e, sizeof e, path), (unsigned long)cr.uid);
    return 0;
  }
  return 1;
}

/* Connect to the collector at path (TASKTRACE_COLLECTOR), checking the
 * directory and the listener are ours. 0 with *fdp the socket, or with
 * *fdp -1 when not recording (said in one line); a negative errno when no
 * socket could be made. */
static int connect_collector(const char *path, int *fdp) {
  *fdp = -1;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  char e[256];
  /* Every bad value costs the events, not the program: one line, untraced. */
  if (path[0] == 0) {
    fprintf(stderr, "tasktrace: TASKTRACE_COLLECTOR is empty (want the collector's socket "
                    "path): not recording\n");
    return 0;
  }
  if (strlen(path) >= sizeof sa.sun_path) {
    fprintf(stderr, "tasktrace: TASKTRACE_COLLECTOR=%s: path longer than %zu bytes: not "
                    "recording\n", tt_esc(e, sizeof e, path), sizeof sa.sun_path - 1);
    return 0;
  }
  char dir[sizeof sa.sun_path];
  const char *name = strrchr(path, '/');
  if (name == NULL) {
    strcpy(dir, ".");
    name = path;
  } else {
    size_t dl = (size_t)(name - path);
    memcpy(dir, path, dl ? dl : 1);
    dir[dl ? dl : 1] = '\0';
    name++;
  }
  int dfd = open_own_dir(path, dir);
  if (dfd < 0)
    return 0;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    close(dfd);
    return -errno;
  }
  int cr = connect_in(fd, dfd, path, name);
  close(dfd);
  if (cr < 0) {
    /* An absent collector costs the events, not the program. A refusal
     * says little: say whether a collector ever was there. */
    int e2 = errno;
    struct stat st;
    const char *why = strerror(e2);
    if (e2 == ECONNREFUSED)
      why = stat(path, &st) == 0 && !S_ISSOCK(st.st_mode)
                ? "not a socket (tasktraced --socket or tasktrace record makes one)"
                : "no collector listening (stopped?)";
    fprintf(stderr, "tasktrace: TASKTRACE_COLLECTOR=%s: %s: not recording\n",
            tt_esc(e, sizeof e, path), why);
    close(fd);
    return 0;
  }
  if (!peer_is_us(fd, path)) {
    close(fd);
    return 0;
  }
  *fdp = fd;
  return 0;
}

/* The hello: who we are, our clocks. 0, or -1 when the collector did not
 * take it (said in one line). */
static int send_hello(int fd, const char *path) {
  char e[256];
  struct timespec rt, mt;
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_MONOTONIC, &mt);
  tt_proc_info me = {.pid = (uint32_t)getpid(),
                     .start_realtime_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec,
                     .start_mono_ns = (uint64_t)mt.tv_sec * 1000000000u + (uint64_t)mt.tv_nsec};
  extern char *program_invocation_short_name;
  snprintf(me.program, sizeof me.program, "%s", program_invocation_short_name);
  uint8_t h[TT__HELLO_SIZE];
  tt__hello_encode(h, &me);
  g.fd = fd;
  if (send_bounded(h, sizeof h, mono_ms() + FLUSH_MAX_MS) < 0) {
    fprintf(stderr, "tasktrace: TASKTRACE_COLLECTOR=%s: the collector does not answer: "
                    "not recording\n", tt_esc(e, sizeof e, path));
    close(fd);
    g.fd = -1;
    return -1;
  }
  return 0;
}

/* Recording from now on: the buffers, the sender thread (which takes no
 * signal), the crash and exit flushes. 0, or a negative errno. */
static int start_sender(int fd) {
  cal_init();
  for (int i = 0; i < NBUF; i++) {
    tbuf *b = malloc(sizeof *b);
    if (b == NULL)
      break;
    b->next = g.free_list;
    g.free_list = b;
  }
  pthread_key_create(&g.key, thread_exit);
  pthread_t th;
  int r = tt_thread_start_nosig(&th, sender_main, NULL); /* the sender takes no signal */
  if (r < 0) {
    close(fd);
    g.fd = -1;
    return r;
  }
  pthread_detach(th);
  for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) {
    struct sigaction sa2 = {.sa_sigaction = on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa2.sa_mask);
    sigaction(crash_signals[i], &sa2, &g.old[crash_signals[i]]);
  }
  atexit(final_flush);
  pthread_atfork(NULL, NULL, at_fork_child);
  __atomic_or_fetch(&tt__trace_on, TT__TRACE_NATIVE, __ATOMIC_RELEASE);
  return 0;
}

int tt__native_init(const char *path) {
  int fd, r = connect_collector(path, &fd);
  if (r < 0 || fd < 0)
    return r;
  if (send_hello(fd, path) < 0)
    return 0;
  return start_sender(fd);
}

void tt__native_flush(void) {
  if (!(tt__trace_on & TT__TRACE_NATIVE) || g.dead)
    return;
  tstate *t = tls;
  if (t && t->buf && t->pos > t->buf->data + TT__WIRE_HDR)
    cycle(t, 1, 0);
  /* Wait until the sender has written everything queued, as long as it
   * makes progress: STALL_MS without a buffer written and the program goes
   * on (the buffers stay queued), and later flushes do not wait again
   * until the sender moves. */
  if (__atomic_load_n(&g.stalled, __ATOMIC_RELAXED))
    return;
  int64_t end = mono_ms() + FLUSH_MAX_MS;
  pthread_mutex_lock(&g.mu);
  uint64_t seen = __atomic_load_n(&g.sent, __ATOMIC_RELAXED);
  int64_t stall = mono_ms() + STALL_MS;
  while ((g.q_head || g.sending) && !g.disconnected) {
    int64_t now = mono_ms();
    uint64_t sent = __atomic_load_n(&g.sent, __ATOMIC_RELAXED);
    if (sent != seen)
      seen = sent, stall = now + STALL_MS;
    if (now >= stall || now >= end) {
      __atomic_store_n(&g.stalled, 1, __ATOMIC_RELAXED);
      break;
    }
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 10 * 1000000;
    if (dl.tv_nsec >= 1000000000)
      dl.tv_sec++, dl.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&g.idle, &g.mu, &dl);
  }
  pthread_mutex_unlock(&g.mu);
}

/* ---- Exec ----
 *
 * An exec replaces the image and its buffers with it: what the threads
 * buffered since their last handover would be lost (the socket is
 * close-on-exec, the new image connects again). The exec family is
 * interposed (this object is in every tasktrace program: the definitions
 * here win over libc's), and each wrapper hands the calling thread's buffer
 * over and waits, with tt__native_flush's bounds, for the sender to write
 * what is queued before calling the real function. If the exec fails, the
 * program goes on tracing as before. Other threads' unfinished buffers are
 * not handed over: exec ends those threads wherever they are. posix_spawn
 * and fork+exec in a child do not concern the parent's buffers. */

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);

static void *real(const char *name) {
  return dlsym(RTLD_NEXT, name);
}

static void before_exec(void) {
  int saved = errno;
  tt__native_flush();
  errno = saved;
}

int execve(const char *path, char *const argv[], char *const envp[]) {
  execve_fn f = (execve_fn)real("execve");
  before_exec();
  return f ? f(path, argv, envp) : (errno = ENOSYS, -1);
}

int execvpe(const char *file, char *const argv[], char *const envp[]) {
  execvpe_fn f = (execvpe_fn)real("execvpe");
  before_exec();
  return f ? f(file, argv, envp) : (errno = ENOSYS, -1);
}

int fexecve(int fd, char *const argv[], char *const envp[]) {
  fexecve_fn f = (fexecve_fn)real("fexecve");
  before_exec();
  return f ? f(fd, argv, envp) : (errno = ENOSYS, -1);
}

int execv(const char *path, char *const argv[]) {
  extern char **environ;
  return execve(path, argv, environ);
}

int execvp(const char *file, char *const argv[]) {
  extern char **environ;
  return execvpe(file, argv, environ);
}

/* execl, execlp, execle: the variadic list into an array (on the stack:
 * there is no returning to free it on success), then the v-form. */
#define TT__EXEC_ARGS(arg0, ap, argv, n)                                                          \
  size_t n = 1;                                                                                    \
  va_start(ap, arg0);                                                                              \
  while (va_arg(ap, char *) != NULL)                                                               \
    n++;                                                                                           \
  va_end(ap);                                                                                      \
  char *argv[n + 1];                                                                               \
  argv[0] = (char *)(arg0);                                                                        \
  va_start(ap, arg0);                                                                              \
  for (size_t i_ = 1; i_ <= n; i_++)                                                               \
    argv[i_] = va_arg(ap, char *);

int execl(const char *path, const char *arg, ...) {
  va_list ap;
  TT__EXEC_ARGS(arg, ap, argv, n)
  va_end(ap);
  return execv(path, argv);
}

int execlp(const char *file, const char *arg, ...) {
  va_list ap;
  TT__EXEC_ARGS(arg, ap, argv, n)
  va_end(ap);
  return execvp(file, argv);
}

int execle(const char *path, const char *arg, ...) {
  va_list ap;
  TT__EXEC_ARGS(arg, ap, argv, n)
  char *const *envp = va_arg(ap, char *const *);
  va_end(ap);
  return execve(path, argv, envp);
}
