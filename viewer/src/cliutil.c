/* Shared plumbing of the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
    return 1;
  }
  tt_model *m = tt_model_new(hooks);
  if (m == NULL) {
    tt_source_close(src);
    tt__cli_err(cmd, "out of memory");
    return 1;
  }
  int r = tt_model_load(m, src, n == 1 ? files[0] : "traces", err, sizeof err);
  const char *note = tt_source_note(src);
  if (note != NULL)
    tt__cli_err(cmd, "warning: %s", note);
  tt_source_close(src);
  *out = m;
  if (r < 0) {
    tt__cli_err(cmd, "%s; what was read before it is shown", err);
    return 1;
  }
  return 0;
}

int tt__cli_span(const char *cmd, char *const *files, int n, uint64_t *first, uint64_t *last,
                 uint64_t *active_from) {
  char err[768];
  tt_source *src;
  if (tt_source_open_all((const char *const *)files, (size_t)n, &src, err, sizeof err) < 0) {
    tt__cli_err(cmd, "%s", err);
    return 1;
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
  return r < 0 ? 1 : 0;
}
