/* counter — the read-modify-write across a yield.
 *
 * Ten tasks each add 1 to a shared counter. The racy version reads the
 * counter, awaits something (here tt_yield, asyncio's `await sleep(0)`;
 * in real code a log write or a database call), then writes back what it
 * read plus one. Every task reads 0 before any writes, so the ten
 * increments collapse into one: expected 10, got 1.
 *
 * The fix holds a Lock across the whole read-yield-write, so each task
 * sees the value the previous one wrote.
 */
#include "example.h"

#define NTASKS 10

static int fixed;
static int counter;
static tt_lock lock;

static int increment(void *arg) {
  (void)arg;
  if (fixed)
    EX_CHECK(tt_lock_acquire(&lock, TT_FOREVER));
  int v = counter;     /* read */
  EX_CHECK(tt_yield()); /* the await in the middle: other tasks run here */
  counter = v + 1;     /* write back a value that may be stale by now */
  if (fixed)
    EX_CHECK(tt_lock_release(&lock));
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *tasks[NTASKS];
  EX_CHECK(tt_lock_init(&lock, "counter-lock"));
  for (int i = 0; i < NTASKS; i++) {
    char name[16];
    snprintf(name, sizeof name, "inc-%d", i);
    EX_CHECK(tt_spawn(&tasks[i], increment, NULL, name));
  }
  EX_CHECK(tt_gather(tasks, NTASKS, NULL, TT_FOREVER));
  EX_CHECK(tt_lock_close(&lock));
  if (counter != NTASKS) {
    printf("counter: expected %d, got %d (%d increments lost)\n", NTASKS, counter,
           NTASKS - counter);
    return EX_BROKEN;
  }
  printf("counter: expected %d, got %d\n", NTASKS, counter);
  return EX_OK;
}

int main(int argc, char **argv) {
  fixed = ex_parse_args(argc, argv, "counter",
                        "Ten tasks increment a shared counter with a yield between the read and\n"
                        "the write. Racy: increments are lost. --fixed: a Lock around it.");
  return ex_run("counter", run, NULL);
}
