/* tt__ctx_make for the assembly backends: lay out the first frame so that
 * the first tt__ctx_switch to ctx "returns" into tt__ctx_trampoline with
 * entry and arg in callee-saved registers. */
#include <stdint.h>
#include <string.h>

#include "ctx.h"

void tt__ctx_trampoline(void);

void tt__ctx_make(tt__ctx *ctx, void *stack, size_t size, void (*entry)(void *), void *arg) {
  uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
  /* Popped by tt__ctx_switch: r15 r14 r13 r12 rbx rbp, then ret. After the
   * ret, rsp == top (16-aligned), so the trampoline's call gives entry the
   * alignment the ABI promises (rsp + 8 a multiple of 16). */
  uint64_t *sp = (uint64_t *)top;
  *--sp = (uint64_t)(uintptr_t)tt__ctx_trampoline; /* return address */
  *--sp = 0;                                       /* rbp */
  *--sp = 0;                                       /* rbx */
  *--sp = (uint64_t)(uintptr_t)entry;              /* r12 */
  *--sp = (uint64_t)(uintptr_t)arg;                /* r13 */
  *--sp = 0;                                       /* r14 */
  *--sp = 0;                                       /* r15 */
  ctx->sp = sp;
#elif defined(__aarch64__)
  /* tt__ctx_switch's 160-byte frame: x19..x30 at [0..11], d8..d15 after.
   * x29 = 0 ends the frame-pointer chain; after the ret, sp == top. */
  uint64_t *frame = (uint64_t *)(top - 160);
  memset(frame, 0, 160);
  frame[0] = (uint64_t)(uintptr_t)entry;              /* x19 */
  frame[1] = (uint64_t)(uintptr_t)arg;                /* x20 */
  frame[11] = (uint64_t)(uintptr_t)tt__ctx_trampoline; /* x30 */
  ctx->sp = frame;
#else
#error "no assembly context switch for this architecture: configure with -DTT_SWITCH=ucontext"
#endif
}
