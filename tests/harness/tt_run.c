/* tt-run: run one of the suite's scripts like a C test (supervise.h): in
 * its own process group, with its own $TMPDIR, within a deadline; whatever
 * it leaves running is ended and its directory removed, even when it fails
 * or hangs. The exit status is the command's (77, "skipped", included).
 *   tt-run NAME [TIMEOUT_S] -- COMMAND ARGS...
 * TIMEOUT_S defaults to $TT_TEST_TIMEOUT, else none. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervise.h"

static void run_command(void *arg) {
  char **argv = arg;
  execvp(argv[0], argv);
  fprintf(stderr, "tt-run: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

int main(int argc, char **argv) {
  int sep = 1;
  while (sep < argc && strcmp(argv[sep], "--") != 0)
    sep++;
  if (sep < 2 || sep > 3 || sep + 1 >= argc) {
    fprintf(stderr, "usage: tt-run NAME [TIMEOUT_S] -- COMMAND ARGS...\n");
    return 2;
  }
  const char *t = sep == 3 ? argv[2] : getenv("TT_TEST_TIMEOUT");
  int timeout_s = t ? atoi(t) : 0;
  return tt__supervise(argv[1], run_command, argv + sep + 1, timeout_s);
}
