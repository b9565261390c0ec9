/* pipeline — producers and consumers over a shared buffer.
 *
 * Three producers hand 60 numbered items to two consumers. The racy
 * version shares a plain array with a count: a producer reads the count,
 * awaits preparing the item (tt_yield), then stores it at the slot it read
 * and bumps the count; a consumer reads the top item, awaits handling it,
 * then lowers the count. Two producers that read the same count write the
 * same slot (an item is lost); two consumers that read the same count take
 * the same item (it is duplicated). The invariant: every item consumed
 * exactly once.
 *
 * The fix is a bounded Queue: put waits while it is full, get while it is
 * empty, and each item goes to exactly one getter. A NULL item per
 * consumer says "no more".
 */
#include "example.h"

#define PRODUCERS 3
#define PER_PRODUCER 20
#define ITEMS (PRODUCERS * PER_PRODUCER)
#define CONSUMERS 2
#define CAP 8

static int fixed;
static int seen[ITEMS]; /* how many times each item was consumed */

/* The racy channel: a stack of items and its count. */
static int buf[CAP];
static int count;
static int producers_done;

/* The fixed channel. Items are item+1 cast to a pointer: NULL ends. */
static tt_queue queue;

static void consume(int item) {
  if (item >= 0 && item < ITEMS)
    seen[item]++;
}

static int producer(void *arg) {
  int first = (int)(intptr_t)arg;
  for (int item = first; item < first + PER_PRODUCER; item++) {
    if (fixed) {
      EX_CHECK(tt_queue_put(&queue, (void *)(intptr_t)(item + 1), TT_FOREVER));
      continue;
    }
    for (;;) {
      int n = count;
      if (n < CAP) {
        EX_CHECK(tt_yield()); /* await preparing the item */
        buf[n] = item;        /* the slot read before the await */
        count = n + 1;
        break;
      }
      EX_CHECK(tt_yield()); /* full: poll again later */
    }
  }
  return 0;
}

static int consumer(void *arg) {
  (void)arg;
  for (;;) {
    if (fixed) {
      void *p;
      EX_CHECK(tt_queue_get(&queue, &p, TT_FOREVER));
      if (p == NULL)
        return 0;
      consume((int)(intptr_t)p - 1);
      continue;
    }
    int n = count;
    if (n > 0) {
      int item = buf[n - 1];
      EX_CHECK(tt_yield()); /* await handling it */
      count = n - 1;        /* the count read before the await */
      consume(item);
    } else if (producers_done) {
      return 0;
    } else {
      EX_CHECK(tt_yield()); /* empty: poll again later */
    }
  }
}

static int run(void *arg) {
  (void)arg;
  tt_task *prod[PRODUCERS], *cons[CONSUMERS];
  EX_CHECK(tt_queue_init(&queue, CAP, "pipeline"));
  for (int i = 0; i < CONSUMERS; i++) {
    char name[16];
    snprintf(name, sizeof name, "consumer-%d", i);
    EX_CHECK(tt_spawn(&cons[i], consumer, NULL, name));
  }
  for (int i = 0; i < PRODUCERS; i++) {
    char name[16];
    snprintf(name, sizeof name, "producer-%d", i);
    EX_CHECK(tt_spawn(&prod[i], producer, (void *)(intptr_t)(i * PER_PRODUCER), name));
  }
  EX_CHECK(tt_gather(prod, PRODUCERS, NULL, TT_FOREVER));
  if (fixed)
    for (int i = 0; i < CONSUMERS; i++)
      EX_CHECK(tt_queue_put(&queue, NULL, TT_FOREVER));
  producers_done = 1;
  EX_CHECK(tt_gather(cons, CONSUMERS, NULL, TT_FOREVER));
  EX_CHECK(tt_queue_close(&queue));

  int lost = 0, duplicated = 0, consumed = 0;
  for (int i = 0; i < ITEMS; i++) {
    consumed += seen[i];
    if (seen[i] == 0)
      lost++;
    else if (seen[i] > 1)
      duplicated += seen[i] - 1;
  }
  if (lost > 0 || duplicated > 0) {
    printf("pipeline: %d items produced, %d consumed: %d lost, %d duplicated\n", ITEMS, consumed,
           lost, duplicated);
    return EX_BROKEN;
  }
  printf("pipeline: %d items produced, %d consumed: each exactly once\n", ITEMS, consumed);
  return EX_OK;
}

int main(int argc, char **argv) {
  fixed = ex_parse_args(argc, argv, "pipeline",
                        "Three producers hand 60 items to two consumers. Racy: through a shared\n"
                        "array and a count, updated across a yield: items are lost and\n"
                        "duplicated. --fixed: through a bounded Queue.");
  return ex_run("pipeline", run, NULL);
}
