/* `tasktrace`: dispatch to a subcommand (cli.h lists them). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tt_base.h"

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *help;
} commands[] = {
#define TT__CMD_ENTRY(name, help) {#name, tt_cmd_##name, help},
    TT_COMMANDS(TT__CMD_ENTRY)
#undef TT__CMD_ENTRY
};

static void usage(FILE *f) {
  fprintf(f, "usage: tasktrace COMMAND [ARGS...]\n\n"
             "Record and view the timelines of tasktrace programs.\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf(f, "\n'tasktrace COMMAND --help' describes each one; --version prints the version.\n");
}

/* The edit distance of a and b (Levenshtein), capped: for "did you mean". */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), row[32];
  if (la >= 31 || lb >= 31)
    return 99;
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* An unknown command: one line naming it, with the nearest command when
 * it is a likely typo (within two edits, or a unique prefix). */
static int unknown(const char *word) {
  char e[128];
  const char *best = NULL;
  size_t bestd = 3, prefixes = 0;
  const char *prefix = NULL;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    size_t d = distance(word, commands[i].name);
    if (d < bestd) {
      bestd = d;
      best = commands[i].name;
    }
    if (*word && strncmp(word, commands[i].name, strlen(word)) == 0) {
      prefixes++;
      prefix = commands[i].name;
    }
  }
  if (best == NULL && prefixes == 1)
    best = prefix;
  if (best != NULL)
    fprintf(stderr, "tasktrace: unknown command '%s': did you mean '%s'? (tasktrace --help lists them)\n",
            tt_esc(e, sizeof e, word), best);
  else
    fprintf(stderr, "tasktrace: unknown command '%s' (tasktrace --help lists them)\n",
            tt_esc(e, sizeof e, word));
  return TT_CLI_USAGE;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return TT_CLI_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return TT_CLI_OK;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("tasktrace %s\n", TT_VERSION);
    return TT_CLI_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].fn(argc - 1, argv + 1);
  return unknown(argv[1]);
}
