/* Invariants checked after every step (tt_invariant_add in tasktrace.h).
 *
 * The check sits in tt__switch_out, where every step of every task ends:
 * the step that broke an invariant is the one that just ended, and its task
 * is the one switching out. The step's start is where that task last
 * switched out (or its start), kept in inv_from only while checking is on. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

typedef struct invariant {
  int (*fn)(void *);
  void *arg;
  const char *name;
} invariant;

static invariant *invs;
static size_t ninvs;
bool tt__inv_on;

int tt_invariant_add(int (*fn)(void *arg), void *arg, const char *name) {
  if (fn == NULL || name == NULL)
    return -EINVAL;
  invariant *n = realloc(invs, (ninvs + 1) * sizeof *n);
  if (n == NULL)
    return -ENOMEM;
  invs = n;
  invs[ninvs++] = (invariant){fn, arg, name};
  /* The configuration is loaded by tt_run: an invariant added inside the
   * run sees it; one added before is switched on by the first check below. */
  tt__inv_on = true;
  return 0;
}

void tt__invariant_check(tt_task *self, const char *end_site) {
  if (!tt__cfg.invariants)
    return;
  tt__task_ext *x = tt__ext_of(self);
  const char *from = x != NULL ? x->inv_from : NULL; /* out of memory: "its start" */
  if (x != NULL)
    x->inv_from = end_site;
  for (size_t i = 0; i < ninvs; i++) {
    if (invs[i].fn(invs[i].arg))
      continue;
    char e[256];
    fprintf(stderr, "tasktrace: invariant '%s' broken by the step of ", tt_esc(e, sizeof e, invs[i].name));
    tt__describe_task(stderr, self);
    fprintf(stderr, " that began at %s and ended at %s\n", from ? from : "its start",
            self->state == TT__T_DONE ? "its return" : end_site ? end_site : "an unknown call");
    tt_tracer_flush();
    fflush(NULL);
    tt__policy_exiting();
    _exit(TT_INVARIANT_EXIT);
  }
}
