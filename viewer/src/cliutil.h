/* Private: what the subcommands share — opening the inputs, loading them
 * into a model with the right hooks, reporting errors in one line. */
#ifndef TT_VIEWER_CLIUTIL_H
#define TT_VIEWER_CLIUTIL_H

#include "tasktrace/viewer.h"

/* Read files[0..n) into a new model with hooks (NULL: none). On success
 * *out is the model and the return is 0. On failure, prints
 * "tasktrace CMD: message" on stderr and returns the exit code (1); *out
 * may still hold the model of what was read before a read error (render
 * it, then exit 1), or NULL. Warnings (a truncated file) go to stderr. */
int tt__cli_load(const char *cmd, char *const *files, int n, const tt_model_hooks *hooks,
                 tt_model **out);
/* The time span of files (first and last timestamps), by a quick pass;
 * active_from (may be NULL): the first event that is not just naming an
 * object, where something starts to happen. */
int tt__cli_span(const char *cmd, char *const *files, int n, uint64_t *first, uint64_t *last,
                 uint64_t *active_from);
/* Print "tasktrace CMD: fmt..." on stderr. */
void tt__cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
