/* Self-test of one context-switch backend, linked with nothing but that
 * backend (ctx_asm.c + ctx_<arch>.S, or ctx_ucontext.c): no libuv, no
 * runtime, no harness, so it cross-compiles with a bare toolchain and runs
 * under qemu-user. Exit 0 when every check passes, 1 at the first failure.
 *
 * What a broken switch gets wrong, and the check that catches it:
 * - a callee-saved register not saved or restored: regs_switch() loads a
 *   fresh bit pattern into every callee-saved register (x86-64: rbx rbp
 *   r12-r15; AArch64: x19-x29 d8-d15) right before tt__ctx_switch and
 *   stores them right after it resumes, on both sides of every switch;
 *   compute() does the same from C at -O2 with live longs and doubles;
 * - a misaligned first frame: each coroutine entry checks its frame address
 *   and an aligned local, and does an aligned SSE store (movapd faults);
 * - the wrong arg, a wrong resume order, a lost switch: counters and a log;
 * - a stack that is not really the coroutine's: deep recursion whose frames
 *   must lie in [stack, stack + size), with a guard page under the stack.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "ctx.h"

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

/* ---- Register-level check ----------------------------------------------- */

/* regs_switch(from, to, in, out): load in[] into the callee-saved registers,
 * tt__ctx_switch(from, to), and once resumed store those registers in out[].
 * A correct switch gives out == in whatever ran in between. Written in
 * assembly because C cannot pin values in chosen registers across a call. */
#define NREGS 20
void regs_switch(tt__ctx *from, tt__ctx *to, const uint64_t *in, uint64_t *out);

#if defined(__x86_64__)
/* rdi from, rsi to, rdx in, rcx out. 7 pushes after the return address
 * leave rsp 16-aligned at the call. in[0..5] = rbx rbp r12 r13 r14 r15. */
__asm__(".text\n"
        ".type regs_switch, @function\n"
        "regs_switch:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n"
        "  pushq %r14\n  pushq %r15\n  pushq %rcx\n"
        "  movq 0(%rdx), %rbx\n  movq 8(%rdx), %rbp\n  movq 16(%rdx), %r12\n"
        "  movq 24(%rdx), %r13\n  movq 32(%rdx), %r14\n  movq 40(%rdx), %r15\n"
        "  call tt__ctx_switch@PLT\n"
        "  popq %rcx\n"
        "  movq %rbx, 0(%rcx)\n  movq %rbp, 8(%rcx)\n  movq %r12, 16(%rcx)\n"
        "  movq %r13, 24(%rcx)\n  movq %r14, 32(%rcx)\n  movq %r15, 40(%rcx)\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size regs_switch, .-regs_switch\n");
#define NCHECKED 6
#elif defined(__aarch64__)
/* x0 from, x1 to, x2 in, x3 out. in[0..10] = x19..x29, in[11..18] = d8..d15.
 * x29 is loaded too (the frame chain is broken only inside this window). */
__asm__(".text\n"
        ".type regs_switch, %function\n"
        "regs_switch:\n"
        "  stp x29, x30, [sp, #-176]!\n"
        "  stp x19, x20, [sp, #16]\n  stp x21, x22, [sp, #32]\n"
        "  stp x23, x24, [sp, #48]\n  stp x25, x26, [sp, #64]\n"
        "  stp x27, x28, [sp, #80]\n"
        "  stp d8, d9, [sp, #96]\n  stp d10, d11, [sp, #112]\n"
        "  stp d12, d13, [sp, #128]\n  stp d14, d15, [sp, #144]\n"
        "  str x3, [sp, #160]\n"
        "  ldp x19, x20, [x2, #0]\n  ldp x21, x22, [x2, #16]\n"
        "  ldp x23, x24, [x2, #32]\n  ldp x25, x26, [x2, #48]\n"
        "  ldp x27, x28, [x2, #64]\n  ldr x29, [x2, #80]\n"
        "  ldp d8, d9, [x2, #88]\n  ldp d10, d11, [x2, #104]\n"
        "  ldp d12, d13, [x2, #120]\n  ldp d14, d15, [x2, #136]\n"
        "  bl tt__ctx_switch\n"
        "  ldr x3, [sp, #160]\n"
        "  stp x19, x20, [x3, #0]\n  stp x21, x22, [x3, #16]\n"
        "  stp x23, x24, [x3, #32]\n  stp x25, x26, [x3, #48]\n"
        "  stp x27, x28, [x3, #64]\n  str x29, [x3, #80]\n"
        "  stp d8, d9, [x3, #88]\n  stp d10, d11, [x3, #104]\n"
        "  stp d12, d13, [x3, #120]\n  stp d14, d15, [x3, #136]\n"
        "  ldp x19, x20, [sp, #16]\n  ldp x21, x22, [sp, #32]\n"
        "  ldp x23, x24, [sp, #48]\n  ldp x25, x26, [sp, #64]\n"
        "  ldp x27, x28, [sp, #80]\n"
        "  ldp d8, d9, [sp, #96]\n  ldp d10, d11, [sp, #112]\n"
        "  ldp d12, d13, [sp, #128]\n  ldp d14, d15, [sp, #144]\n"
        "  ldp x29, x30, [sp], #176\n"
        "  ret\n"
        ".size regs_switch, .-regs_switch\n");
#define NCHECKED 19
#else
#error "ctx_selftest: no register check for this architecture"
#endif

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t switches;

/* Switch with every callee-saved register holding a pattern unique to this
 * (who, n) and check they all come back. */
static void checked_switch(tt__ctx *from, tt__ctx *to, uint64_t who, uint64_t n) {
  uint64_t in[NREGS], out[NREGS];
  for (int i = 0; i < NREGS; i++) {
    in[i] = mix64((who << 40) ^ (n << 8) ^ (uint64_t)i);
    out[i] = ~in[i];
  }
  switches++;
  regs_switch(from, to, in, out);
  for (int i = 0; i < NCHECKED; i++) {
    if (out[i] != in[i]) {
      fprintf(stderr, "register slot %d clobbered across a switch (who %" PRIu64 ", n %" PRIu64
                      "): %#" PRIx64 " != %#" PRIx64 "\n",
              i, who, n, out[i], in[i]);
      exit(1);
    }
  }
}

/* ---- Coroutines --------------------------------------------------------- */

#define NCO 4
#define STACK_SIZE (512 * 1024)
#define MAGIC 0x5eedc0deu

typedef struct co {
  tt__ctx ctx;
  uint32_t magic;
  int id;
  void (*body)(struct co *);
  tt__ctx *back;      /* where to yield to */
  struct co *next;    /* for the chain test */
  char *stack;        /* usable stack, a guard page below it */
  size_t stack_size;
  uint64_t count;     /* steps run */
  int done;
  uint64_t result[16];
} co;

static tt__ctx main_ctx;
static co cos[NCO];
static int chain_log[64];
static int chain_len;

/* Launder a value so the compiler cannot fold a check on it. */
static uintptr_t opaque(uintptr_t v) {
  __asm__ volatile("" : "+r"(v));
  return v;
}

/* Called from each entry: the first frame must have the ABI alignment. */
static __attribute__((noinline)) void check_alignment(void) {
  _Alignas(16) volatile unsigned char buf[16];
  buf[0] = 1;
  CHECK((opaque((uintptr_t)buf) & 15) == 0);
  /* x86-64: rbp = entry rsp - 8; AArch64: x29 = sp. Both 16-aligned. */
  CHECK((opaque((uintptr_t)__builtin_frame_address(0)) & 15) == 0);
#if defined(__x86_64__)
  /* What misalignment breaks in real code: movapd to the stack faults. */
  _Alignas(16) double v[2];
  _mm_store_pd(v, _mm_set_pd(1.5, 2.5));
  __asm__ volatile("" : : "r"(v) : "memory");
  CHECK(v[0] == 2.5 && v[1] == 1.5);
#endif
}

static void co_entry(void *arg) {
  co *c = arg;
  CHECK(c >= cos && c < cos + NCO && c->magic == MAGIC);
  CHECK((char *)__builtin_frame_address(0) > c->stack &&
        (char *)__builtin_frame_address(0) < c->stack + c->stack_size);
  check_alignment();
  c->body(c);
  c->done = 1;
  /* An entry never returns: park for good. */
  for (;;)
    tt__ctx_switch(&c->ctx, c->back);
}

static void start(co *c, void (*body)(co *), size_t misalign) {
  c->magic = MAGIC;
  c->body = body;
  c->back = &main_ctx;
  c->count = 0;
  c->done = 0;
  /* misalign: a stack top that is not 16-aligned, which tt__ctx_make must
   * round down. */
  tt__ctx_make(&c->ctx, c->stack, c->stack_size - misalign, co_entry, c);
}

/* ---- 1. Ping-pong between main and the coroutines, registers checked ---- */

#define PINGPONG_ROUNDS 20000

static void pingpong_body(co *c) {
  for (uint64_t n = 0; n < PINGPONG_ROUNDS; n++) {
    c->count++;
    checked_switch(&c->ctx, c->back, 100 + (uint64_t)c->id, n);
  }
}

static void test_pingpong(size_t misalign) {
  for (int i = 0; i < NCO; i++)
    start(&cos[i], pingpong_body, misalign * (size_t)i);
  for (uint64_t n = 0; n < PINGPONG_ROUNDS; n++)
    for (int i = 0; i < NCO; i++) {
      checked_switch(&main_ctx, &cos[i].ctx, 1, n * NCO + (uint64_t)i);
      CHECK(cos[i].count == n + 1 && !cos[i].done);
    }
  for (int i = 0; i < NCO; i++) {
    tt__ctx_switch(&main_ctx, &cos[i].ctx);
    CHECK(cos[i].done && cos[i].count == PINGPONG_ROUNDS);
  }
}

/* ---- 2. Coroutine to coroutine, as the scheduler does -------------------- */

#define CHAIN_ROUNDS 5

static void chain_body(co *c) {
  for (int n = 0; n < CHAIN_ROUNDS; n++) {
    CHECK(chain_len < 64);
    chain_log[chain_len++] = c->id;
    c->count++;
    /* The last one goes back to main, the others straight to the next. */
    tt__ctx *to = c->next ? &c->next->ctx : &main_ctx;
    checked_switch(&c->ctx, to, 200 + (uint64_t)c->id, (uint64_t)n);
  }
}

static void test_chain(void) {
  chain_len = 0;
  for (int i = 0; i < NCO; i++) {
    start(&cos[i], chain_body, 0);
    cos[i].next = i + 1 < NCO ? &cos[i + 1] : NULL;
  }
  for (int n = 0; n < CHAIN_ROUNDS; n++)
    checked_switch(&main_ctx, &cos[0].ctx, 2, (uint64_t)n);
  CHECK(chain_len == CHAIN_ROUNDS * NCO);
  for (int k = 0; k < chain_len; k++)
    CHECK(chain_log[k] == k % NCO);
  for (int i = 0; i < NCO; i++) {
    cos[i].next = NULL;
    tt__ctx_switch(&main_ctx, &cos[i].ctx);
    CHECK(cos[i].done);
  }
}

/* ---- 3. Live longs and doubles across switches, from C at -O2 ------------ */

typedef void (*yield_fn)(co *);
static void yield_nop(co *c) { (void)c; }
static void yield_main(co *c) { tt__ctx_switch(&c->ctx, c->back); }
/* Called through a volatile pointer: an opaque call the values live across. */
static yield_fn volatile yield_ptr;

#define COMPUTE_ROUNDS 3000

/* Eight longs and ten doubles live across each yield: more than the
 * callee-saved registers of either ABI, so some live in callee-saved
 * registers (x86-64: rbx rbp r12-r15; AArch64: x19-x28 d8-d15) and the rest
 * in stack slots, both of which the switch must preserve. */
static __attribute__((noinline)) void compute(co *c, uint64_t seed, uint64_t out[16]) {
  uint64_t a = mix64(seed + 1), b = mix64(seed + 2), e = mix64(seed + 3), f = mix64(seed + 4);
  uint64_t g = mix64(seed + 5), h = mix64(seed + 6), k = mix64(seed + 7), m = mix64(seed + 8);
  double p = (double)(a >> 44), q = (double)(b >> 44), r = (double)(e >> 44), s = (double)(f >> 44);
  double t = 0.25, u = 0.5, v = 0.75, w = 1.25, x = 1.5, y = 1.75;
  for (int i = 0; i < COMPUTE_ROUNDS; i++) {
    a = a * 6364136223846793005ull + 1442695040888963407ull;
    b ^= a >> 17;
    e += b * 3;
    f = (f << 7 | f >> 57) ^ e;
    p = p * 0.5 + (double)(a >> 52);
    q = q * 0.75 + p * 0.125;
    r = r * 0.5 + q * 0.25 + (double)(b & 1023);
    s = s * 0.875 + r * 0.0625;
    yield_ptr(c);
    g += f ^ (uint64_t)p;
    h ^= g * 0x9e3779b97f4a7c15ull;
    k = k * 5 + (h >> 29);
    m -= k ^ a;
    t = t * 0.5 + s * 0.125;
    u = u * 0.25 + t + (double)(g & 255);
    v = v * 0.5 + u * 0.375 - (double)(h & 127);
    w = w * 0.625 + v * 0.25;
    x = x * 0.5 + w * 0.125 + p;
    y = y * 0.75 + x * 0.0625 - q;
  }
  uint64_t ints[8] = {a, b, e, f, g, h, k, m};
  double dbls[8] = {p + t, q + u, r + v, s + w, x, y, p * q, r * s};
  memcpy(out, ints, sizeof ints);
  memcpy(out + 8, dbls, sizeof dbls);
}

static void compute_body(co *c) {
  compute(c, 1000 + (uint64_t)c->id, c->result);
}

static void test_compute(void) {
  uint64_t ref[NCO][16];
  yield_ptr = yield_nop;
  for (int i = 0; i < NCO; i++)
    compute(NULL, 1000 + (uint64_t)i, ref[i]);
  yield_ptr = yield_main;
  for (int i = 0; i < NCO; i++)
    start(&cos[i], compute_body, 0);
  for (int alive = NCO; alive > 0;) {
    alive = 0;
    for (int i = 0; i < NCO; i++)
      if (!cos[i].done) {
        tt__ctx_switch(&main_ctx, &cos[i].ctx);
        switches++;
        alive += !cos[i].done;
      }
  }
  for (int i = 0; i < NCO; i++)
    CHECK(memcmp(cos[i].result, ref[i], sizeof ref[i]) == 0);
}

/* ---- 4. Deep recursion on the coroutine stack, interleaved -------------- */

#define DEPTH 1500

/* no_sanitize_address: under ASan's detect_stack_use_after_return the
 * locals would live in its heap-allocated fake frames, not on this stack. */
static __attribute__((noinline, no_sanitize_address)) uint64_t recurse(co *c, int depth) {
  volatile unsigned char pad[96];
  for (int i = 0; i < 96; i++)
    pad[i] = (unsigned char)(depth + i);
  /* result[2]: the lowest frame address seen, per coroutine (they interleave). */
  if (c != NULL && (uintptr_t)pad < c->result[2])
    c->result[2] = (uintptr_t)pad;
  if (c != NULL && depth % 250 == 0) {
    CHECK((char *)pad >= c->stack && (char *)pad < c->stack + c->stack_size);
    c->count++;
    tt__ctx_switch(&c->ctx, c->back);
  }
  if (depth == 0)
    return 1;
  uint64_t r = recurse(c, depth - 1);
  return r * 31 + pad[depth % 96];
}

static void recurse_body(co *c) {
  uintptr_t top = (uintptr_t)(c->stack + c->stack_size);
  c->result[2] = top;
  c->result[0] = recurse(c, DEPTH + c->id * 100);
  c->result[1] = top - c->result[2]; /* stack depth reached */
}

static void test_recursion(void) {
  for (int i = 0; i < NCO; i++)
    start(&cos[i], recurse_body, 0);
  for (int alive = NCO; alive > 0;) {
    alive = 0;
    for (int i = 0; i < NCO; i++)
      if (!cos[i].done) {
        tt__ctx_switch(&main_ctx, &cos[i].ctx);
        switches++;
        alive += !cos[i].done;
      }
  }
  for (int i = 0; i < NCO; i++) {
    CHECK(cos[i].result[0] == recurse(NULL, DEPTH + i * 100));
    CHECK(cos[i].count == (uint64_t)(DEPTH + i * 100) / 250 + 1);
    /* Each frame is at least the 96-byte pad: the recursion really ran
     * deep on this stack, and stayed inside it (the guard page is below). */
    CHECK(cos[i].result[1] >= (uint64_t)(DEPTH + i * 100) * 96);
    CHECK(cos[i].result[1] < cos[i].stack_size);
  }
}

/* ---- main ---------------------------------------------------------------- */

static void alloc_stack(co *c) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  char *m = mmap(NULL, STACK_SIZE + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  CHECK(m != MAP_FAILED);
  CHECK(mprotect(m, page, PROT_NONE) == 0);
  c->stack = m + page;
  c->stack_size = STACK_SIZE;
}

int main(void) {
  for (int i = 0; i < NCO; i++) {
    cos[i].id = i;
    alloc_stack(&cos[i]);
  }
  /* Each test re-makes contexts on the stacks the last one left: stack
   * reuse, as the runtime's stack cache does. */
  test_pingpong(0);
  printf("ok pingpong: %d coroutines x %d rounds, registers checked\n", NCO, PINGPONG_ROUNDS);
  test_pingpong(8); /* stack tops 0, 8, 16, 24 bytes short of 16-aligned */
  printf("ok pingpong on misaligned stack tops\n");
  test_chain();
  printf("ok chain: coroutine to coroutine\n");
  test_compute();
  printf("ok compute: live longs and doubles across %d switches each\n", COMPUTE_ROUNDS);
  test_recursion();
  printf("ok recursion: depth %d..%d, interleaved\n", DEPTH, DEPTH + (NCO - 1) * 100);
  printf("ok %" PRIu64 " switches\n", switches);
  return 0;
}
