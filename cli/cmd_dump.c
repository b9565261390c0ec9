/* `tasktrace dump FILE`: every event of a .ttrace file, one a line, in the
 * manner of babeltrace2's text output:
 *   [12.345678901] (+0.000001234) pid 123 tid 123 task_switch: { prev = 1, next = 2, ... }
 * The time is CLOCK_MONOTONIC seconds; the delta is to the previous line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tasktrace/ttrace.h"
#include "tt_base.h"
#include "cli.h"

static const char help[] =
    "usage: tasktrace dump [--no-delta] FILE.ttrace\n"
    "\n"
    "Print the events of a .ttrace file one a line: time, process and thread,\n"
    "event name, fields by name (an enum field, such as prev_state, by the name\n"
    "of its value). Ends with a summary on stderr; a file that was\n"
    "cut (collector killed, disk full) is read to its last whole chunk, the cut\n"
    "is reported and the exit status is 1.\n";

/* A string from the trace, quoted, through the shared escaping routine
 * (controls, C1, bidi overrides and invalid UTF-8 as visible escapes, a
 * backslash doubled); a quote inside it as \". */
static void put_str(FILE *f, const char *s) {
  char buf[256];
  fputc('"', f);
  while (*s) {
    if (*s == '"') {
      fputs("\\\"", f);
      s++;
      continue;
    }
    /* Up to 32 bytes before the next quote, ending on a character boundary
     * (a byte expands to at most 4: it fits buf). */
    size_t n = 0;
    while (s[n] && s[n] != '"' && (n < 32 || ((unsigned char)s[n] & 0xc0) == 0x80) && n < 36)
      n++;
    tt_escape(buf, sizeof buf, s, n, 0);
    fputs(buf, f);
    s += n;
  }
  fputc('"', f);
}

static void put_event(FILE *f, const tt_trace_event *ev, uint64_t prev_ts, int delta) {
  const tt_ev_desc *d = tt_ev_describe(ev->type);
  fprintf(f, "[%" PRIu64 ".%09" PRIu64 "]", ev->ts / 1000000000u, ev->ts % 1000000000u);
  if (delta) {
    uint64_t dt = prev_ts && ev->ts >= prev_ts ? ev->ts - prev_ts : 0;
    fprintf(f, " (+%" PRIu64 ".%09" PRIu64 ")", dt / 1000000000u, dt % 1000000000u);
  }
  fprintf(f, " pid %" PRIu32 " tid %" PRIu32 " %s: {", ev->pid, ev->tid, d ? d->name : "?");
  for (int i = 0; d && i < TT_EVENT_FIELDS; i++) {
    if (d->kind[i] == TT_FIELD_NONE)
      continue;
    fprintf(f, "%s %s = ", i ? "," : "", d->field[i]);
    if (d->kind[i] == TT_FIELD_STR)
      put_str(f, ev->s[i] ? ev->s[i] : "");
    else if (d->kind[i] == TT_FIELD_I64)
      fprintf(f, "%" PRId64, (int64_t)ev->u[i]);
    else if (tt_enum_value_name(d->etype[i], ev->u[i]) != NULL) /* an enum field: its name */
      fputs(tt_enum_value_name(d->etype[i], ev->u[i]), f);
    else
      fprintf(f, "%" PRIu64, ev->u[i]);
  }
  fputs(" }\n", f);
}

int tt_cmd_dump(int argc, char **argv) {
  int delta = 1;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(help, stdout);
      return TT_CLI_OK;
    } else if (strcmp(argv[i], "--no-delta") == 0) {
      delta = 0;
    } else if (argv[i][0] == '-' && argv[i][1] != 0) {
      fprintf(stderr, "tasktrace dump: unknown option '%s' (tasktrace dump --help)\n", argv[i]);
      return TT_CLI_USAGE;
    } else if (path == NULL) {
      path = argv[i];
    } else {
      fprintf(stderr, "tasktrace dump: one file at a time ('%s' is one too many)\n", argv[i]);
      return TT_CLI_USAGE;
    }
  }
  if (path == NULL) {
    fprintf(stderr, "tasktrace dump: which file? (tasktrace dump FILE.ttrace)\n");
    return TT_CLI_USAGE;
  }
  tt_reader *r;
  char epath[512], eprog[512];
  tt_esc(epath, sizeof epath, path);
  int rc = tt_reader_open(&r, path);
  if (rc < 0) {
    fprintf(stderr, "tasktrace dump: %s: %s\n", epath,
            rc == -EPROTO   ? "not a .ttrace file (or a version this tasktrace cannot read)"
            : rc == -ESPIPE ? "not a regular file (dump reads a .ttrace file)"
                            : strerror(-rc));
    return TT_CLI_FAIL;
  }
  const tt_proc_info *p = tt_reader_process(r);
  printf("# %s pid %" PRIu32 " started at %" PRIu64 ".%09" PRIu64 " (CLOCK_MONOTONIC)\n",
         tt_esc(eprog, sizeof eprog, p->program), p->pid, p->start_mono_ns / 1000000000u, p->start_mono_ns % 1000000000u);
  tt_trace_event ev;
  uint64_t prev = 0;
  int n;
  while ((n = tt_reader_next(r, &ev)) > 0) {
    put_event(stdout, &ev, prev, delta);
    prev = ev.ts;
  }
  /* As the other commands (README, "Exit status"): a file cut short is
   * read to its last whole chunk with a warning and exit 0; damage is 1. */
  const char *why = tt_reader_error(r);
  fprintf(stderr, "tasktrace dump: %s%s: %" PRIu64 " events, %" PRIu64 " lost%s%s\n",
          n < 0 ? "" : tt_reader_truncated(r) ? "warning: " : "", epath, tt_reader_events(r),
          tt_reader_lost(r), why ? "; " : "", why ? why : "");
  int status = n < 0 ? TT_CLI_FAIL : TT_CLI_OK;
  tt_reader_close(r);
  return status;
}
