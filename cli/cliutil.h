/* Private: what the subcommands share — opening the inputs, loading them
 * into a model with the right hooks, reporting errors in one line. */
#ifndef TT_VIEWER_CLIUTIL_H
#define TT_VIEWER_CLIUTIL_H

#include <stdio.h>

#include "tasktrace/viewer.h"
#include "tt_base.h"

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
/* Outputs are written into a private directory next to the target
 * (mkdtemp: ours, 0700, on the same file system) and renamed over the
 * target only when the whole output was written: a failed run leaves an
 * existing file as it was, and nothing planted in a shared directory is
 * followed or reused. */
typedef struct tt__outdir {
  char dir[4096]; /* the private directory, "" before tt__out_begin */
} tt__outdir;
/* Create the private directory next to target. 0, or 1 after a message. */
int tt__out_begin(const char *cmd, tt__outdir *o, const char *target);
/* The path in the private directory for target (its base name) into buf. */
const char *tt__out_path(const tt__outdir *o, const char *target, char *buf, size_t len);
/* Rename the file written for target over target. 0, or 1 after a message. */
int tt__out_commit(const char *cmd, const tt__outdir *o, const char *target);
/* Remove what is left in the private directory and the directory. */
void tt__out_end(tt__outdir *o);
/* Whether out is the same file as one of files[0..n) (same device and
 * inode): then print one line and return 1; else 0. */
int tt__out_is_input(const char *cmd, const char *out, char *const *files, int n);
/* --max-tasks N (every command that builds a model): the limit on tasks
 * and named objects (TT_MODEL_MAX_TASKS by default, or TASKTRACE_MAX_TASKS).
 * The long option to add to a command's getopt table, its help line, and
 * its parser: 0, or the usage exit code after a message. */
#define TT__CLI_MAX_TASKS_OPT {"max-tasks", required_argument, NULL, 'M'}
#define TT__CLI_MAX_TASKS_HELP                                                                     \
  "  --max-tasks N  refuse a trace with more than N tasks or objects (default\n"                \
  "                 1000000, or $TASKTRACE_MAX_TASKS): bounds the memory used\n"
int tt__cli_max_tasks(const char *cmd, const char *arg);
/* Print "tasktrace CMD: fmt..." on stderr. */
void tt__cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
