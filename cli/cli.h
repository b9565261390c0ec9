/* Private: the subcommands of `tasktrace`. Each lives in cmd_NAME.c as
 * int tt_cmd_NAME(int argc, char **argv), argv[0] being the subcommand's
 * name; it parses its options with tt__cli_parse (cliutil.h: one table per
 * command, which also makes its --help). Exit codes: 0 success, 1 the work
 * failed (bad or cut trace, I/O error), 2 bad usage. */
#ifndef TT_VIEWER_CLI_H
#define TT_VIEWER_CLI_H

/* TT_CLI_, not TT_EXIT_: schema.h's enum tt_exit_status owns TT_EXIT_OK. */
#define TT_CLI_OK 0
#define TT_CLI_FAIL 1
#define TT_CLI_USAGE 2

/* X(name, one-line help): add a line per command, keep the last without a
 * backslash. */
#define TT_COMMANDS(X)                                                                             \
  X(record, "run a program and record its events to a .ttrace file")                              \
  X(dump, "print the events of a .ttrace file, one a line")                                       \
  X(summary, "per-task busy/runnable/blocked time, locks, slow steps, latency")                   \
  X(timeline, "swimlanes in the terminal: one row per task, a character per slice")              \
  X(locks, "lock contention, per lock: waits, holds, who held it")                               \
  X(slow, "the slow steps, longest first")                                                       \
  X(export, "write a Perfetto (Chrome JSON) trace or a self-contained HTML timeline")           \
  X(import, "compress an LTTng trace of tasktrace events into a .ttrace file")                 \
  X(explore, "run a program under many schedules; shrink, save and show the first failure")

#define TT__CMD_DECL(name, help) int tt_cmd_##name(int argc, char **argv);
TT_COMMANDS(TT__CMD_DECL)
#undef TT__CMD_DECL

#endif
