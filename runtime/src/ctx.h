/* Private: the context switch. One backend per file, chosen by CMake:
 * ctx_x86_64.S, ctx_aarch64.S (callee-saved registers only: a few ns), or
 * ctx_ucontext.c (portable, ~200 ns: swapcontext makes a sigprocmask call). */
#ifndef TT_RUNTIME_CTX_H
#define TT_RUNTIME_CTX_H
#include <stddef.h>

#ifdef TT_CTX_UCONTEXT
#include <ucontext.h>
typedef struct tt__ctx {
  ucontext_t uc;
} tt__ctx;
#else
typedef struct tt__ctx {
  void *sp; /* saved stack pointer; the registers are on that stack */
} tt__ctx;
#endif

/* Make ctx start entry(arg) on the stack [stack, stack + size) at its first
 * switch. entry must never return. */
void tt__ctx_make(tt__ctx *ctx, void *stack, size_t size, void (*entry)(void *), void *arg);
/* Save the current context in from, resume to. */
void tt__ctx_switch(tt__ctx *from, tt__ctx *to);

/* Sanitizer annotations of a switch: AddressSanitizer must be told when
 * the stack changes, so that its fake stacks and shadow follow the task.
 * They compile to nothing in a normal build. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define tt__asan_start(fake, bottom, size) __sanitizer_start_switch_fiber((fake), (bottom), (size))
#define tt__asan_finish(fake, bottom, size) __sanitizer_finish_switch_fiber((fake), (bottom), (size))
#else
#define tt__asan_start(fake, bottom, size) ((void)(fake), (void)(bottom), (void)(size))
#define tt__asan_finish(fake, bottom, size) ((void)(fake), (void)(bottom), (void)(size))
#endif

#endif
