/* Shared plumbing of the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <signal.h>

#include "cli.h"
#include "cliutil.h"

void tt__cli_err(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "tasktrace %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static uint64_t max_tasks; /* 0: TASKTRACE_MAX_TASKS or the default */

static int parse_count(const char *s, uint64_t *out) {
  char *end;
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end != 0 || errno != 0 || v == 0)
    return -1;
  *out = v;
  return 0;
}

int tt__cli_set_max_tasks(const char *value, void *unused) {
  (void)unused;
  return parse_count(value, &max_tasks);
}

int tt__cli_load(const char *cmd, char *const *files, int n, const tt_model_hooks *hooks,
                 tt_model **out) {
  char err[768];
  tt_source *src;
  *out = NULL;
  if (tt_source_open_all((const char *const *)files, (size_t)n, &src, err, sizeof err) < 0) {
    tt__cli_err(cmd, "%s", err);
    return TT_CLI_FAIL;
  }
  tt_model *m;
  if (tt_model_new(hooks, &m) < 0) {
    tt_source_close(src);
    tt__cli_err(cmd, "out of memory");
    return TT_CLI_FAIL;
  }
  uint64_t limit = max_tasks;
  const char *env = getenv("TASKTRACE_MAX_TASKS");
  if (limit == 0 && env != NULL && parse_count(env, &limit) < 0) {
    char e[128];
    tt__cli_err(cmd, "warning: TASKTRACE_MAX_TASKS='%s' is not a count above 0: ignored",
                tt_esc(e, sizeof e, env));
    limit = 0;
  }
  tt_model_set_max_tasks(m, limit);
  char label[512];
  tt_esc(label, sizeof label, n == 1 ? files[0] : "traces");
  int r = tt_model_load(m, src, label, err, sizeof err);
  const char *note = tt_source_note(src);
  if (note != NULL)
    tt__cli_err(cmd, "warning: %s", note);
  tt_source_close(src);
  *out = m;
  /* Past the limit, no clock, processes that cannot be told apart: a
   * partial model would mislead. */
  if (r == -E2BIG || r == -EDOM || r == -EPROTO) {
    tt__cli_err(cmd, "%s", err);
    tt_model_free(m);
    *out = NULL;
    return TT_CLI_FAIL;
  }
  /* The text reports say it in their output, with '?' in the columns;
   * the other views cannot, so it goes to stderr. */
  char why[1024];
  if (strcmp(cmd, "summary") != 0 && strcmp(cmd, "locks") != 0 &&
      *tt_unrecorded_describe(tt_model_unrecorded(m), why, sizeof why))
    tt__cli_err(cmd, "warning: %s", why);
  if (r < 0) {
    tt__cli_err(cmd, "%s; what was read before it is shown", err);
    return TT_CLI_FAIL;
  }
  return TT_CLI_OK;
}

int tt__cli_span(const char *cmd, char *const *files, int n, uint64_t *first, uint64_t *last,
                 uint64_t *active_from) {
  char err[768];
  tt_source *src;
  if (tt_source_open_all((const char *const *)files, (size_t)n, &src, err, sizeof err) < 0) {
    tt__cli_err(cmd, "%s", err);
    return TT_CLI_FAIL;
  }
  tt_trace_event ev;
  int r, any = 0;
  uint64_t active = UINT64_MAX;
  *first = *last = 0;
  while ((r = tt_source_next(src, &ev, err, sizeof err)) > 0) {
    if (!any || ev.ts < *first)
      *first = ev.ts;
    if (!any || ev.ts > *last)
      *last = ev.ts;
    if (ev.type != TT_EV_object_name && ev.ts < active)
      active = ev.ts;
    any = 1;
  }
  if (active_from != NULL)
    *active_from = active == UINT64_MAX ? *first : active;
  if (r < 0)
    tt__cli_err(cmd, "%s", err);
  tt_source_close(src);
  return r < 0 ? TT_CLI_FAIL : TT_CLI_OK;
}

int tt__cli_render_done(const char *cmd, tt_model *m, int rendered, int rc) {
  if (rendered < 0 || fflush(stdout) != 0) {
    tt__cli_err(cmd, "cannot write the output");
    rc = TT_CLI_FAIL;
  }
  tt_model_free(m);
  return rc;
}

int tt__cli_report(const char *cmd, int argc, char **argv, const char *usage,
                   int (*render)(const tt_model *m, FILE *out)) {
  const tt__opt opts[] = {TT__CLI_OPT_MAX_TASKS, {0}};
  const tt__cli_spec spec = {.cmd = cmd, .usage = usage, .opts = opts};
  int first, rc = tt__cli_parse(&spec, argc, argv, &first);
  if (rc != TT__CLI_PARSED)
    return rc;
  if ((rc = tt__cli_need_traces(cmd, argc, first)) != 0)
    return rc;
  tt_model *m;
  rc = tt__cli_load(cmd, argv + first, argc - first, NULL, &m);
  if (m != NULL)
    rc = tt__cli_render_done(cmd, m, render(m, stdout), rc);
  return rc;
}

/* ---- Outputs: written aside, renamed into place on success ---- */

/* A command killed by SIGINT/SIGTERM/SIGHUP while writing aside removes
 * what it wrote, then dies of the signal (exit 130/143 as the shell says):
 * no hidden directory is left behind. Only async-signal-safe calls here. */
#define OUT_TRACKED 16
static char out_dir[4096];
static char out_files[OUT_TRACKED][4096 + 256];
static volatile sig_atomic_t out_nfiles;

static void out_on_signal(int sig) {
  for (int i = 0; i < out_nfiles; i++)
    unlink(out_files[i]);
  if (out_dir[0])
    rmdir(out_dir);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void out_track_dir(const char *dir) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = dir ? out_on_signal : SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&sa.sa_mask, sigs[i]);
  /* Block them while the tables change, so the handler never sees half. */
  sigset_t old;
  sigprocmask(SIG_BLOCK, &sa.sa_mask, &old);
  if (dir) {
    snprintf(out_dir, sizeof out_dir, "%s", dir);
  } else {
    out_dir[0] = 0;
    out_nfiles = 0;
  }
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction(sigs[i], &sa, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
}

static void out_track_file(const char *path) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, &old);
  int known = 0;
  for (int i = 0; i < out_nfiles; i++)
    known |= strcmp(out_files[i], path) == 0;
  if (!known && out_nfiles < OUT_TRACKED) {
    snprintf(out_files[out_nfiles], sizeof out_files[0], "%s", path);
    out_nfiles++;
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int tt__out_begin(const char *cmd, tt__outdir *o, const char *target) {
  char e[512];
  const char *base = base_name(target);
  size_t dlen = (size_t)(base - target);
  o->dir[0] = 0;
  if (*base == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
    tt__cli_err(cmd, "%s: is a directory (give a file name)", tt_esc(e, sizeof e, target));
    return TT_CLI_FAIL;
  }
  /* "a/b/out" -> "a/b/.tasktrace-XXXXXX"; "out" -> "./.tasktrace-XXXXXX" */
  int n = dlen ? snprintf(o->dir, sizeof o->dir, "%.*s.tasktrace-XXXXXX", (int)dlen, target)
               : snprintf(o->dir, sizeof o->dir, "./.tasktrace-XXXXXX");
  if (n < 0 || (size_t)n >= sizeof o->dir) {
    o->dir[0] = 0;
    tt__cli_err(cmd, "%s: %s", tt_esc(e, sizeof e, target), strerror(ENAMETOOLONG));
    return TT_CLI_FAIL;
  }
  if (mkdtemp(o->dir) == NULL) {
    int err = errno;
    o->dir[0] = 0;
    tt__cli_err(cmd, "%s: cannot create files in its directory: %s",
                tt_esc(e, sizeof e, target), strerror(err));
    return TT_CLI_FAIL;
  }
  out_track_dir(o->dir);
  return TT_CLI_OK;
}

const char *tt__out_path(const tt__outdir *o, const char *target, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s", o->dir, base_name(target));
  out_track_file(buf);
  return buf;
}

int tt__out_commit(const char *cmd, const tt__outdir *o, const char *target) {
  char tmp[sizeof o->dir + 256], e[512];
  if (strlen(base_name(target)) > 255 ||
      rename(tt__out_path(o, target, tmp, sizeof tmp), target) < 0) {
    tt__cli_err(cmd, "%s: %s", tt_esc(e, sizeof e, target),
                strlen(base_name(target)) > 255 ? strerror(ENAMETOOLONG) : strerror(errno));
    return TT_CLI_FAIL;
  }
  return TT_CLI_OK;
}

void tt__out_end(tt__outdir *o) {
  if (o->dir[0] == 0)
    return;
  /* Only we can write in it (0700): whatever is there is ours to remove. */
  DIR *d = opendir(o->dir);
  if (d != NULL) {
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
      if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
        unlinkat(dirfd(d), de->d_name, 0);
    closedir(d);
  }
  rmdir(o->dir);
  o->dir[0] = 0;
  out_track_dir(NULL);
}

int tt__out_is_input(const char *cmd, const char *out, char *const *files, int n) {
  struct stat so, si;
  char e[512];
  if (stat(out, &so) < 0)
    return 0; /* a new file is no input */
  for (int i = 0; i < n; i++)
    if (stat(files[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
      tt__cli_err(cmd, "%s: the output is also an input (it would be replaced); write elsewhere",
                  tt_esc(e, sizeof e, out));
      return 1;
    }
  return 0;
}

int tt__out_stdout_ok(const char *cmd) {
  if (!isatty(STDOUT_FILENO))
    return TT_CLI_OK;
  tt__cli_err(cmd, "-o -: standard output is a terminal: redirect it (> FILE.ttrace, | tasktrace "
                   "summary -) or give -o FILE");
  return TT_CLI_FAIL;
}

int tt__copy_to_stdout(const char *cmd, const char *path) {
  char e[512], buf[65536];
  FILE *in = fopen(path, "rb");
  size_t n;
  int bad = in == NULL;
  while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
    bad = fwrite(buf, 1, n, stdout) != n;
  if (in != NULL && ferror(in))
    bad = 1;
  if (in != NULL)
    fclose(in);
  if (fflush(stdout) != 0 || bad) {
    tt__cli_err(cmd, "-o -: cannot copy %s to standard output: %s", tt_esc(e, sizeof e, path),
                strerror(errno));
    return TT_CLI_FAIL;
  }
  return TT_CLI_OK;
}
