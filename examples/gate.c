/* gate — start only after set-up is done.
 *
 * A set-up task loads the configuration (it awaits a file read, here
 * tt_sleep_ms) while four consumer tasks start. The racy consumers "give
 * set-up a moment" with one yield (the `await asyncio.sleep(0)` habit) and
 * then go: set-up is still awaiting its read, so they run with an empty
 * configuration. The invariant: no consumer starts before set-up is done.
 *
 * The fix is a gate: an Event that set-up sets when it is done and that
 * every consumer waits on before it starts.
 */
#include "example.h"

#define CONSUMERS 4

static int fixed;
static tt_event ready;
static struct {
  int workers;          /* 0 until set-up is done */
  const char *endpoint; /* NULL until set-up is done */
} config;
static int early;       /* consumers that started before set-up was done */

static int setup(void *arg) {
  (void)arg;
  EX_CHECK(tt_sleep_ms(1)); /* await reading the configuration file */
  config.workers = 4;
  config.endpoint = "tcp://127.0.0.1:9000";
  if (fixed)
    tt_event_set(&ready); /* open the gate */
  return 0;
}

static int consumer(void *arg) {
  (void)arg;
  if (fixed)
    EX_CHECK(tt_event_wait(&ready, TT_FOREVER));
  else
    EX_CHECK(tt_yield()); /* "surely set-up has run by now" */
  if (config.workers == 0 || config.endpoint == NULL)
    early++; /* would connect to NULL with 0 workers */
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *tasks[CONSUMERS + 1];
  EX_CHECK(tt_event_init(&ready, "setup-done"));
  EX_CHECK(tt_spawn(&tasks[0], setup, NULL, "setup"));
  for (int i = 1; i <= CONSUMERS; i++) {
    char name[16];
    snprintf(name, sizeof name, "consumer-%d", i);
    EX_CHECK(tt_spawn(&tasks[i], consumer, NULL, name));
  }
  EX_CHECK(tt_gather(tasks, CONSUMERS + 1, NULL, TT_FOREVER));
  EX_CHECK(tt_event_close(&ready));
  if (early > 0) {
    printf("gate: %d of %d consumers started before set-up was done (they saw workers=0, "
           "endpoint=NULL)\n",
           early, CONSUMERS);
    return EX_BROKEN;
  }
  printf("gate: all %d consumers started after set-up was done (workers=%d, endpoint=%s)\n",
         CONSUMERS, config.workers, config.endpoint);
  return EX_OK;
}

int main(int argc, char **argv) {
  fixed = ex_parse_args(argc, argv, "gate",
                        "A set-up task loads the configuration while four consumers start.\n"
                        "Racy: the consumers yield once and go, before set-up is done.\n"
                        "--fixed: they wait on an Event that set-up sets when it is done.");
  return ex_run("gate", run, NULL);
}
