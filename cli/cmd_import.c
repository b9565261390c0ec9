/* tasktrace import LTTNG_DIR -o FILE.ttrace: an LTTng trace of tasktrace:*
 * events, compressed into the collector's format. */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cliutil.h"
#include "cli.h"
#include "tt_base.h"

static const char usage[] =
    "usage: tasktrace import -o FILE.ttrace [--level N] LTTNG_DIR\n"
    "\n"
    "Read the tasktrace:* events of an LTTng trace directory (as `lttng` wrote\n"
    "it, any level of the tree) and write them as a compressed .ttrace file.\n"
    "A .ttrace file holds one process: the first process of the trace goes\n"
    "to FILE.ttrace, any other to FILE.PID.ttrace. Prints the sizes and the\n"
    "compression ratio. The files are written aside and renamed into place only\n"
    "when the whole import worked; FILE may not be the input.\n"
    "\n"
    "  -o, --output FILE  the .ttrace file to write\n"
    "  --level N          zlib level 0-9 (default: the collector's)\n";

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

static uint64_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int tt_cmd_import(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"level", required_argument, NULL, 'l'},
                                       {0}};
  const char *outp = NULL;
  tt_writer_opts wo = {.level = -1};
  int c;
  while ((c = getopt_long(argc, argv, "ho:l:", opts, NULL)) != -1) {
    switch (c) {
    case 'h': fputs(usage, stdout); return TT_CLI_OK;
    case 'o': outp = optarg; break;
    case 'l':
      if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '9') {
        tt__cli_err("import", "--level: '%s' is not a level from 0 to 9", optarg);
        return TT_CLI_USAGE;
      }
      wo.level = optarg[0] - '0';
      break;
    default: return tt__cli_bad_option("import", argv, "ho:l:");
    }
  }
  if (outp == NULL) {
    tt__cli_err("import", "-o FILE.ttrace is required");
    return TT_CLI_USAGE;
  }
  if (optind != argc - 1) {
    tt__cli_err("import", optind >= argc ? "no LTTng trace directory given" :
                                           "one LTTng trace directory at a time");
    return TT_CLI_USAGE;
  }
  const char *dir = argv[optind];
  struct stat st;
  int bad = stat(dir, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (bad != 0) { /* (errno is stale when stat succeeded on a file) */
    char e[512];
    tt__cli_err("import", "%s: %s", tt_esc(e, sizeof e, dir),
                bad == ENOTDIR ? "not a directory (import reads an LTTng trace directory)"
                               : strerror(bad));
    return TT_CLI_FAIL;
  }
  if (tt__out_is_input("import", outp, argv + optind, 1))
    return TT_CLI_FAIL;
  char err[768];
  tt_source *src;
  if (tt_source_open_lttng(dir, &src, err, sizeof err) < 0) {
    tt__cli_err("import", "%s", err);
    return TT_CLI_FAIL;
  }
  /* Written aside, renamed into place only when the whole import worked. */
  tt__outdir od = {{0}};
  if (tt__out_begin("import", &od, outp) != TT_CLI_OK) {
    tt_source_close(src);
    return TT_CLI_FAIL;
  }
  char tmp[sizeof od.dir + 256], e[512];
  out_file *outs = NULL;
  size_t nouts = 0, couts = 0;
  int rc = TT_CLI_OK, r;
  uint64_t n = 0;
  tt_trace_event ev;
  while ((r = tt_source_next(src, &ev)) > 0) {
    out_file *o = NULL;
    for (size_t i = 0; i < nouts; i++)
      if (outs[i].pid == ev.pid) {
        o = &outs[i];
        break;
      }
    if (o == NULL) {
      if ((r = tt_grow(&outs, &couts, nouts + 1, sizeof *outs, 4)) < 0)
        break;
      o = &outs[nouts++]; /* zeroed by tt_grow */
      o->pid = ev.pid;
      if (nouts == 1) {
        o->path = strdup(outp);
      } else {
        /* FILE.ttrace -> FILE.PID.ttrace */
        size_t len = strlen(outp);
        size_t stem = len > 7 && strcmp(outp + len - 7, ".ttrace") == 0 ? len - 7 : len;
        if (asprintf(&o->path, "%.*s.%u.ttrace", (int)stem, outp, ev.pid) < 0)
          o->path = NULL;
      }
      tt_proc_info pi = {.pid = ev.pid, .start_mono_ns = ev.ts};
      snprintf(pi.program, sizeof pi.program, "lttng:%u", ev.pid);
      int wr = o->path ? tt_writer_open(&o->w, tt__out_path(&od, o->path, tmp, sizeof tmp), &pi, &wo)
                       : -ENOMEM;
      if (wr < 0) {
        tt__cli_err("import", "%s: %s", tt_esc(e, sizeof e, o->path ? o->path : outp),
                    strerror(-wr));
        nouts--;
        free(o->path);
        rc = TT_CLI_FAIL;
        break;
      }
    }
    int wr = tt_writer_event(o->w, &ev);
    if (wr < 0) {
      tt__cli_err("import", "%s: %s", tt_esc(e, sizeof e, o->path), strerror(-wr));
      rc = TT_CLI_FAIL;
      break;
    }
    o->events++;
    n++;
  }
  if (r < 0 && rc == TT_CLI_OK) {
    tt__cli_err("import", "%s",
                r == -ENOMEM ? "out of memory" : tt_source_error(src));
    rc = TT_CLI_FAIL;
  }
  tt_source_close(src);
  uint64_t out_bytes = 0;
  for (size_t i = 0; i < nouts; i++) {
    int cr = tt_writer_close(outs[i].w);
    if (cr < 0 && rc == TT_CLI_OK) {
      tt__cli_err("import", "%s: %s", tt_esc(e, sizeof e, outs[i].path), strerror(-cr));
      rc = TT_CLI_FAIL;
    }
  }
  /* All or nothing: existing outputs stay as they were on any failure. */
  for (size_t i = 0; i < nouts && rc == TT_CLI_OK; i++) {
    uint64_t sz = file_size(tt__out_path(&od, outs[i].path, tmp, sizeof tmp));
    if (tt__out_commit("import", &od, outs[i].path) != TT_CLI_OK) {
      rc = TT_CLI_FAIL;
      break;
    }
    out_bytes += sz;
    printf("%s: %" PRIu64 " events of process %u, %" PRIu64 " bytes\n",
           tt_esc(e, sizeof e, outs[i].path), outs[i].events, outs[i].pid, sz);
  }
  if (rc != TT_CLI_OK && nouts > 0)
    tt__cli_err("import", "%s: not written", tt_esc(e, sizeof e, outp));
  tt__out_end(&od);
  for (size_t i = 0; i < nouts; i++)
    free(outs[i].path);
  free(outs);
  if (nouts == 0 && rc == TT_CLI_OK) {
    tt__cli_err("import", "%s: no tasktrace:* events in this trace", tt_esc(e, sizeof e, dir));
    return TT_CLI_FAIL;
  }
  dir_bytes = 0;
  nftw(dir, add_size, 32, FTW_PHYS);
  if (rc == TT_CLI_OK)
    printf("imported %" PRIu64 " events: LTTng trace %" PRIu64 " bytes -> %" PRIu64
           " bytes (%.1fx smaller)\n",
           n, dir_bytes, out_bytes, out_bytes ? (double)dir_bytes / (double)out_bytes : 0.0);
  return rc;
}
