/* The .ttrace source's reorder window against the worst order a producer
 * can hand its buffers over in: every one of a full pool's buffers
 * (TT__STREAM_NBUF threads, one full buffer each) covers the same span of
 * time, and they reach the file one after the other, so the last thread's
 * first event comes a whole pool of events after the first thread's. */
#include <stdlib.h>

#include "tasktrace/viewer.h"
#include "tasktrace/wire.h"
#include "tt_test.h"

/* Events per buffer at the density the window is sized for (source_ttrace.c). */
#define PER_THREAD (TT__STREAM_BUF / 4)
#define THREADS TT__STREAM_NBUF

static void write_pool(const char *path, int threads, long per_thread) {
  tt_proc_info p = {4242, "reorder", 1700000000000000000ull, 1000};
  tt_writer *w;
  ASSERT_OK(tt_writer_open(&w, path, &p, NULL));
  /* Thread by thread: tt_writer_event starts a message at each tid change,
   * as the collector writes one message per handed-over buffer. */
  for (int t = 0; t < threads; t++)
    for (long i = 0; i < per_thread; i++) {
      tt_trace_event ev = {.type = TT_EV_task_switch, .pid = 4242, .tid = 5000u + (uint32_t)t};
      ev.ts = 1000000 + (uint64_t)i * 100 + (uint64_t)t; /* threads interleave in time */
      ev.u[0] = (uint64_t)i; /* the thread's own sequence */
      ev.u[1] = (uint64_t)i + 1;
      ASSERT_OK(tt_writer_event(w, &ev));
    }
  ASSERT_OK(tt_writer_close(w));
}

/* Reads path back: every event, each thread's in its own order, and
 * returns how many came out before an earlier one (0: one time order). */
static long read_back(const char *path, int threads, long per_thread) {
  tt_source *src;
  char err[512];
  ASSERT_OK(tt_source_open(path, &src, err, sizeof err));
  long *next = calloc((size_t)threads, sizeof *next);
  long n = 0, inversions = 0;
  uint64_t last_ts = 0;
  tt_trace_event ev;
  int r;
  while ((r = tt_source_next(src, &ev, err, sizeof err)) > 0) {
    int t = (int)(ev.tid - 5000u);
    ASSERT_TRUE(t >= 0 && t < threads);
    ASSERT_EQ(ev.u[0], next[t]); /* per-thread order is never broken */
    next[t]++;
    if (ev.ts < last_ts)
      inversions++;
    last_ts = ev.ts;
    n++;
  }
  ASSERT_EQ(r, 0);
  ASSERT_EQ(n, (long)threads * per_thread);
  for (int t = 0; t < threads; t++)
    ASSERT_EQ(next[t], per_thread);
  free(next);
  tt_source_close(src);
  return inversions;
}

TEST(full_pool_late) {
  char path[600];
  snprintf(path, sizeof path, "%s/pool.ttrace", tt_test_tmpdir());
  write_pool(path, THREADS, PER_THREAD);
  ASSERT_EQ(read_back(path, THREADS, PER_THREAD), 0);
}

/* The test can fail: one buffer more than the window holds, and the last
 * thread's first events come out after later ones of the others (a thread's
 * own order still holds). */
TEST(past_the_window_only_global_order_breaks) {
  char path[600];
  snprintf(path, sizeof path, "%s/over.ttrace", tt_test_tmpdir());
  write_pool(path, THREADS + 2, PER_THREAD);
  ASSERT_TRUE(read_back(path, THREADS + 2, PER_THREAD) > 0);
}
