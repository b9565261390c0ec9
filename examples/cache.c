/* cache — the cache stampede.
 *
 * Eight tasks ask a lazy cache for the same key at once. The racy get()
 * checks the cache, misses, and awaits the slow backend (tt_sleep_ms) to
 * fill it. Every task checks before the first fetch comes back, so every
 * task misses and every task fetches: eight backend calls for one value.
 * The invariant: exactly one fetch per key.
 *
 * The fix marks the entry in flight before awaiting the backend, with an
 * Event in the entry: a task that finds the fetch in flight waits on the
 * Event instead of fetching again, and the one fetcher sets it.
 */
#include "example.h"

#define NTASKS 8
#define KEY 42

enum { EMPTY, FETCHING, PRESENT };

static int fixed;
static int fetches; /* backend calls */
static int wrong;   /* tasks that got a wrong value */

/* One cache entry (one key is enough to show the stampede). */
static struct {
  int state;       /* EMPTY, FETCHING (fixed version only), PRESENT */
  int value;
  tt_event filled; /* set once value is there */
} entry;

/* The slow backend: a database or a remote service. */
static int backend_fetch(int key) {
  fetches++;
  EX_CHECK(tt_sleep_ms(1));
  return key * 1000;
}

static int cache_get(int key) {
  if (entry.state == PRESENT)
    return entry.value;
  if (fixed) {
    if (entry.state == FETCHING) {
      /* Someone is fetching it already: wait for that result. */
      EX_CHECK(tt_event_wait(&entry.filled, TT_FOREVER));
      return entry.value;
    }
    entry.state = FETCHING; /* before the await: others now see it */
  }
  int v = backend_fetch(key); /* the await: every other task runs here */
  entry.value = v;
  entry.state = PRESENT;
  if (fixed)
    tt_event_set(&entry.filled);
  return v;
}

static int client(void *arg) {
  (void)arg;
  if (cache_get(KEY) != KEY * 1000)
    wrong++;
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *tasks[NTASKS];
  EX_CHECK(tt_event_init(&entry.filled, "cache-filled"));
  for (int i = 0; i < NTASKS; i++) {
    char name[16];
    snprintf(name, sizeof name, "client-%d", i);
    EX_CHECK(tt_spawn(&tasks[i], client, NULL, name));
  }
  EX_CHECK(tt_gather(tasks, NTASKS, NULL, TT_FOREVER));
  EX_CHECK(tt_event_close(&entry.filled));
  if (fetches != 1 || wrong != 0) {
    printf("cache: expected 1 fetch, got %d (a stampede: %d of %d clients missed and fetched)\n",
           fetches, fetches, NTASKS);
    if (wrong > 0)
      printf("cache: %d clients got a wrong value\n", wrong);
    return EX_BROKEN;
  }
  printf("cache: expected 1 fetch, got 1 (%d clients served, %d of them waited for it)\n", NTASKS,
         NTASKS - 1);
  return EX_OK;
}

int main(int argc, char **argv) {
  fixed = ex_parse_args(argc, argv, "cache",
                        "Eight tasks read the same key from a lazy cache at once. Racy: all miss\n"
                        "and all call the slow backend. --fixed: an in-flight Event, so exactly\n"
                        "one fetch happens and the others wait for it.");
  return ex_run("cache", run, NULL);
}
