/* Portable context switch on ucontext: correct everywhere glibc runs, but
 * swapcontext saves the signal mask with a system call on every switch. */
#include <stdint.h>

#include "ctx.h"

static void trampoline(unsigned hi, unsigned lo, unsigned ehi, unsigned elo) {
  void *arg = (void *)(((uintptr_t)hi << 32) | lo);
  void (*entry)(void *) = (void (*)(void *))(((uintptr_t)ehi << 32) | elo);
  entry(arg);
}

void tt__ctx_make(tt__ctx *ctx, void *stack, size_t size, void (*entry)(void *), void *arg) {
  getcontext(&ctx->uc);
  ctx->uc.uc_stack.ss_sp = stack;
  ctx->uc.uc_stack.ss_size = size;
  ctx->uc.uc_link = NULL;
  uintptr_t a = (uintptr_t)arg, e = (uintptr_t)entry;
  /* makecontext passes ints: split the pointers. */
  makecontext(&ctx->uc, (void (*)(void))trampoline, 4, (unsigned)(a >> 32), (unsigned)a,
              (unsigned)(e >> 32), (unsigned)e);
}

void tt__ctx_switch(tt__ctx *from, tt__ctx *to) { swapcontext(&from->uc, &to->uc); }
