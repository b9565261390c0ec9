/* .ttrace files through the tracer's reader (tt_reader_*).
 *
 * A file is in time order per thread only: each thread's buffer is written
 * when it fills, so a thread's events can come after later ones of
 * another. Events are read REORDER_MAX ahead into one FIFO per thread and
 * the earliest head comes out first: one time order, with memory bounded
 * by the window (REORDER_MAX events of 88 bytes: about 46 MiB). A buffer
 * handed over later than that comes out of order; the model tolerates it
 * (each task lives on one thread, and a thread's own order is exact). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grow.h"
#include "source.h"
#include "tasktrace/wire.h"
#include "vmap.h"

/* A producer has at most TT__STREAM_NBUF buffers of TT__STREAM_BUF bytes in
 * flight (64 of 32 KiB: tracer/emit/src/stream.c takes both from wire.h).
 * Its events encode to about 6 bytes each (the switch and lock_counter
 * benches, recorded: 6.3 and 6.0 bytes in the stream); at 4 bytes an event
 * the window still holds every event of a full pool, 2^19 events. */
#define REORDER_MAX (TT__STREAM_NBUF * (TT__STREAM_BUF / 4)) /* events */

typedef struct fifo {
  uint32_t tid;
  tt_trace_event *ev; /* ring */
  size_t cap, head, len;
} fifo;

typedef struct {
  tt_source base;
  tt_reader *r;
  char path[256];
  uint64_t size;
  uint64_t events;
  fifo *q, *last; /* last: the queue of the previous event read (a cache) */
  tt__vmap qmap;  /* tid -> index in q */
  uint32_t *heap; /* indices of the non-empty FIFOs, by head time */
  size_t nheap, cheap;
  size_t nq, buffered;
  int eof, err; /* err: a read error, returned once the read-ahead is out */
  char note[512];
} ttrace_source;

static fifo *queue_of(ttrace_source *s, uint32_t tid) {
  uint32_t i = tt__vmap_get(&s->qmap, 0, tid);
  if (i != UINT32_MAX)
    return &s->q[i];
  fifo *q = realloc(s->q, (s->nq + 1) * sizeof *q);
  if (q == NULL)
    return NULL;
  s->last = NULL; /* the array moved */
  s->q = q;
  if (tt__vmap_put(&s->qmap, 0, tid, (uint32_t)s->nq) < 0)
    return NULL;
  memset(&q[s->nq], 0, sizeof q[0]);
  q[s->nq].tid = tid;
  return &q[s->nq++];
}

static int fifo_push(fifo *q, const tt_trace_event *ev) {
  if (q->len == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 256;
    tt_trace_event *n = malloc(cap * sizeof *n);
    if (n == NULL)
      return -ENOMEM;
    for (size_t i = 0; i < q->len; i++)
      n[i] = q->ev[(q->head + i) & (q->cap - 1)];
    free(q->ev);
    q->ev = n;
    q->cap = cap;
    q->head = 0;
  }
  q->ev[(q->head + q->len++) & (q->cap - 1)] = *ev; /* cap: a power of two */
  return 0;
}

/* A min-heap of the non-empty FIFOs by the time of their head event: the
 * earliest head in O(log threads), however many threads a file names. */
static uint64_t head_ts(const ttrace_source *s, uint32_t qi) {
  const fifo *q = &s->q[qi];
  return q->ev[q->head].ts;
}

static void heap_down(ttrace_source *s, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < s->nheap && head_ts(s, s->heap[l]) < head_ts(s, s->heap[m]))
      m = l;
    if (r < s->nheap && head_ts(s, s->heap[r]) < head_ts(s, s->heap[m]))
      m = r;
    if (m == i)
      return;
    uint32_t t = s->heap[i];
    s->heap[i] = s->heap[m];
    s->heap[m] = t;
    i = m;
  }
}

static int heap_push(ttrace_source *s, uint32_t qi) {
  if (tt__grow(&s->heap, &s->cheap, s->nheap + 1, sizeof *s->heap, 16) < 0)
    return -ENOMEM;
  size_t i = s->nheap++;
  s->heap[i] = qi;
  while (i > 0 && head_ts(s, s->heap[(i - 1) / 2]) > head_ts(s, s->heap[i])) {
    uint32_t t = s->heap[i];
    s->heap[i] = s->heap[(i - 1) / 2];
    s->heap[(i - 1) / 2] = t;
    i = (i - 1) / 2;
  }
  return 0;
}

static int read_one(ttrace_source *s, tt_trace_event *ev) {
  int r = tt_reader_next(s->r, ev);
  if (r < 0) {
    const char *why = tt_reader_error(s->r);
    return tt__source_fail(&s->base, r, "%s: %s (after %llu good events)", s->path,
                           why ? why : strerror(-r), (unsigned long long)tt_reader_events(s->r));
  }
  return r;
}

static int ttrace_next(tt_source *src, tt_trace_event *ev) {
  ttrace_source *s = (ttrace_source *)src;
  int r;
  /* Read ahead REORDER_MAX events into per-thread FIFOs, then always hand
   * out the earliest head: a thread whose buffer was written up to that
   * many events late still comes out in order. */
  while (!s->eof && s->buffered < REORDER_MAX) {
    tt_trace_event e;
    if ((r = read_one(s, &e)) < 0) {
      /* Hand out the good events read ahead first; the error comes after
       * them (its message is already in base.error). */
      s->eof = 1;
      s->err = r;
      break;
    }
    if (r == 0) {
      s->eof = 1;
      break;
    }
    fifo *q = s->last != NULL && s->last->tid == e.tid ? s->last : queue_of(s, e.tid);
    if (q == NULL || fifo_push(q, &e) < 0 ||
        (q->len == 1 && heap_push(s, (uint32_t)(q - s->q)) < 0))
      return tt__source_fail(src, -ENOMEM, "%s: out of memory", s->path);
    s->last = q;
    s->buffered++;
  }
  if (s->nheap == 0)
    return s->err;
  fifo *best = &s->q[s->heap[0]];
  *ev = best->ev[best->head];
  best->head = (best->head + 1) & (best->cap - 1);
  best->len--;
  if (best->len == 0)
    s->heap[0] = s->heap[--s->nheap];
  if (s->nheap > 0)
    heap_down(s, 0);
  s->buffered--;
  s->events++;
  return 1;
}

static void ttrace_progress(const tt_source *src, uint64_t *done, uint64_t *total) {
  const ttrace_source *s = (const ttrace_source *)src;
  /* Events, not bytes: the reader does not say where it is in the file;
   * the total is unknown then. */
  *done = s->events;
  *total = 0;
}

static const char *ttrace_note(const tt_source *src) {
  ttrace_source *s = (ttrace_source *)src;
  if (!tt_reader_truncated(s->r))
    return NULL;
  const char *why = tt_reader_error(s->r);
  snprintf(s->note, sizeof s->note,
           "%s: the file was cut (no end record: the recording was killed or the disk filled);"
           " read %llu events%s%s",
           s->path, (unsigned long long)s->events, why ? ", " : "", why ? why : "");
  return s->note;
}

static void ttrace_close(tt_source *src) {
  ttrace_source *s = (ttrace_source *)src;
  tt_reader_close(s->r);
  for (size_t i = 0; i < s->nq; i++)
    free(s->q[i].ev);
  free(s->q);
  tt__vmap_free(&s->qmap);
  free(s->heap);
  free(s);
}

static const tt__source_ops ttrace_ops = {ttrace_next, ttrace_progress, ttrace_note, ttrace_close};

int tt__source_from_reader(tt_reader *r, const char *label, tt_source **out) {
  ttrace_source *s = calloc(1, sizeof *s);
  if (s == NULL) {
    tt_reader_close(r);
    return -ENOMEM;
  }
  s->base.ops = &ttrace_ops;
  s->r = r;
  tt_esc(s->path, sizeof s->path, label); /* for messages: escaped once */
  *out = &s->base;
  return 0;
}

int tt__source_open_ttrace(const char *path, tt_source **out, char *err, size_t errlen) {
  tt_reader *rd;
  char e[512];
  int r = tt_reader_open(&rd, path);
  if (r < 0) {
    if (r == -EPROTO)
      return tt__errf(err, errlen, r,
                      "%s: not a .ttrace file (or a newer version), nor an LTTng trace directory",
                      tt_esc(e, sizeof e, path));
    if (r == -ESPIPE) /* a FIFO, a socket, a device: the reader seeks */
      return tt__errf(err, errlen, r, "%s: not a regular file or trace directory",
                      tt_esc(e, sizeof e, path));
    return tt__errf(err, errlen, r, "%s: %s", tt_esc(e, sizeof e, path), strerror(-r));
  }
  if ((r = tt__source_from_reader(rd, path, out)) < 0)
    return tt__errf(err, errlen, r, "out of memory");
  return 0;
}
