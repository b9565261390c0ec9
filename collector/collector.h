/* The collector, as a library: tasktraced runs one for good, `tasktrace
 * record` runs one for the life of a program. It runs on the tasktrace
 * runtime: a task accepts, a task per connection reads and validates the
 * producer's stream, and a bounded queue carries the messages to one writer
 * task that compresses them into one .ttrace file per process. Every call
 * here must be made from a task of the loop that started the collector.
 *
 * Errors: 0 or a negative errno, as in the format below it. The collector
 * is a daemon: it says why itself, one line on stderr under its log prefix
 * (a refused producer, a file it cannot write), and counts it in its stats;
 * callers add nothing. Accessors return NULL when there is nothing. */
#ifndef TT_COLLECTOR_H
#define TT_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "tasktrace/tasktrace.h"

typedef struct tt_collector tt_collector;

typedef struct tt_collector_opts {
  const char *socket_path; /* the Unix socket to listen on (its directory must be private) */
  const char *dir;         /* one file per process in dir: PROGRAM-PID-START.ttrace ... */
  const char *out_path;    /* ... or this path for the first process, OUT.PID.ttrace after */
  int level;               /* zlib level, -1: default */
  size_t ring_bytes;       /* flight recorder: keep the last ring_bytes per process; 0: off */
  int quiet;               /* no per-connection log lines on stderr */
  const char *log_prefix;  /* "tasktraced" */
  int max_connections;     /* open at once; more are closed at once (logged); 0: 256 */
  int hello_timeout_ms;    /* a connection silent this long before its hello is closed; 0: 5000 */
  size_t max_string_bytes; /* per connection, strings kept for the file; past it the
                              connection ends (logged); 0: 64 MiB */
} tt_collector_opts;

typedef struct tt_collector_stats {
  uint64_t connections; /* accepted so far */
  uint64_t events;      /* held by the closed files (flight recorder: what the rings kept) */
  uint64_t lost;        /* lost events reported by producers */
  uint64_t bytes;       /* file bytes (of closed files) */
  uint64_t refused;     /* connections closed for bad input, another uid, or over the cap */
  uint64_t failed;      /* files that could not be created or written whole */
  uint64_t files;       /* files created (one per connection, and one per SIGHUP) */
} tt_collector_stats;

/* Make the socket (mode 0600; its directory is created 0700 when missing
 * and refused when it is a symbolic link, another user's or open to others;
 * the socket is bound inside the directory that was checked, through its
 * fd) and open the output directory (refused when others can write to it and
 * it is not sticky; every file is created new, O_EXCL|O_NOFOLLOW, 0600) and
 * start accepting. Returns 0 or a
 * negative errno, with a one-line message printed. */
int tt__collector_start(tt_collector **out, const tt_collector_opts *opts);
/* Close every file and open the next one (SIGHUP, for log rotation). */
int tt__collector_reopen(tt_collector *c); /* -ECANCELED: queued, but the caller was cancelled */
/* Stop accepting; give open connections until drain to end by themselves
 * (TT_NOWAIT: none), then cut them; write out and close every file; free.
 * *stats (may be NULL) receives the totals. */
void tt__collector_stop(tt_collector *c, tt_deadline drain, tt_collector_stats *stats);
/* The path of the file of the first process that connected, or NULL. */
const char *tt__collector_first_file(tt_collector *c);

#endif
