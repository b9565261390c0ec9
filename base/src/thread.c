/* tt_thread_start_nosig (tt_base.h): a helper thread that takes no signal.
 * A new thread inherits the creator's mask, so the mask is filled around
 * pthread_create and put back at once. */
#include <signal.h>

#include "tt_base.h"

int tt_thread_start_nosig(pthread_t *th, void *(*fn)(void *), void *arg) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int r = pthread_create(th, NULL, fn, arg);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return -r;
}
