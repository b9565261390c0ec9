/* Trace sources: dispatch, opening by kind, the time-ordered merge, arrays. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unistd.h>
#include "tt_base.h"
#include "source.h"

int tt__source_fail(tt_source *src, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(src->error, sizeof src->error, fmt, ap);
  va_end(ap);
  return err;
}

int tt__errf(char *err, size_t errlen, int code, const char *fmt, ...) {
  if (err != NULL && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

int tt_source_next(tt_source *src, tt_trace_event *ev, char *err, size_t errlen) {
  int r = src->ops->next(src, ev);
  return r < 0 && r != -EAGAIN ? tt__errf(err, errlen, r, "%s", src->error) : r;
}
const char *tt_source_note(const tt_source *src) {
  return src->ops->note ? src->ops->note(src) : NULL;
}
void tt_source_progress(const tt_source *src, uint64_t *done, uint64_t *total) {
  *done = *total = 0;
  if (src->ops->progress)
    src->ops->progress(src, done, total);
}
void tt_source_close(tt_source *src) {
  if (src != NULL)
    src->ops->close(src);
}

/* Standard input, read to its end once and kept: a command may open its
 * traces twice (timeline finds its window first), and a pipe cannot be
 * read again. */
static uint8_t *stdin_data;
static size_t stdin_len;
static int stdin_done;

int tt_stdin_trace(const void **data, size_t *len, char *err, size_t errlen) {
  if (!stdin_done) {
    if (isatty(STDIN_FILENO))
      return tt__errf(err, errlen, -EINVAL,
                      "-: standard input is a terminal, not a trace (pipe a .ttrace file in)");
    size_t cap = 0;
    for (;;) {
      int r = tt_grow(&stdin_data, &cap, stdin_len + 65536, 1, 65536);
      if (r < 0)
        return tt__errf(err, errlen, r, "-: standard input: %s", strerror(-r));
      ssize_t n = read(STDIN_FILENO, stdin_data + stdin_len, cap - stdin_len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return tt__errf(err, errlen, -errno, "-: standard input: %s", strerror(errno));
      if (n == 0)
        break;
      stdin_len += (size_t)n;
    }
    stdin_done = 1;
  }
  *data = stdin_data;
  *len = stdin_len;
  return 0;
}

/* "-": the .ttrace file on standard input. */
static int open_stdin(tt_source **out, char *err, size_t errlen) {
  const void *data;
  size_t len;
  int r = tt_stdin_trace(&data, &len, err, errlen);
  if (r < 0)
    return r;
  tt_reader *rd;
  if ((r = tt_reader_open_mem(&rd, data, len)) < 0)
    return tt__errf(err, errlen, r, "-: standard input: %s",
                    r == -EPROTO ? "not a .ttrace file (or a newer version)" : strerror(-r));
  if ((r = tt__source_from_reader(rd, "-", out)) < 0)
    return tt__errf(err, errlen, r, "out of memory");
  return 0;
}

int tt_source_open(const char *path, tt_source **out, char *err, size_t errlen) {
  struct stat st;
  char e[512];
  if (strcmp(path, "-") == 0)
    return open_stdin(out, err, errlen);
  if (tt__is_live_url(path)) /* an LTTng live session, from lttng-relayd */
    return tt_source_open_lttng(path, out, err, errlen);
  /* stat, not open: opening a FIFO would wait for a writer. */
  if (stat(path, &st) < 0)
    return tt__errf(err, errlen, -errno, "%s: %s", tt_esc(e, sizeof e, path), strerror(errno));
  if (S_ISDIR(st.st_mode))
    return tt_source_open_lttng(path, out, err, errlen);
  return tt__source_open_ttrace(path, out, err, errlen);
}

int tt_source_open_all(const char *const *paths, size_t n, tt_source **out, char *err,
                       size_t errlen) {
  if (n == 0)
    return tt__errf(err, errlen, -EINVAL, "no trace given");
  if (n == 1)
    return tt_source_open(paths[0], out, err, errlen);
  tt_source **srcs = calloc(n, sizeof *srcs);
  if (srcs == NULL)
    return tt__errf(err, errlen, -ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    int r = tt_source_open(paths[i], &srcs[i], err, errlen);
    if (r < 0) {
      while (i-- > 0)
        tt_source_close(srcs[i]);
      free(srcs);
      return r;
    }
  }
  int r = tt_source_merge(srcs, n, out);
  free(srcs);
  if (r < 0)
    return tt__errf(err, errlen, r, "out of memory");
  return 0;
}

/* ---- Arrays ---- */

typedef struct {
  tt_source base;
  const tt_trace_event *ev;
  size_t n, i;
} array_source;

static int array_next(tt_source *s, tt_trace_event *ev) {
  array_source *a = (array_source *)s;
  if (a->i == a->n)
    return 0;
  *ev = a->ev[a->i++];
  return 1;
}
static void array_progress(const tt_source *s, uint64_t *done, uint64_t *total) {
  const array_source *a = (const array_source *)s;
  *done = a->i;
  *total = a->n;
}
static void array_close(tt_source *s) { free(s); }
static const tt__source_ops array_ops = {array_next, array_progress, NULL, array_close};

int tt_source_from_array(const tt_trace_event *ev, size_t n, tt_source **out) {
  array_source *a = calloc(1, sizeof *a);
  if (a == NULL)
    return -ENOMEM;
  a->base.ops = &array_ops;
  a->ev = ev;
  a->n = n;
  *out = &a->base;
  return 0;
}

/* ---- Merge: a binary min-heap of the inputs' next events, by time, ties
 * broken by input order so that equal timestamps keep a stable order. ---- */

typedef struct {
  tt_source *src;
  tt_trace_event ev;
  size_t order;
} merge_input;

typedef struct {
  tt_source base;
  merge_input *in; /* heap of live inputs, [0, live) */
  tt_source **all; /* every input, for close/progress/note */
  size_t n, live;
  int primed;
  char note[1024];
} merge_source;

static int before(const merge_input *a, const merge_input *b) {
  return a->ev.ts < b->ev.ts || (a->ev.ts == b->ev.ts && a->order < b->order);
}
#define BEFORE(ctx, a, b) ((void)(ctx), before(a, b))
TT_HEAP_DEFINE(inputs, merge_input, void *, BEFORE, TT_HEAP_UNTRACKED)

/* Refill slot 0 from its source; drop it at its end. */
static int refill_top(merge_source *m) {
  int r = tt_source_next(m->in[0].src, &m->in[0].ev, m->base.error, sizeof m->base.error);
  if (r < 0)
    return r;
  if (r == 0)
    inputs_remove(NULL, m->in, &m->live, 0);
  else
    inputs_down(NULL, m->in, m->live, 0);
  return 0;
}

static int merge_next(tt_source *s, tt_trace_event *ev) {
  merge_source *m = (merge_source *)s;
  int r;
  if (!m->primed) {
    m->primed = 1;
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
      m->in[k].src = m->all[i];
      m->in[k].order = i;
      r = tt_source_next(m->all[i], &m->in[k].ev, s->error, sizeof s->error);
      if (r < 0)
        return r;
      if (r > 0)
        k++;
    }
    m->live = k;
    inputs_heapify(NULL, m->in, k);
  } else if (m->live > 0) {
    /* The event handed out last time came from slot 0: advance it now, so
     * that its strings stayed valid until the caller asked for more. */
    if ((r = refill_top(m)) < 0)
      return r;
  }
  if (m->live == 0)
    return 0;
  *ev = m->in[0].ev;
  return 1;
}

static void merge_progress(const tt_source *s, uint64_t *done, uint64_t *total) {
  const merge_source *m = (const merge_source *)s;
  for (size_t i = 0; i < m->n; i++) {
    uint64_t d, t;
    tt_source_progress(m->all[i], &d, &t);
    *done += d;
    *total += t;
  }
}

static const char *merge_note(const tt_source *s) {
  merge_source *m = (merge_source *)s;
  size_t len = 0;
  m->note[0] = 0;
  for (size_t i = 0; i < m->n; i++) {
    const char *n = tt_source_note(m->all[i]);
    if (n != NULL && len < sizeof m->note)
      len += (size_t)snprintf(m->note + len, sizeof m->note - len, "%s%s", len ? "; " : "", n);
  }
  return m->note[0] ? m->note : NULL;
}

static void merge_close(tt_source *s) {
  merge_source *m = (merge_source *)s;
  for (size_t i = 0; i < m->n; i++)
    tt_source_close(m->all[i]);
  free(m->all);
  free(m->in);
  free(m);
}

static const tt__source_ops merge_ops = {merge_next, merge_progress, merge_note, merge_close};

int tt__is_live_url(const char *path) {
  return strncmp(path, "net://", 6) == 0 || strncmp(path, "net4://", 7) == 0 ||
         strncmp(path, "net6://", 7) == 0;
}

void tt_source_set_follow(tt_source *src, unsigned ms) {
  if (src->ops == &merge_ops) {
    merge_source *m = (merge_source *)src;
    for (size_t i = 0; i < m->n; i++)
      tt_source_set_follow(m->all[i], ms);
  }
  src->follow_ms = ms;
}

uint64_t tt_source_unrecorded(const tt_source *src) {
  if (src->ops != &merge_ops)
    return src->unrecorded;
  const merge_source *m = (const merge_source *)src;
  uint64_t u = 0;
  for (size_t i = 0; i < m->n; i++)
    u |= tt_source_unrecorded(m->all[i]);
  return u;
}

int tt_source_merge(tt_source **srcs, size_t n, tt_source **out) {
  merge_source *m = calloc(1, sizeof *m);
  if (m != NULL) {
    m->in = calloc(n ? n : 1, sizeof *m->in);
    m->all = calloc(n ? n : 1, sizeof *m->all);
  }
  if (m == NULL || m->in == NULL || m->all == NULL) {
    for (size_t i = 0; i < n; i++)
      tt_source_close(srcs[i]);
    if (m != NULL) {
      free(m->in);
      free(m->all);
      free(m);
    }
    return -ENOMEM;
  }
  m->base.ops = &merge_ops;
  memcpy(m->all, srcs, n * sizeof *srcs);
  m->n = n;
  *out = &m->base;
  return 0;
}
