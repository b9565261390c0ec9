/* What every example shares: the command line (--fixed, --help) and the
 * exit statuses. Each example is racy by default and correct with --fixed;
 * it exits 1 when its invariant broke, 0 when it held, 2 on a bad argument. */
#ifndef TT_EXAMPLE_H
#define TT_EXAMPLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tasktrace/tasktrace.h>

#define EX_OK 0
#define EX_BROKEN 1
#define EX_USAGE 2

/* Parse argv: returns 1 for --fixed, 0 for the racy default. Exits for
 * --help (0) and for anything else (2, with a one-line error). */
static inline int ex_parse_args(int argc, char **argv, const char *name, const char *about) {
  int fixed = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--fixed") == 0) {
      fixed = 1;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: %s [--fixed]\n\n%s\n\n"
             "  --fixed   run the corrected version (default: the racy one)\n"
             "  --help    show this help\n\n"
             "Exit status: 0 the invariant held, 1 it broke, 2 bad usage.\n"
             "TASKTRACE_SCHED_SEED=N runs under the seeded random scheduler.\n",
             name, about);
      exit(EX_OK);
    } else {
      fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", name, argv[i]);
      exit(EX_USAGE);
    }
  }
  return fixed;
}

/* Run main_fn under tt_run and turn its result into an exit status: the
 * task returns EX_OK or EX_BROKEN; a runtime failure is reported. */
static inline int ex_run(const char *name, tt_fn main_fn, void *arg) {
  int r = tt_run(main_fn, arg);
  if (r < 0) {
    fprintf(stderr, "%s: runtime error: %s\n", name, tt_strerror(r));
    return EX_BROKEN;
  }
  return r;
}

/* Abort with a message when a runtime call fails where it cannot in a
 * correct program: examples must not hide errors. */
#define EX_CHECK(call)                                                                             \
  do {                                                                                             \
    int ex_r_ = (call);                                                                            \
    if (ex_r_ < 0) {                                                                               \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, tt_strerror(ex_r_));           \
      exit(EX_BROKEN);                                                                             \
    }                                                                                              \
  } while (0)

#endif
