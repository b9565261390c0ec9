/* tasktrace-bench WORKLOAD — the runtime's benchmarks (issue 2).
 *
 * Each workload prints what it measured and, as its last line,
 *   WORKLOAD ns_per_op=X ops=N
 * the format shared with bench_asyncio.py and go/bench.go, which run the
 * same workloads; scripts/bench.sh runs all three and prints the ratios.
 * A benchmark never fails on a slow machine; it fails (exit 1) only when a
 * workload computes a wrong result (a lost item, a wrong total).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <tasktrace/tasktrace.h>

/* --quick divides every size by this: a smoke run, for the tests. */
#define QUICK_DIV 100

static long scale = 1;

#define CHECK(call)                                                                                \
  do {                                                                                             \
    int r_ = (call);                                                                               \
    if (r_ < 0) {                                                                                  \
      fprintf(stderr, "tasktrace-bench: %s: %s\n", #call, tt_strerror(r_));                        \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

/* The loop thread's CPU clock at the workload's start: report() prints
 * its time per op beside the wall time, so that a recorded run shows
 * whether its extra time is the loop thread's own work or time the thread
 * did not run (the collector and the sender share the cores). */
static int64_t cpu_t0;
static long preempt0; /* the thread's involuntary context switches then */

static long preemptions(void) {
  struct rusage ru;
  return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nivcsw : 0;
}

static int64_t cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t bench_start(void) {
  cpu_t0 = cpu_now();
  preempt0 = preemptions();
  return tt_now();
}

static void report(const char *name, int64_t ns, long ops) {
  printf("%s cpu_ns_per_op=%.1f preempted=%ld\n", name, (double)(cpu_now() - cpu_t0) / (double)ops,
         preemptions() - preempt0);
  printf("%s ns_per_op=%.1f ops=%ld\n", name, (double)ns / (double)ops, ops);
}

/* ---- switch: 1000 tasks each yield 1000 times (op = one yield) --------- */

#define SW_TASKS 1000
#define SW_YIELDS 1000

static int sw_task(void *arg) {
  long n = (long)(intptr_t)arg;
  for (long i = 0; i < n; i++)
    CHECK(tt_yield());
  return 0;
}

static int bench_switch(void *arg) {
  (void)arg;
  long yields = SW_YIELDS / scale;
  tt_task *t[SW_TASKS];
  int64_t t0 = bench_start();
  for (int i = 0; i < SW_TASKS; i++)
    CHECK(tt_spawn(&t[i], sw_task, (void *)(intptr_t)yields, "yielder"));
  CHECK(tt_gather(t, SW_TASKS, NULL, TT_FOREVER));
  report("switch", tt_now() - t0, SW_TASKS * yields);
  return 0;
}

/* ---- lock_counter: 100 tasks x 1000 critical sections (op = one) ------- */

#define LC_TASKS 100
#define LC_ITERS 1000

static tt_lock lc_lock;
static long lc_counter;

static int lc_task(void *arg) {
  long n = (long)(intptr_t)arg;
  for (long i = 0; i < n; i++) {
    CHECK(tt_lock_acquire(&lc_lock, TT_FOREVER));
    long v = lc_counter;
    CHECK(tt_yield());
    lc_counter = v + 1;
    CHECK(tt_lock_release(&lc_lock));
  }
  return 0;
}

static int bench_lock_counter(void *arg) {
  (void)arg;
  long iters = LC_ITERS / scale;
  tt_task *t[LC_TASKS];
  CHECK(tt_lock_init(&lc_lock, "counter"));
  lc_counter = 0; /* --repeat runs this again in the same process */
  int64_t t0 = bench_start();
  for (int i = 0; i < LC_TASKS; i++)
    CHECK(tt_spawn(&t[i], lc_task, (void *)(intptr_t)iters, "locker"));
  CHECK(tt_gather(t, LC_TASKS, NULL, TT_FOREVER));
  int64_t ns = tt_now() - t0;
  if (lc_counter != LC_TASKS * iters) {
    fprintf(stderr, "lock_counter: expected %ld, got %ld\n", LC_TASKS * iters, lc_counter);
    exit(1);
  }
  CHECK(tt_lock_close(&lc_lock));
  report("lock_counter", ns, LC_TASKS * iters);
  return 0;
}

/* ---- queue: 200000 integers through a Queue of 64 (op = one item) ------ */

#define Q_ITEMS 200000
#define Q_CAP 64

static tt_queue q_queue;

static int q_producer(void *arg) {
  long n = (long)(intptr_t)arg;
  for (long i = 1; i <= n; i++)
    CHECK(tt_queue_put(&q_queue, (void *)(intptr_t)i, TT_FOREVER));
  return 0;
}

static int q_consumer(void *arg) {
  long n = (long)(intptr_t)arg;
  for (long i = 1; i <= n; i++) {
    void *p;
    CHECK(tt_queue_get(&q_queue, &p, TT_FOREVER));
    if ((long)(intptr_t)p != i) {
      fprintf(stderr, "queue: item %ld came out as %ld\n", i, (long)(intptr_t)p);
      exit(1);
    }
  }
  return 0;
}

static int bench_queue(void *arg) {
  (void)arg;
  long items = Q_ITEMS / scale;
  tt_task *t[2];
  CHECK(tt_queue_init(&q_queue, Q_CAP, "bench-queue"));
  int64_t t0 = bench_start();
  CHECK(tt_spawn(&t[0], q_producer, (void *)(intptr_t)items, "producer"));
  CHECK(tt_spawn(&t[1], q_consumer, (void *)(intptr_t)items, "consumer"));
  CHECK(tt_gather(t, 2, NULL, TT_FOREVER));
  int64_t ns = tt_now() - t0;
  CHECK(tt_queue_close(&q_queue));
  report("queue", ns, items);
  return 0;
}

/* ---- sync: the sync objects' own calls, none blocking (op = one round) --
 * A round is an Event set and clear, a Semaphore acquire and release, an
 * uncontended Lock acquire and release and a Queue put and get: eight
 * calls, each one event when traced (scripts/bench-trace.sh compares it
 * recorded and not). */

#define SY_ROUNDS 500000

static int bench_sync(void *arg) {
  (void)arg;
  long rounds = SY_ROUNDS / scale;
  tt_event e;
  tt_sem s;
  tt_lock l;
  tt_queue q;
  CHECK(tt_event_init(&e, "bench-event"));
  CHECK(tt_sem_init(&s, 1, "bench-sem"));
  CHECK(tt_lock_init(&l, "bench-lock"));
  CHECK(tt_queue_init(&q, 4, "bench-queue"));
  int64_t t0 = bench_start();
  for (long i = 0; i < rounds; i++) {
    void *item = NULL;
    CHECK(tt_event_set(&e));
    CHECK(tt_event_clear(&e));
    CHECK(tt_sem_acquire(&s, TT_FOREVER));
    CHECK(tt_sem_release(&s));
    CHECK(tt_lock_acquire(&l, TT_FOREVER));
    CHECK(tt_lock_release(&l));
    CHECK(tt_queue_put_nowait(&q, &e));
    CHECK(tt_queue_get_nowait(&q, &item));
    if (item != &e) {
      fprintf(stderr, "tasktrace-bench: sync: the queue lost its item\n");
      exit(1);
    }
  }
  int64_t ns = tt_now() - t0;
  CHECK(tt_queue_close(&q));
  report("sync", ns, rounds);
  return 0;
}

/* ---- spawn: 100000 tasks that return at once, joined (op = one task) --- */

#define SP_TASKS 100000

static int sp_task(void *arg) { return (int)(intptr_t)arg; }

static int bench_spawn(void *arg) {
  (void)arg;
  long n = SP_TASKS / scale;
  tt_task **t = malloc((size_t)n * sizeof *t);
  int *res = malloc((size_t)n * sizeof *res);
  if (t == NULL || res == NULL)
    CHECK(-ENOMEM);
  int64_t t0 = bench_start();
  for (long i = 0; i < n; i++)
    CHECK(tt_spawn(&t[i], sp_task, (void *)(intptr_t)(i & 0xffff), NULL));
  CHECK(tt_gather(t, (size_t)n, res, TT_FOREVER));
  int64_t ns = tt_now() - t0;
  for (long i = 0; i < n; i++)
    if (res[i] != (int)(i & 0xffff)) {
      fprintf(stderr, "spawn: task %ld returned %d\n", i, res[i]);
      exit(1);
    }
  free(t);
  free(res);
  report("spawn", ns, n);
  return 0;
}

/* ---- million: a million tasks that each sleep 1 s concurrently --------- */

#define M_TASKS 1000000
#define M_SLEEP_MS 1000

static long m_asleep; /* tasks that have started their sleep */

static int m_task(void *arg) {
  (void)arg;
  m_asleep++;
  return tt_sleep_ms(M_SLEEP_MS);
}

static int bench_million(void *arg) {
  (void)arg;
  long n = M_TASKS / scale;
  tt_task **t = malloc((size_t)n * sizeof *t);
  if (t == NULL)
    CHECK(-ENOMEM);
  int64_t t0 = bench_start();
  for (long i = 0; i < n; i++)
    CHECK(tt_spawn(&t[i], m_task, NULL, NULL));
  int64_t spawned = tt_now() - t0;
  /* Every task spawned before this yield runs its first step (and parks in
   * its sleep) before main runs again: the ready queue is FIFO. */
  CHECK(tt_yield());
  int64_t asleep = tt_now() - t0;
  if (m_asleep != n) {
    fprintf(stderr, "million: only %ld of %ld tasks asleep after one round\n", m_asleep, n);
    exit(1);
  }
  CHECK(tt_gather(t, (size_t)n, NULL, TT_FOREVER));
  int64_t done = tt_now() - t0;
  free(t);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long rss_kb = ru.ru_maxrss;
  printf("million: %ld tasks spawned in %.3f s, all asleep at %.3f s, all done at %.3f s\n", n,
         spawned / 1e9, asleep / 1e9, done / 1e9);
  printf("million: peak RSS %.1f MiB, %.0f bytes per task\n", rss_kb / 1024.0,
         rss_kb * 1024.0 / (double)n);
  printf("million spawn_s=%.3f peak_rss_kb=%ld bytes_per_task=%.0f\n", asleep / 1e9, rss_kb,
         rss_kb * 1024.0 / (double)n);
  /* op = one task spawned and put to sleep. */
  report("million", asleep, n);
  return 0;
}

/* ---- clock: read the trace clock's counter (op = one read) ------------
 *
 * What one time stamp costs at the least on this CPU: a bare rdtsc on
 * x86-64 (the trace clock scales it, tracer/emit), clock_gettime elsewhere.
 * scripts/bench-collector.sh multiplies it by the reads a recording makes
 * per op (its distinct time stamps) for the floor of recording's cost. */

#define CLK_READS 20000000

/* One read: the TSC's counter, or (gettime, and where there is no TSC) the
 * fallback of a trace clock that does not trust the TSC (tracer/emit/src/
 * tsc.c: a kernel that marked it unstable, say): clock_gettime. */
static inline uint64_t clock_read(int gettime) {
#if defined(__x86_64__)
  if (!gettime)
    return __rdtsc();
#endif
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_nsec;
}

static int clock_reads(const char *name, int gettime) {
  long n = CLK_READS / scale;
  uint64_t sum = 0;
  int64_t t0 = bench_start();
  for (long i = 0; i < n; i++)
    sum += clock_read(gettime);
  int64_t ns = tt_now() - t0;
  if (sum == 1) /* keeps the reads; never true */
    printf("%s: %llu\n", name, (unsigned long long)sum);
  report(name, ns, n);
  return 0;
}

static int bench_clock(void *arg) {
  (void)arg;
  return clock_reads("clock", 0);
}

static int bench_clock_gettime(void *arg) {
  (void)arg;
  return clock_reads("clock_gettime", 1);
}

/* ---- Command line ------------------------------------------------------- */

static const struct {
  const char *name;
  tt_fn fn;
  const char *about;
} workloads[] = {
    {"switch", bench_switch, "1000 tasks each yield 1000 times (op = one yield)"},
    {"lock_counter", bench_lock_counter,
     "100 tasks x 1000: acquire a shared Lock, read, yield, write+1, release (op = one)"},
    {"queue", bench_queue, "200000 integers through a Queue of capacity 64 (op = one item)"},
    {"spawn", bench_spawn, "spawn 100000 tasks that return at once, join all (op = one task)"},
    {"sync", bench_sync,
     "500000 rounds of Event set+clear, Semaphore, Lock and Queue put+get, none blocking "
     "(op = one round of 8 calls)"},
    {"clock", bench_clock,
     "20000000 reads of the trace clock's counter: rdtsc on x86-64, else clock_gettime (op = "
     "one read)"},
    {"clock_gettime", bench_clock_gettime,
     "20000000 clock_gettime(CLOCK_MONOTONIC), the trace clock where the TSC is not trusted "
     "(op = one read)"},
    {"million", bench_million,
     "1000000 tasks each sleep 1 s concurrently; spawn time, peak RSS (op = one task "
     "spawned and asleep)"},
};
#define NWORKLOADS (sizeof workloads / sizeof workloads[0])

static void usage(FILE *f) {
  fprintf(f, "usage: tasktrace-bench [--quick] [--repeat N] WORKLOAD\n\n"
             "Prints, as its last line: WORKLOAD ns_per_op=X ops=N\n"
             "--quick divides every size by %d (a smoke run).\n"
             "--repeat N runs the workload N times in one process (1..1000), a line each:\n"
             "  whole-process timings then weigh start-up less.\n\nWorkloads:\n",
          QUICK_DIV);
  for (size_t i = 0; i < NWORKLOADS; i++)
    fprintf(f, "  %-13s %s\n", workloads[i].name, workloads[i].about);
}

int main(int argc, char **argv) {
  const char *name = NULL;
  long repeat = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--quick") == 0) {
      scale = QUICK_DIV;
    } else if (strcmp(argv[i], "--repeat") == 0) {
      char *end = NULL;
      repeat = i + 1 < argc ? strtol(argv[++i], &end, 10) : 0;
      if (end == NULL || *end != '\0' || repeat < 1 || repeat > 1000) {
        fprintf(stderr, "tasktrace-bench: --repeat takes a whole number from 1 to 1000\n");
        return 2;
      }
    } else if (argv[i][0] == '-' || name != NULL) {
      fprintf(stderr, "tasktrace-bench: unexpected argument '%s' (try --help)\n", argv[i]);
      return 2;
    } else {
      name = argv[i];
    }
  }
  if (name == NULL) {
    usage(stderr);
    return 2;
  }
  for (size_t i = 0; i < NWORKLOADS; i++) {
    if (strcmp(name, workloads[i].name) == 0) {
      for (long k = 0; k < repeat; k++) {
        int r = tt_run(workloads[i].fn, NULL);
        if (r < 0) {
          fprintf(stderr, "tasktrace-bench: %s: %s\n", name, tt_strerror(r));
          return 1;
        }
        fflush(stdout);
      }
      return 0;
    }
  }
  fprintf(stderr, "tasktrace-bench: unknown workload '%s' (try --help)\n", name);
  return 2;
}
