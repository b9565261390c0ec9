/* tasktrace — <tasktrace/defs.h>: the few macros every public header shares.
 * Nothing here depends on another tasktrace component. */
#ifndef TASKTRACE_DEFS_H
#define TASKTRACE_DEFS_H

#if defined(__GNUC__)
#define TT_EXTERN __attribute__((visibility("default")))
#define TT_LIKELY(x) __builtin_expect(!!(x), 1)
#define TT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TT_EXTERN
#define TT_LIKELY(x) (x)
#define TT_UNLIKELY(x) (x)
#endif

#endif /* TASKTRACE_DEFS_H */
