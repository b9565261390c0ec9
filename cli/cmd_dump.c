/* `tasktrace dump FILE`: every event of a .ttrace file, one a line, in the
 * manner of babeltrace2's text output:
 *   [12.345678901] (+0.000001234) pid 123 tid 123 task_switch: { prev = 1, next = 2, ... }
 * The time is CLOCK_MONOTONIC seconds; the delta is to the previous line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tasktrace/ttrace.h"
#include "tasktrace/viewer.h"
#include "tt_base.h"
#include "cli.h"
#include "cliutil.h"

static const char help[] =
    "usage: tasktrace dump [--no-delta] FILE.ttrace|LTTNG_DIR\n"
    "\n"
    "Print the events of a .ttrace file one a line: time, process and thread,\n"
    "event name, fields by name (an enum field, such as prev_state, by the name\n"
    "of its value). Ends with a summary on stderr. A file that was cut\n"
    "(collector killed, disk full) is read to its last whole chunk and the\n"
    "cut reported as a warning, exit status 0, as in every command; a damaged\n"
    "file (bad checksum in a complete file) is an error, exit status 1. An LTTng\n"
    "trace directory is read through libbabeltrace2, its tasktrace:* events in\n"
    "the same form (every process of it, in time order).\n";

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

/* The one FILE operand: its path, or NULL after a message. */
static const char *one_file(int argc, char **argv, int first) {
  if (first >= argc) {
    tt__cli_err("dump", "which file? (tasktrace dump FILE.ttrace)");
    return NULL;
  }
  if (first + 1 < argc) {
    char e[256];
    tt__cli_err("dump", "one file at a time ('%s' is one too many)",
                tt_esc(e, sizeof e, argv[first + 1]));
    return NULL;
  }
  return argv[first];
}

/* An LTTng trace directory: its tasktrace:* events through the viewer's
 * source, in the same form. The exit code. */
static int dump_lttng(const char *path, int delta) {
  char err[768], epath[512];
  tt_source *src;
  if (tt_source_open_lttng(path, &src, err, sizeof err) < 0) {
    tt__cli_err("dump", "%s", err);
    return TT_CLI_FAIL;
  }
  tt_trace_event ev;
  uint64_t prev = 0, n = 0;
  int r;
  while ((r = tt_source_next(src, &ev, err, sizeof err)) > 0) {
    put_event(stdout, &ev, prev, delta);
    prev = ev.ts;
    n++;
  }
  fflush(stdout);
  const char *note = r < 0 ? NULL : tt_source_note(src);
  if (r < 0)
    tt__cli_err("dump", "%s", err);
  else if (note != NULL)
    tt__cli_err("dump", "warning: %s", note);
  tt__cli_err("dump", "%s: %" PRIu64 " events", tt_esc(epath, sizeof epath, path), n);
  tt_source_close(src);
  return r < 0 ? TT_CLI_FAIL : TT_CLI_OK;
}

int tt_cmd_dump(int argc, char **argv) {
  int no_delta = 0;
  const tt__opt opts[] = {{.name = "no-delta", .kind = TT__OPT_FLAG, .p = &no_delta,
                           .help = "no (+delta) to the previous line"},
                          {0}};
  const tt__cli_spec spec = {.cmd = "dump", .usage = help, .opts = opts};
  int first, rc = tt__cli_parse(&spec, argc, argv, &first);
  if (rc != TT__CLI_PARSED)
    return rc;
  const char *path = one_file(argc, argv, first);
  if (path == NULL)
    return TT_CLI_USAGE;
  int delta = !no_delta;
  struct stat st;
  if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return dump_lttng(path, delta);
  tt_reader *r;
  char epath[512], eprog[512];
  tt_esc(epath, sizeof epath, path);
  if (strcmp(path, "-") == 0) { /* the .ttrace file on standard input */
    const void *data;
    size_t len;
    char err[256];
    if ((rc = tt_stdin_trace(&data, &len, err, sizeof err)) < 0) {
      fprintf(stderr, "tasktrace dump: %s\n", err);
      return TT_CLI_FAIL;
    }
    rc = tt_reader_open_mem(&r, data, len);
  } else {
    rc = tt_reader_open(&r, path);
  }
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
  fflush(stdout); /* the events first, then the summary, when both go to one file */
  fprintf(stderr, "tasktrace dump: %s%s: %" PRIu64 " events, %" PRIu64 " lost%s%s\n",
          n < 0 ? "" : tt_reader_truncated(r) ? "warning: " : "", epath, tt_reader_events(r),
          tt_reader_lost(r), why ? "; " : "", why ? why : "");
  int status = n < 0 ? TT_CLI_FAIL : TT_CLI_OK;
  tt_reader_close(r);
  return status;
}
