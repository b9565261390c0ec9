/* Private: what the subcommands share — opening the inputs, loading them
 * into a model with the right hooks, reporting errors in one line. */
#ifndef TT_VIEWER_CLIUTIL_H
#define TT_VIEWER_CLIUTIL_H

#include <stdio.h>

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
/* The end of a subcommand that rendered the model m (from tt__cli_load,
 * whose exit code is rc) on stdout, `rendered` being the renderer's result:
 * frees m, and returns rc, or 1 with a message when the output could not be
 * written. */
int tt__cli_render_done(const char *cmd, tt_model *m, int rendered, int rc);
/* The whole of a subcommand that takes FILE... and no option but --help
 * (summary, locks): parse argv, print usage on --help (exit 0) or on a bad
 * option or no file (exit 2), load the files, render the model with
 * render(m, stdout). Returns the exit code. */
int tt__cli_report(const char *cmd, int argc, char **argv, const char *usage,
                   int (*render)(const tt_model *m, FILE *out));
/* After getopt_long returned '?' for argv (parsed with optstring): print
 * one line naming the bad option (unknown, or missing its value) and
 * return the usage exit code (2). */
int tt__cli_bad_option(const char *cmd, char **argv, const char *optstring);
/* Print "tasktrace CMD: fmt..." on stderr. */
void tt__cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
