/* x86-64 System V context switch: save the callee-saved registers on the
 * current stack, swap stack pointers, restore. The x87 control word and
 * MXCSR are callee-saved too; tasks inherit the loop thread's and nothing in
 * tasktrace changes them, so they are not swapped (as minicoro's default). */
        .text
        .globl  tt__ctx_switch
        .hidden tt__ctx_switch
        .type   tt__ctx_switch, @function
/* void tt__ctx_switch(tt__ctx *from (rdi), tt__ctx *to (rsi)) */
tt__ctx_switch:
        .cfi_startproc
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        pushq   %rbx
        .cfi_adjust_cfa_offset 8
        pushq   %r12
        .cfi_adjust_cfa_offset 8
        pushq   %r13
        .cfi_adjust_cfa_offset 8
        pushq   %r14
        .cfi_adjust_cfa_offset 8
        pushq   %r15
        .cfi_adjust_cfa_offset 8
        movq    %rsp, (%rdi)
        movq    (%rsi), %rsp
        popq    %r15
        .cfi_adjust_cfa_offset -8
        popq    %r14
        .cfi_adjust_cfa_offset -8
        popq    %r13
        .cfi_adjust_cfa_offset -8
        popq    %r12
        .cfi_adjust_cfa_offset -8
        popq    %rbx
        .cfi_adjust_cfa_offset -8
        popq    %rbp
        .cfi_adjust_cfa_offset -8
        ret
        .cfi_endproc
        .size   tt__ctx_switch, .-tt__ctx_switch

/* First frame of a new task: r12 = entry, r13 = arg (set by tt__ctx_make).
 * The undefined return address stops gdb's unwinder here. */
        .globl  tt__ctx_trampoline
        .hidden tt__ctx_trampoline
        .type   tt__ctx_trampoline, @function
        .cfi_startproc
        .cfi_undefined rip
        nop     /* gdb looks up return address - 1: it must fall in this entry */
tt__ctx_trampoline:
        movq    %r13, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size   tt__ctx_trampoline, .-tt__ctx_trampoline

        .section .note.GNU-stack,"",@progbits
