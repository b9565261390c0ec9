/* Without libFuzzer: run a fuzz target over its corpus files, then over
 * deterministic mutations of each (bit flips, byte overwrites, cuts,
 * duplicated spans), so that ctest fuzzes a little on every build with any
 * compiler. Build with TT_SANITIZE=ON to catch memory errors as well.
 *   fuzz-viewer-NAME-replay [-n MUTATIONS] FILE_OR_DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng = 42;
static uint64_t rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static long mutations = 200, runs;

static void run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)len + 1), *m = malloc((size_t)len * 2 + 64);
  if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
    perror(path);
    exit(1);
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, (size_t)len);
  runs++;
  for (long i = 0; i < mutations && len > 0; i++) {
    size_t n = (size_t)len;
    memcpy(m, buf, n);
    int k = 1 + (int)(rnd() % 4);
    while (k-- > 0) {
      size_t at = rnd() % n;
      switch (rnd() % 4) {
      case 0: m[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
      case 1: m[at] = (uint8_t)rnd(); break;
      case 2: n = at + 1; break; /* cut */
      default: {                  /* duplicate a span */
        size_t span = 1 + rnd() % 32;
        if (at + span <= n && n + span <= (size_t)len * 2 + 64) {
          memmove(m + at + span, m + at, n - at);
          n += span;
        }
      }
      }
    }
    LLVMFuzzerTestOneInput(m, n);
    runs++;
  }
  free(buf);
  free(m);
}

int main(int argc, char **argv) {
  int i = 1;
  if (argc > 2 && strcmp(argv[1], "-n") == 0) {
    mutations = atol(argv[2]);
    i = 3;
  }
  for (; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[i]);
      struct dirent *e;
      while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
          continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
        run_file(p);
      }
      closedir(d);
    } else {
      run_file(argv[i]);
    }
  }
  printf("%ld inputs, no crash\n", runs);
  return 0;
}
