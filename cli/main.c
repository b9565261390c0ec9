/* `tasktrace`: dispatch to a subcommand (cli.h lists them). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
  fprintf(f, "\n'tasktrace COMMAND --help' describes each one.\n");
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
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "tasktrace: unknown command '%s' (tasktrace --help lists them)\n", argv[1]);
  return TT_CLI_USAGE;
}
