/* A program of someone else's: built outside the tree, against an
 * installed tasktrace (check_package.sh). It prints "balance 20". */
#include <stdint.h>
#include <stdio.h>

#include <tasktrace/tasktrace.h>

static tt_lock lock;
static int balance = 100;

static int withdraw(void *arg) {
  int amount = (int)(intptr_t)arg, r;
  if ((r = tt_lock_acquire(&lock, tt_after_ms(500))) < 0)
    return r;
  if (balance >= amount) {
    tt_yield();
    balance -= amount;
  }
  tt_lock_release(&lock);
  return 0;
}

static int main_task(void *arg) {
  tt_task *t[2];
  (void)arg;
  tt_lock_init(&lock, "balance");
  tt_spawn(&t[0], withdraw, (void *)80, "alice");
  tt_spawn(&t[1], withdraw, (void *)80, "bob");
  int r = tt_gather(t, 2, NULL, TT_FOREVER);
  printf("balance %d\n", balance);
  return r;
}

int main(void) { return tt_run(main_task, NULL) < 0; }
