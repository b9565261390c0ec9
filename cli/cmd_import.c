/* tasktrace import LTTNG_DIR -o FILE.ttrace: an LTTng trace of tasktrace:*
 * events, compressed into the collector's format. */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cliutil.h"
#include "cli.h"
#include "tt_base.h"

static const char usage[] =
    "usage: tasktrace import -o FILE.ttrace|- [--level N] LTTNG_DIR\n"
    "\n"
    "Read the tasktrace:* events of an LTTng trace directory (as `lttng` wrote\n"
    "it, any level of the tree) and write them as a compressed .ttrace file.\n"
    "A .ttrace file holds one process: the first process of the trace goes\n"
    "to FILE.ttrace, any other to FILE.PID.ttrace. Prints the sizes and the\n"
    "compression ratio. The files are written aside and renamed into place only\n"
    "when the whole import worked; FILE may not be the input. -o - writes the\n"
    "file to standard output (not a terminal; a trace of one process only) and\n"
    "the sizes to stderr.\n";

static uint64_t dir_bytes;
static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)path;
  (void)ftw;
  if (flag == FTW_F)
    dir_bytes += (uint64_t)st->st_size;
  return 0;
}

typedef struct out_file {
  uint32_t pid;
  tt_writer *w;
  char *path;
  uint64_t events;
} out_file;

/* One import: the files written (one per process), aside in od. */
typedef struct import {
  const char *outp; /* FILE.ttrace; for -o -, a file in a private directory */
  int to_stdout;    /* -o -: that file is copied to standard output */
  char stdout_target[256];
  tt_writer_opts wo;
  tt__outdir od;
  out_file *outs;
  size_t nouts, couts;
  uint64_t events, out_bytes;
} import;

static uint64_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The options and the one directory: TT__CLI_PARSED with im's options and
 * *dir set, or an exit code. */
static int parse_args(int argc, char **argv, import *im, const char **dir) {
  long level = -1;
  const tt__opt opts[] = {
      {.name = "output", .letter = 'o', .kind = TT__OPT_PATH, .p = &im->outp, .arg = "FILE",
       .help = "the .ttrace file to write"},
      {.name = "level", .letter = 'l', .kind = TT__OPT_COUNT, .p = &level, .lo = 0, .hi = 9,
       .arg = "N", .what = "a level from 0 to 9",
       .help = "zlib level 0-9 (default: the collector's)"},
      {0}};
  const tt__cli_spec spec = {.cmd = "import", .usage = usage, .opts = opts};
  int first, rc = tt__cli_parse(&spec, argc, argv, &first);
  if (rc != TT__CLI_PARSED)
    return rc;
  im->wo.level = (int)level;
  if (im->outp == NULL) {
    tt__cli_err("import", "-o FILE.ttrace is required");
    return TT_CLI_USAGE;
  }
  if (first != argc - 1) {
    tt__cli_err("import", first >= argc ? "no LTTng trace directory given"
                                        : "one LTTng trace directory at a time");
    return TT_CLI_USAGE;
  }
  *dir = argv[first];
  if (strcmp(im->outp, "-") == 0) { /* written aside in $TMPDIR, then copied */
    if (tt__out_stdout_ok("import") != TT_CLI_OK)
      return TT_CLI_FAIL;
    const char *tmp = getenv("TMPDIR");
    snprintf(im->stdout_target, sizeof im->stdout_target, "%s/stdout.ttrace",
             tmp != NULL && tmp[0] == '/' && strlen(tmp) < 200 ? tmp : "/tmp");
    im->outp = im->stdout_target;
    im->to_stdout = 1;
  }
  return TT__CLI_PARSED;
}

/* dir is a directory, and not the output. 0, or 1 after a message. */
static int check_input(const import *im, const char *dir) {
  struct stat st;
  int bad = stat(dir, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (bad != 0) { /* (errno is stale when stat succeeded on a file) */
    char e[512];
    tt__cli_err("import", "%s: %s", tt_esc(e, sizeof e, dir),
                bad == ENOTDIR ? "not a directory (import reads an LTTng trace directory)"
                               : strerror(bad));
    return TT_CLI_FAIL;
  }
  char *in[] = {(char *)dir};
  if (im->to_stdout)
    return TT_CLI_OK;
  return tt__out_is_input("import", im->outp, in, 1) ? TT_CLI_FAIL : TT_CLI_OK;
}

/* A new output, for process pid whose first event is at ts: the first
 * process's goes to FILE.ttrace, any other's to FILE.PID.ttrace. NULL
 * after a message (*rc: 1), or with *rc 0 when memory ran out. */
static out_file *open_output(import *im, uint32_t pid, uint64_t ts, int *rc) {
  char tmp[sizeof im->od.dir + 256], e[512];
  *rc = TT_CLI_OK;
  if (tt_grow(&im->outs, &im->couts, im->nouts + 1, sizeof *im->outs, 4) < 0)
    return NULL;
  out_file *o = &im->outs[im->nouts]; /* zeroed by tt_grow */
  o->pid = pid;
  if (im->to_stdout && im->nouts > 0) {
    tt__cli_err("import", "-o -: the trace holds more than one process (pid %u, pid %u): standard "
                "output takes one .ttrace file; give -o FILE (one file per process)",
                im->outs[0].pid, pid);
    *rc = TT_CLI_FAIL;
    return NULL;
  }
  if (im->nouts == 0) {
    o->path = strdup(im->outp);
  } else { /* FILE.ttrace -> FILE.PID.ttrace */
    size_t len = strlen(im->outp);
    size_t stem = len > 7 && strcmp(im->outp + len - 7, ".ttrace") == 0 ? len - 7 : len;
    if (asprintf(&o->path, "%.*s.%u.ttrace", (int)stem, im->outp, pid) < 0)
      o->path = NULL;
  }
  tt_proc_info pi = {.pid = pid, .start_mono_ns = ts};
  snprintf(pi.program, sizeof pi.program, "lttng:%u", pid);
  int wr = o->path ? tt_writer_open(&o->w, tt__out_path(&im->od, o->path, tmp, sizeof tmp),
                                    &pi, &im->wo)
                   : -ENOMEM;
  if (wr < 0) {
    tt__cli_err("import", "%s: %s", tt_esc(e, sizeof e, o->path ? o->path : im->outp),
                strerror(-wr));
    free(o->path);
    *rc = TT_CLI_FAIL;
    return NULL;
  }
  im->nouts++;
  return o;
}

/* Every event of src to the output of its process. The exit code. */
static int copy_events(import *im, tt_source *src) {
  char e[512], serr[512] = "";
  tt_trace_event ev;
  int r, rc = TT_CLI_OK;
  while ((r = tt_source_next(src, &ev, serr, sizeof serr)) > 0) {
    out_file *o = NULL;
    for (size_t i = 0; i < im->nouts && o == NULL; i++)
      if (im->outs[i].pid == ev.pid)
        o = &im->outs[i];
    if (o == NULL && (o = open_output(im, ev.pid, ev.ts, &rc)) == NULL) {
      r = rc == TT_CLI_OK ? -ENOMEM : 0;
      break;
    }
    int wr = tt_writer_event(o->w, &ev);
    if (wr < 0) {
      tt__cli_err("import", "%s: %s", tt_esc(e, sizeof e, o->path), strerror(-wr));
      return TT_CLI_FAIL;
    }
    o->events++;
    im->events++;
  }
  if (r < 0 && rc == TT_CLI_OK) {
    tt__cli_err("import", "%s", r == -ENOMEM ? "out of memory" : serr);
    rc = TT_CLI_FAIL;
  }
  /* What the trace could not say (no vpid, events left out): the .ttrace
   * file cannot carry it, so it is said now. */
  const char *note = rc == TT_CLI_OK ? tt_source_note(src) : NULL;
  if (note != NULL)
    tt__cli_err("import", "warning: %s", note);
  char why[1024];
  if (rc == TT_CLI_OK && *tt_unrecorded_describe(tt_source_unrecorded(src), why, sizeof why))
    tt__cli_err("import", "warning: %s (the .ttrace file does not keep this)", why);
  return rc;
}

/* Close the outputs and, when everything worked (rc 0), rename them all
 * into place, printing each: all or nothing, existing files stay as they
 * were on any failure. The exit code. */
static int finish_outputs(import *im, int rc) {
  char tmp[sizeof im->od.dir + 256], e[512];
  for (size_t i = 0; i < im->nouts; i++) {
    int cr = tt_writer_close(im->outs[i].w);
    if (cr < 0 && rc == TT_CLI_OK) {
      tt__cli_err("import", "%s: %s", tt_esc(e, sizeof e, im->outs[i].path), strerror(-cr));
      rc = TT_CLI_FAIL;
    }
  }
  for (size_t i = 0; i < im->nouts && rc == TT_CLI_OK; i++) {
    const out_file *o = &im->outs[i];
    uint64_t sz = file_size(tt__out_path(&im->od, o->path, tmp, sizeof tmp));
    if (im->to_stdout ? tt__copy_to_stdout("import", tmp) != TT_CLI_OK
                      : tt__out_commit("import", &im->od, o->path) != TT_CLI_OK) {
      rc = TT_CLI_FAIL;
      break;
    }
    im->out_bytes += sz;
    fprintf(im->to_stdout ? stderr : stdout, "%s: %" PRIu64 " events of process %u, %" PRIu64 " bytes\n",
           im->to_stdout ? "-" : tt_esc(e, sizeof e, o->path), o->events, o->pid, sz);
  }
  if (rc != TT_CLI_OK && im->nouts > 0)
    tt__cli_err("import", "%s: not written", im->to_stdout ? "-" : tt_esc(e, sizeof e, im->outp));
  return rc;
}

/* The last line: the sizes and the ratio. */
static void report_ratio(const import *im, const char *dir) {
  dir_bytes = 0;
  nftw(dir, add_size, 32, FTW_PHYS);
  fprintf(im->to_stdout ? stderr : stdout, "imported %" PRIu64 " events: LTTng trace %" PRIu64 " bytes -> %" PRIu64
         " bytes (%.1fx smaller)\n",
         im->events, dir_bytes, im->out_bytes,
         im->out_bytes ? (double)dir_bytes / (double)im->out_bytes : 0.0);
}

int tt_cmd_import(int argc, char **argv) {
  import im = {.wo = {.level = -1}};
  const char *dir;
  int rc = parse_args(argc, argv, &im, &dir);
  if (rc != TT__CLI_PARSED)
    return rc;
  if ((rc = check_input(&im, dir)) != TT_CLI_OK)
    return rc;
  char err[768], e[512];
  tt_source *src;
  if (tt_source_open_lttng(dir, &src, err, sizeof err) < 0) {
    tt__cli_err("import", "%s", err);
    return TT_CLI_FAIL;
  }
  /* Written aside, renamed into place only when the whole import worked. */
  if (tt__out_begin("import", &im.od, im.outp) != TT_CLI_OK) {
    tt_source_close(src);
    return TT_CLI_FAIL;
  }
  rc = copy_events(&im, src);
  tt_source_close(src);
  rc = finish_outputs(&im, rc);
  tt__out_end(&im.od);
  for (size_t i = 0; i < im.nouts; i++)
    free(im.outs[i].path);
  free(im.outs);
  if (im.nouts == 0 && rc == TT_CLI_OK) {
    tt__cli_err("import", "%s: no tasktrace:* events in this trace", tt_esc(e, sizeof e, dir));
    return TT_CLI_FAIL;
  }
  if (rc == TT_CLI_OK)
    report_ratio(&im, dir);
  return rc;
}
