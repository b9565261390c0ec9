/* bank — check-then-act across a yield.
 *
 * An account holds 100. Five customers each withdraw 30 at about the same
 * time. The racy withdraw checks the balance, then awaits an approval
 * (tt_sleep_ms: a call to a fraud-check service), then debits. All five
 * checks see 100 before any debit, so all five are approved and the
 * balance ends at -50. The invariant: the balance never goes negative.
 *
 * The fix holds a Lock from the check to the debit, so the check is still
 * true when the debit happens: three withdrawals go through, two are
 * refused, the balance ends at 10.
 */
#include "example.h"

#define START 100
#define AMOUNT 30
#define CUSTOMERS 5

static int fixed;
static int balance = START;
static int lowest = START; /* the lowest balance ever seen */
static int approved, refused;
static tt_lock lock;

static int withdraw(void *arg) {
  int amount = (int)(intptr_t)arg;
  if (fixed)
    EX_CHECK(tt_lock_acquire(&lock, TT_FOREVER));
  if (balance >= amount) {       /* check */
    EX_CHECK(tt_sleep_ms(1));    /* await approval: others run here */
    balance -= amount;           /* act, on a check that may be stale */
    approved++;
    if (balance < lowest)
      lowest = balance;
  } else {
    refused++;
  }
  if (fixed)
    EX_CHECK(tt_lock_release(&lock));
  return 0;
}

static int run(void *arg) {
  (void)arg;
  tt_task *tasks[CUSTOMERS];
  EX_CHECK(tt_lock_init(&lock, "account-lock"));
  for (int i = 0; i < CUSTOMERS; i++) {
    char name[16];
    snprintf(name, sizeof name, "customer-%d", i);
    EX_CHECK(tt_spawn(&tasks[i], withdraw, (void *)(intptr_t)AMOUNT, name));
  }
  EX_CHECK(tt_gather(tasks, CUSTOMERS, NULL, TT_FOREVER));
  EX_CHECK(tt_lock_close(&lock));
  if (lowest < 0) {
    printf("bank: balance went negative: %d (%d withdrawals of %d approved from %d, %d refused)\n",
           lowest, approved, AMOUNT, START, refused);
    return EX_BROKEN;
  }
  printf("bank: balance %d, never negative (%d withdrawals of %d approved from %d, %d refused)\n",
         balance, approved, AMOUNT, START, refused);
  return EX_OK;
}

int main(int argc, char **argv) {
  fixed = ex_parse_args(argc, argv, "bank",
                        "Five customers withdraw 30 each from an account of 100; the balance is\n"
                        "checked, then an approval is awaited, then the money is debited.\n"
                        "Racy: all are approved and the balance goes negative. --fixed: a Lock\n"
                        "from the check to the debit.");
  return ex_run("bank", run, NULL);
}
