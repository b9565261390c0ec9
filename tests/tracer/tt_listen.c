/* tt-listen SOCKET RESULT TIMEOUT_MS: a stand-in for an attacker's
 * listener. Binds SOCKET, accepts one connection within TIMEOUT_MS, reads
 * until EOF or TIMEOUT_MS of silence, and writes the number of bytes it
 * received to RESULT ("0" if nobody connected). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: tt-listen SOCKET RESULT TIMEOUT_MS\n");
    return 2;
  }
  int ms = atoi(argv[3]);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 8) < 0) {
    perror(argv[1]);
    return 1;
  }
  long total = 0;
  struct pollfd p = {s, POLLIN, 0};
  if (poll(&p, 1, ms) == 1) {
    int c = accept(s, NULL, NULL);
    char buf[4096];
    struct pollfd q = {c, POLLIN, 0};
    while (c >= 0 && poll(&q, 1, ms) == 1) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0)
        break;
      total += n;
    }
  }
  FILE *f = fopen(argv[2], "w");
  if (f == NULL) {
    perror(argv[2]);
    return 1;
  }
  fprintf(f, "%ld\n", total);
  fclose(f);
  unlink(argv[1]);
  return 0;
}
