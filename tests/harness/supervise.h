/* Running one test, supervised (supervise.c): used by the C harness
 * (tt_test.c) and by tt-run, which runs the suite's scripts. */
#ifndef TT_SUPERVISE_H
#define TT_SUPERVISE_H

/* Run body(arg) in a forked child that leads its own process group, with
 * its own temporary directory (tt_test_tmpdir(), also its $TMPDIR), for at
 * most timeout_s seconds (0: no limit). However it ends (passed, failed,
 * crashed, timed out, or this process got SIGTERM/SIGINT/SIGHUP), every
 * process left in the group gets SIGTERM, then SIGKILL 3 s later, and the
 * directory is removed. Returns the child's exit status, or 1 when it was
 * killed by a signal or ran out of time (said on stderr). */
int tt__supervise(const char *name, void (*body)(void *), void *arg, int timeout_s);
/* The current test's directory, or NULL. */
const char *tt__supervise_dir(void);

#endif
