/* The physical floor of `tasktrace-bench million` (scripts/bench.sh): one
 * fresh 4 KiB page touched in each of a million 64 KiB slots, which is what
 * a million tasks that each ran once on their own stack cost the kernel at
 * the least (one first-touch page fault each), with no runtime at all.
 * Prints the lines bench.sh reads, as tasktrace-bench does:
 *   million spawn_s=S peak_rss_kb=K bytes_per_task=B
 *   million ns_per_op=X ops=N */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 1000000L
#define SLOT (64L << 10)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  long n = SLOTS;
  if (argc == 2 && strcmp(argv[1], "--quick") == 0)
    n /= 100;
  else if (argc != 1) {
    fprintf(stderr, "usage: tt-bench-floor [--quick]\n");
    return 2;
  }
  double t0 = now_s();
  /* One reservation, as the runtime's dense slabs are: no per-slot VMA. */
  char *base = mmap(NULL, (size_t)n * SLOT, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    perror("tt-bench-floor: mmap");
    return 1;
  }
  /* Stacks grow down: a task's first frame is in its slot's top page. */
  for (long i = 0; i < n; i++)
    base[(i + 1) * SLOT - 64] = (char)i;
  double t = now_s() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("million spawn_s=%.3f peak_rss_kb=%ld bytes_per_task=%.0f\n", t, ru.ru_maxrss,
         ru.ru_maxrss * 1024.0 / (double)n);
  printf("million ns_per_op=%.1f ops=%ld\n", t * 1e9 / (double)n, n);
  return 0;
}
