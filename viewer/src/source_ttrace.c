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
  tt_ring ev; /* of tt_trace_event */
} fifo;

typedef struct {
  tt_source base;
  tt_reader *r;
  char path[256];
  uint64_t size;
  uint64_t events;
  fifo *q, *last; /* last: the queue of the previous event read (a cache) */
  size_t cq;
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
  if (s->nq == UINT32_MAX - 1 || tt__grow(&s->q, &s->cq, s->nq + 1, sizeof *s->q, 16) < 0)
    return NULL;
  s->last = NULL; /* the array may have moved */
  if (tt__vmap_put(&s->qmap, 0, tid, (uint32_t)s->nq) < 0)
    return NULL;
  s->q[s->nq].tid = tid; /* the rest zeroed by tt__grow: an empty ring */
  return &s->q[s->nq++];
}

static inline tt_trace_event *fifo_head(const fifo *q) {
  return tt_ring_at(&q->ev, 0, sizeof(tt_trace_event));
}

/* A min-heap of the non-empty FIFOs by the time of their head event: the
 * earliest head in O(log threads), however many threads a file names. */
static inline bool head_earlier(const ttrace_source *s, const uint32_t *a, const uint32_t *b) {
  return fifo_head(&s->q[*a])->ts < fifo_head(&s->q[*b])->ts;
}
#define HEAD_EARLIER(s, a, b) head_earlier(s, a, b)
TT_HEAP_DEFINE(heads, uint32_t, const ttrace_source *, HEAD_EARLIER, TT_HEAP_UNTRACKED)

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
    tt_trace_event *slot = q ? tt_ring_push(&q->ev, sizeof e) : NULL;
    if (slot != NULL)
      *slot = e;
    if (slot == NULL ||
        (q->ev.len == 1 && heads_push(s, &s->heap, &s->nheap, &s->cheap, (uint32_t)(q - s->q)) < 0))
      return tt__source_fail(src, -ENOMEM, "%s: out of memory", s->path);
    s->last = q;
    s->buffered++;
  }
  if (s->nheap == 0)
    return s->err;
  fifo *best = &s->q[s->heap[0]];
  *ev = *fifo_head(best);
  tt_ring_pop(&best->ev);
  if (best->ev.len == 0)
    heads_remove(s, s->heap, &s->nheap, 0);
  else
    heads_down(s, s->heap, s->nheap, 0);
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
    tt_ring_free(&s->q[i].ev);
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
