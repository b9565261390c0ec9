/* AArch64 (AAPCS64) context switch: x19-x30 and d8-d15 are callee-saved;
 * they go in a 160-byte frame on the current stack, then the stack pointers
 * are swapped. */
        .text
        .globl  tt__ctx_switch
        .hidden tt__ctx_switch
        .type   tt__ctx_switch, %function
/* void tt__ctx_switch(tt__ctx *from (x0), tt__ctx *to (x1)) */
tt__ctx_switch:
        .cfi_startproc
        sub     sp, sp, #160
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8,  d9,  [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mov     x9, sp
        str     x9, [x0]
        ldr     x9, [x1]
        mov     sp, x9
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8,  d9,  [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #160
        ret
        .cfi_endproc
        .size   tt__ctx_switch, .-tt__ctx_switch

/* First frame of a new task: x19 = entry, x20 = arg (set by tt__ctx_make);
 * x30 (the return address) points here. */
        .globl  tt__ctx_trampoline
        .hidden tt__ctx_trampoline
        .type   tt__ctx_trampoline, %function
tt__ctx_trampoline:
        .cfi_startproc
        .cfi_undefined x30
        mov     x0, x20
        blr     x19
        brk     #0
        .cfi_endproc
        .size   tt__ctx_trampoline, .-tt__ctx_trampoline

        .section .note.GNU-stack,"",%progbits
