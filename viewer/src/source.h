/* Private: how a trace source is built. Each kind of input fills the ops;
 * tt_source_* in source.c dispatch to them. */
#ifndef TT_VIEWER_SOURCE_H
#define TT_VIEWER_SOURCE_H

#include "tt_base.h"
#include "tasktrace/viewer.h"

typedef struct tt__source_ops {
  int (*next)(tt_source *src, tt_trace_event *ev);
  void (*progress)(const tt_source *src, uint64_t *done, uint64_t *total); /* may be NULL */
  const char *(*note)(const tt_source *src);                               /* may be NULL */
  void (*close)(tt_source *src);
} tt__source_ops;

struct tt_source {
  const tt__source_ops *ops;
  char error[512]; /* set by next() before it returns < 0 */
  uint64_t unrecorded; /* tt_source_unrecorded (a merge asks its inputs) */
  unsigned follow_ms;  /* tt_source_set_follow: a live source returns -EAGAIN after this */
};

/* printf into src->error; returns err (a negative errno) for tail calls. */
int tt__source_fail(tt_source *src, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* printf into err[errlen] when err is not NULL; returns code. */
int tt__errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Whether path is an LTTng live URL (net://, net4://, net6://). */
int tt__is_live_url(const char *path);
/* The .ttrace reader (source_ttrace.c). */
int tt__source_open_ttrace(const char *path, tt_source **out, char *err, size_t errlen);
/* A source over an open reader (taken over, closed with the source);
 * label names it in messages. For tt_reader_open_mem: tests, fuzzing. */
int tt__source_from_reader(tt_reader *r, const char *label, tt_source **out);

#endif
