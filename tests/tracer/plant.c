/* A planted "provider": its constructor proves it ran by creating the file
 * named by $TT_PLANT_MARKER. Built as a real shared object for
 * test_plant.c, which plants it where a careless loader would look. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void planted(void) {
  const char *m = getenv("TT_PLANT_MARKER");
  if (m != NULL) {
    int fd = open(m, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
      close(fd);
  }
}
