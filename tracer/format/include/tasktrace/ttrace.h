/* tasktrace .ttrace files — <tasktrace/ttrace.h>, for tools that read or
 * write trace files (the viewer, the collector, your own).
 *
 * Errors, one convention for this header and the rest of the format
 * (wire.h, ingest.h): a function that can fail returns 0 (or 1 for "an
 * event") or a negative errno, and nothing prints. Openers fill *out on
 * success only. A reason in words, where there is one, is a string that is
 * NULL when there is nothing to say: a reader keeps the reason of its last
 * failure (or of where a cut file ends) in tt_reader_error; the internal
 * decoders set a `const char **why` to a static one.
 */
#ifndef TASKTRACE_TTRACE_H
#define TASKTRACE_TTRACE_H

#include "tasktrace/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- .ttrace files (format: tracer/format/FORMAT.md) ----------------------------
 *
 * A .ttrace file holds the events of one producing process (its identity is
 * in the header), compressed in self-delimiting checksummed chunks. Events
 * come out in order per thread; events of different threads come out in the
 * order their buffers were handed over (sort by ts if you need one global
 * order). A file cut anywhere reads back to its last whole chunk. */

/* Who produced the events of a file. */
typedef struct tt_proc_info {
  uint32_t pid;
  char program[64];           /* program name (basename of argv[0] or comm) */
  uint64_t start_realtime_ns; /* CLOCK_REALTIME when tracing started ... */
  uint64_t start_mono_ns;     /* ... and CLOCK_MONOTONIC at the same instant */
} tt_proc_info;

typedef struct tt_reader tt_reader;
/* Open a .ttrace file. Returns 0, -errno (file), -EPROTO (not a .ttrace
 * file or an unknown version; tt_reader_error is not available then, a
 * message is in the errno). *out is set only on success. */
TT_EXTERN int tt_reader_open(tt_reader **out, const char *path);
/* The same over a memory image (len bytes, copied): tests and fuzzing. */
TT_EXTERN int tt_reader_open_mem(tt_reader **out, const void *data, size_t len);
/* The next event: 1 = *ev filled, 0 = end (of a whole file, or of the last
 * whole chunk of a cut one: see tt_reader_truncated), < 0 = error (a bad
 * chunk: -EBADMSG; I/O: -errno), with the reason in tt_reader_error. Strings
 * in *ev live as long as the reader. */
TT_EXTERN int tt_reader_next(tt_reader *r, tt_trace_event *ev);
/* Why reading stopped early ("cut after chunk 12 at byte 81234", "chunk 3
 * at byte 4096: bad checksum"), or NULL when nothing is wrong. */
TT_EXTERN const char *tt_reader_error(const tt_reader *r);
TT_EXTERN const tt_proc_info *tt_reader_process(const tt_reader *r);
/* 1 when the file has no end record (collector killed, disk full, power
 * cut): known from open on. */
TT_EXTERN int tt_reader_truncated(const tt_reader *r);
/* Events the producer dropped (the sum of `lost` events read so far; once
 * tt_reader_next returned 0, of the whole file). */
TT_EXTERN uint64_t tt_reader_lost(const tt_reader *r);
/* Events returned so far. */
TT_EXTERN uint64_t tt_reader_events(const tt_reader *r);
/* Go to the first chunk that holds events at or after ts (CLOCK_MONOTONIC
 * ns): through the index of a complete file, by walking chunk headers in a
 * cut one. Events before ts may still come (chunks overlap, threads
 * interleave): skip them. Returns 0 or < 0 (the reason in tt_reader_error). */
TT_EXTERN int tt_reader_seek(tt_reader *r, uint64_t ts);
TT_EXTERN void tt_reader_close(tt_reader *r);

typedef struct tt_writer tt_writer;
typedef struct tt_writer_opts {
  int level;         /* zlib level 0..9; -1: the default (1, chosen by measurement) */
  size_t chunk_size; /* uncompressed bytes per chunk; 0: the default (64 KiB) */
  size_t ring_bytes; /* flight recorder: keep only the last ring_bytes of
                        compressed chunks (written at close); 0: off */
} tt_writer_opts;
/* Create path, or replace it if it is a regular file of the caller's with
 * one link, for the events of process *proc; never through a symbolic link
 * (-EPERM), nor a FIFO or device (-EINVAL), nor a file of another user's or
 * with other names (-EPERM). New files are 0600. opts may be NULL. Returns
 * 0 or -errno (-EINVAL for bad options). */
TT_EXTERN int tt_writer_open(tt_writer **out, const char *path, const tt_proc_info *proc,
                             const tt_writer_opts *opts);
/* Append one event (ev->pid, ev->tid, ev->ts, fields by the schema; strings
 * are copied/interned). Events of one thread must come in ts order
 * (an earlier ts is clamped). Returns 0, -EINVAL (unknown type), -errno. */
TT_EXTERN int tt_writer_event(tt_writer *w, const tt_trace_event *ev);
/* Write what is buffered as a chunk (a cut after this keeps it). */
TT_EXTERN int tt_writer_flush(tt_writer *w);
/* Flush, write the index and end record, close, free. Returns 0 or -errno
 * (the first error met while writing: a full disk is -ENOSPC). */
TT_EXTERN int tt_writer_close(tt_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* TASKTRACE_TTRACE_H */
