/* The subcommands' option parser: a table per command (cliutil.h), read
 * by getopt_long, which also gives each command its --help option list. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cliutil.h"

/* The most options a command has (a programming error beyond: abort). */
#define MAX_OPTS 24
/* getopt_long's value for option i: its letter, or this plus i. */
#define LONG_ONLY 256

static size_t count_opts(const tt__opt *opts) {
  size_t n = 0;
  while (opts[n].name != NULL || opts[n].letter != 0)
    n++;
  if (n > MAX_OPTS)
    abort();
  return n;
}

static int takes_value(const tt__opt *o) { return o->kind != TT__OPT_FLAG; }

static int opt_val(const tt__opt *o, size_t i) {
  return o->letter ? (unsigned char)o->letter : LONG_ONLY + (int)i;
}

/* The option as messages name it: "--width", or "-o" when it has no long
 * name. */
static const char *opt_word(const tt__opt *o, char *buf, size_t len) {
  if (o->name)
    snprintf(buf, len, "--%s", o->name);
  else
    snprintf(buf, len, "-%c", o->letter);
  return buf;
}

/* getopt_long's tables for spec's options plus --help (at index n). */
static void build_tables(const tt__opt *opts, size_t n, struct option *lo, char *shorts,
                         int in_order) {
  size_t k = 0, s = 0;
  /* '+': stop at the first operand; ':': a missing value is ':', not '?'. */
  if (in_order)
    shorts[s++] = '+';
  shorts[s++] = ':';
  for (size_t i = 0; i < n; i++) {
    const tt__opt *o = &opts[i];
    if (o->name)
      lo[k++] = (struct option){o->name, takes_value(o) ? required_argument : no_argument,
                                NULL, opt_val(o, i)};
    if (o->letter) {
      shorts[s++] = o->letter;
      if (takes_value(o))
        shorts[s++] = ':';
    }
  }
  lo[k++] = (struct option){"help", no_argument, NULL, 'h'};
  lo[k] = (struct option){0};
  shorts[s++] = 'h';
  shorts[s] = 0;
}

static const tt__opt *find_opt(const tt__opt *opts, size_t n, int val) {
  for (size_t i = 0; i < n; i++)
    if (opt_val(&opts[i], i) == val)
      return &opts[i];
  return NULL;
}

/* ---- Values ------------------------------------------------------------- */

static int parse_count(const tt__opt *o, const char *v, long *out) {
  if (*v == 0)
    return -1;
  for (const char *c = v; *c; c++)
    if (*c < '0' || *c > '9')
      return -1;
  errno = 0;
  long x = strtol(v, NULL, 10);
  if (errno != 0 || x < o->lo || (o->hi != 0 && x > o->hi))
    return -1;
  *out = x;
  return 0;
}

/* The index of v in choices "a|b|c", or -1. */
static int parse_choice(const char *choices, const char *v) {
  size_t len = strlen(v);
  int i = 0;
  for (const char *c = choices; c != NULL; i++) {
    const char *bar = strchr(c, '|');
    size_t n = bar ? (size_t)(bar - c) : strlen(c);
    if (n == len && strncmp(c, v, n) == 0)
      return i;
    c = bar ? bar + 1 : NULL;
  }
  return -1;
}

/* What a value of o must be, for "'x' is not WHAT". */
static const char *what(const tt__opt *o, char *buf, size_t len) {
  if (o->what)
    return o->what;
  switch (o->kind) {
  case TT__OPT_PATH: return "a file name";
  case TT__OPT_DURATION: return "a time (try 1.5ms, 200us, 3s)";
  case TT__OPT_COUNT:
    if (o->hi == 0)
      return o->lo > 0 ? "a count above 0" : "a count";
    snprintf(buf, len, "a number from %ld to %ld", o->lo, o->hi);
    return buf;
  case TT__OPT_CHOICE: { /* "a|b|c" -> "a, b or c" */
    size_t at = 0;
    for (const char *c = o->choices; *c && at + 4 < len; c++) {
      if (*c != '|') {
        buf[at++] = *c;
        continue;
      }
      const char *sep = strchr(c + 1, '|') ? ", " : " or ";
      for (; *sep && at + 4 < len; sep++)
        buf[at++] = *sep;
    }
    buf[at] = 0;
    return buf;
  }
  default: return "a valid value";
  }
}

/* Store the value v of o. 0, or -1 when v is not one. */
static int store(const tt__opt *o, const char *v) {
  switch (o->kind) {
  case TT__OPT_FLAG: *(int *)o->p = 1; return 0;
  case TT__OPT_PATH:
    if (*v == 0)
      return -1;
    /* fall through */
  case TT__OPT_STRING: *(const char **)o->p = v; return 0;
  case TT__OPT_COUNT: return parse_count(o, v, (long *)o->p);
  case TT__OPT_DURATION: return tt_parse_duration(v, (uint64_t *)o->p) < 0 ? -1 : 0;
  case TT__OPT_CHOICE: {
    int i = parse_choice(o->choices, v);
    if (i < 0)
      return -1;
    *(int *)o->p = i;
    return 0;
  }
  case TT__OPT_FN: return o->fn(v, o->p) < 0 ? -1 : 0;
  }
  return -1;
}

/* ---- Parsing ------------------------------------------------------------ */

/* After getopt_long returned '?' or ':' (c): one line naming the bad word. */
static int bad_word(const tt__cli_spec *spec, const tt__opt *opts, size_t n, int c,
                    char **argv) {
  char w[64], e[128];
  const tt__opt *o = optopt ? find_opt(opts, n, optopt) : NULL;
  const char *a = tt_esc(e, sizeof e, argv[optind - 1]);
  if (c == ':')
    tt__cli_err(spec->cmd, "%s needs a value (tasktrace %s --help)",
                o ? opt_word(o, w, sizeof w) : a, spec->cmd);
  else if ((o != NULL || optopt == 'h') && strncmp(a, "--", 2) == 0)
    tt__cli_err(spec->cmd, "%s takes no value (tasktrace %s --help)",
                o ? opt_word(o, w, sizeof w) : "--help", spec->cmd);
  else if (optopt != 0)
    tt__cli_err(spec->cmd, "unknown option '-%c' (tasktrace %s --help)", optopt, spec->cmd);
  else /* an unknown or ambiguous long option */
    tt__cli_err(spec->cmd, "unknown option '%s' (tasktrace %s --help)", a, spec->cmd);
  return TT_CLI_USAGE;
}

static int bad_value(const tt__cli_spec *spec, const tt__opt *o, const char *v) {
  char w[64], e[128], b[128];
  tt__cli_err(spec->cmd, "%s: '%s' is not %s", opt_word(o, w, sizeof w), tt_esc(e, sizeof e, v),
              what(o, b, sizeof b));
  return TT_CLI_USAGE;
}

int tt__cli_parse(const tt__cli_spec *spec, int argc, char **argv, int *operands) {
  size_t n = count_opts(spec->opts);
  struct option lo[MAX_OPTS + 2];
  char shorts[3 * MAX_OPTS + 4];
  build_tables(spec->opts, n, lo, shorts, spec->in_order);
  opterr = 0; /* getopt's own messages name "summary", not "tasktrace summary" */
  optind = 0; /* (0: glibc starts afresh, whatever was parsed before) */
  int c;
  while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
    if (c == 'h') {
      tt__cli_help(spec, stdout);
      return TT_CLI_OK;
    }
    const tt__opt *o = c == '?' || c == ':' ? NULL : find_opt(spec->opts, n, c);
    if (o == NULL)
      return bad_word(spec, spec->opts, n, c, argv);
    if (store(o, optarg) < 0)
      return bad_value(spec, o, optarg);
    if (o->given)
      *o->given = 1;
  }
  *operands = optind;
  return TT__CLI_PARSED;
}

/* ---- --help ------------------------------------------------------------- */

/* "  -o, --output OUT" (or "      --level N" without a letter). */
static int opt_label(const tt__opt *o, char *buf, size_t len) {
  char s[8] = "    ", l[64] = "";
  if (o->letter)
    snprintf(s, sizeof s, "-%c%s", o->letter, o->name ? ", " : "");
  if (o->name)
    snprintf(l, sizeof l, "--%s", o->name);
  int k = snprintf(buf, len, "  %s%s%s%s", s, l, o->arg && takes_value(o) ? " " : "",
                   o->arg && takes_value(o) ? o->arg : "");
  return k < 0 ? 0 : k;
}

static void help_line(FILE *f, const tt__opt *o, int col) {
  char label[96];
  int k = opt_label(o, label, sizeof label);
  fputs(label, f);
  const char *h = o->help ? o->help : "";
  if (k >= col) { /* too long for the column: the text on the next line */
    fputc('\n', f);
    k = 0;
  }
  for (int first = 1; first || *h; first = 0) {
    const char *nl = strchr(h, '\n');
    int len = nl ? (int)(nl - h) : (int)strlen(h);
    fprintf(f, "%*s%.*s\n", first ? col - k : col, "", len, h);
    h += len + (nl != NULL);
  }
}

void tt__cli_help(const tt__cli_spec *spec, FILE *f) {
  static const tt__opt help = {.name = "help", .letter = 'h', .help = "print this text"};
  size_t n = count_opts(spec->opts);
  char label[96];
  int col = opt_label(&help, label, sizeof label);
  for (size_t i = 0; i < n; i++) {
    int k = opt_label(&spec->opts[i], label, sizeof label);
    if (k > col && k <= 28)
      col = k;
  }
  col += 2;
  fputs(spec->usage, f);
  fputc('\n', f);
  for (size_t i = 0; i < n; i++)
    help_line(f, &spec->opts[i], col);
  help_line(f, &help, col);
}

int tt__cli_need_traces(const char *cmd, int argc, int first) {
  if (first < argc)
    return 0;
  tt__cli_err(cmd, "no trace given (tasktrace %s --help)", cmd);
  return TT_CLI_USAGE;
}
