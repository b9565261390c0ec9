/* tasktrace race detector — <tasktrace/race.h>: annotations for programs
 * built with tasktrace-cc (docs/race.md). */
#ifndef TASKTRACE_RACE_H
#define TASKTRACE_RACE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Never report [addr, addr+size): a known-benign pattern (a running peak
 * `if (v > peak) peak = v;` across yields reads like a stale check). */
void tt_race_ignore(const void *addr, size_t size);
#define TT_RACE_BENIGN(var) tt_race_ignore(&(var), sizeof(var))
/* Races reported so far in this process. */
unsigned tt_race_count(void);

#ifdef __cplusplus
}
#endif
#endif
