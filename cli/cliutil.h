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
/* ---- Options: one table per command, parsed by getopt_long ----
 *
 * A command describes its options in a table (a tt__opt per option, ending
 * with {0}) and calls tt__cli_parse: every command then takes --name VALUE
 * and --name=VALUE, -x VALUE, unique prefixes of long names, `--` to end
 * the options and -h/--help, reports a bad word in one line naming it
 * ("tasktrace CMD: --width: 'x' is not a width from 10 to 10000") with the
 * usage exit code (2), and prints a --help whose option list comes from
 * the same table. */
typedef enum tt__opt_kind {
  TT__OPT_FLAG,     /* no value: *(int *)p = 1 */
  TT__OPT_STRING,   /* *(const char **)p = the value */
  TT__OPT_PATH,     /* a STRING that may not be empty */
  TT__OPT_COUNT,    /* *(long *)p: decimal digits, from lo to hi */
  TT__OPT_DURATION, /* *(uint64_t *)p: ns, as tt_parse_duration reads "1.5ms" */
  TT__OPT_CHOICE,   /* *(int *)p: the index of the value in choices "a|b|c" */
  TT__OPT_FN,       /* fn(value, p): 0, or -1 when the value is bad */
} tt__opt_kind;

typedef struct tt__opt {
  const char *name;  /* the long name, without "--" (NULL: only the letter) */
  char letter;       /* the short option, or 0 */
  tt__opt_kind kind;
  void *p;           /* where the value goes (see the kinds) */
  const char *arg;   /* the value's name in --help: "N", "FILE" */
  const char *help;  /* for --help; each '\n' starts a continuation line */
  long lo, hi;       /* COUNT: the range (hi 0: no upper bound) */
  const char *choices;                   /* CHOICE: "auto|always|never" */
  int (*fn)(const char *value, void *p); /* FN */
  const char *what;  /* a bad value "is not WHAT" (NULL: said by the kind) */
  int *given;        /* when not NULL: set to 1 when the option is given */
} tt__opt;

typedef struct tt__cli_spec {
  const char *cmd;     /* the subcommand: "summary" */
  const char *usage;   /* "usage: ..." and what the command does, before the options */
  const tt__opt *opts; /* ending with {0}; -h/--help is added */
  int in_order;        /* options end at the first operand (record: PROGRAM's own -x) */
} tt__cli_spec;

/* tt__cli_parse's result when the command goes on. */
#define TT__CLI_PARSED (-1)
/* Parse argv[1..argc) (argv[0] is the subcommand) by spec's table. Returns
 * TT__CLI_PARSED with the values stored and *operands the index in argv of
 * the first operand; or an exit code: 0 when --help was printed, 2 after
 * one line on stderr naming the bad word. */
int tt__cli_parse(const tt__cli_spec *spec, int argc, char **argv, int *operands);
/* --help: spec's usage, a blank line, then the option list. */
void tt__cli_help(const tt__cli_spec *spec, FILE *f);
/* The operands of a command that reads traces: 0 when there is one, else
 * the usage exit code after "no trace given". */
int tt__cli_need_traces(const char *cmd, int argc, int first);
/* The whole of a subcommand that takes FILE... and no option but --help
 * and --max-tasks (summary, locks): parse argv, load the files, render the
 * model with render(m, stdout). Returns the exit code. */
int tt__cli_report(const char *cmd, int argc, char **argv, const char *usage,
                   int (*render)(const tt_model *m, FILE *out));
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
/* `-o -`: the output goes to standard output, refused on a terminal (a
 * .ttrace file is binary) with one line. 0, or 1 after the message. */
int tt__out_stdout_ok(const char *cmd);
/* Copy the file at path to standard output. 0, or 1 after a message. */
int tt__copy_to_stdout(const char *cmd, const char *path);
int tt__out_is_input(const char *cmd, const char *out, char *const *files, int n);
/* --max-tasks N (every command that builds a model): the limit on tasks
 * and named objects (TT_MODEL_MAX_TASKS by default, or TASKTRACE_MAX_TASKS)
 * that tt__cli_load applies. The entry for a command's option table. */
int tt__cli_set_max_tasks(const char *value, void *unused);
#define TT__CLI_OPT_MAX_TASKS                                                                      \
  {.name = "max-tasks", .kind = TT__OPT_FN, .fn = tt__cli_set_max_tasks, .arg = "N",              \
   .what = "a count above 0",                                                                      \
   .help = "refuse a trace with more than N tasks or objects (default\n"                          \
           "1000000, or $TASKTRACE_MAX_TASKS): bounds the memory used"}
/* Print "tasktrace CMD: fmt..." on stderr. */
void tt__cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
