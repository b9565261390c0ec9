/* Shared plumbing of the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int tt__cli_load(const char *cmd, char *const *files, int n, const tt_model_hooks *hooks,
                 tt_model **out) {
  char err[768];
  tt_source *src;
  *out = NULL;
  if (tt_source_open_all((const char *const *)files, (size_t)n, &src, err, sizeof err) < 0) {
    tt__cli_err(cmd, "%s", err);
    return TT_CLI_FAIL;
  }
  tt_model *m = tt_model_new(hooks);
  if (m == NULL) {
    tt_source_close(src);
    tt__cli_err(cmd, "out of memory");
    return TT_CLI_FAIL;
  }
  int r = tt_model_load(m, src, n == 1 ? files[0] : "traces", err, sizeof err);
  const char *note = tt_source_note(src);
  if (note != NULL)
    tt__cli_err(cmd, "warning: %s", note);
  tt_source_close(src);
  *out = m;
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
  while ((r = tt_source_next(src, &ev)) > 0) {
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
    tt__cli_err(cmd, "%s", tt_source_error(src));
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

int tt__cli_bad_option(const char *cmd, char **argv, const char *optstring) {
  /* main() turned getopt's own messages off (they name "summary", not
   * "tasktrace summary", and came with the whole usage): say which word was
   * wrong, in one line. */
  const char *a = argv[optind - 1], *o = optopt ? strchr(optstring, optopt) : NULL;
  if (o != NULL && o[1] == ':')
    tt__cli_err(cmd, "%s needs a value (tasktrace %s --help)", a, cmd);
  else if (optopt != 0 && strncmp(a, "--", 2) != 0)
    tt__cli_err(cmd, "unknown option '-%c' (tasktrace %s --help)", optopt, cmd);
  else
    tt__cli_err(cmd, "unknown option '%s' (tasktrace %s --help)", a, cmd);
  return TT_CLI_USAGE;
}

int tt__cli_report(const char *cmd, int argc, char **argv, const char *usage,
                   int (*render)(const tt_model *m, FILE *out)) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(usage, stdout);
      return TT_CLI_OK;
    }
    return tt__cli_bad_option(cmd, argv, "h");
  }
  if (optind >= argc) {
    tt__cli_err(cmd, "no trace given (tasktrace %s --help)", cmd);
    return TT_CLI_USAGE;
  }
  tt_model *m;
  int rc = tt__cli_load(cmd, argv + optind, argc - optind, NULL, &m);
  if (m != NULL)
    rc = tt__cli_render_done(cmd, m, render(m, stdout), rc);
  return rc;
}
