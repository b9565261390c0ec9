/* AArch64 (AAPCS64) context switch: x19-x30 and d8-d15 are callee-saved;
 * they go in a 160-byte frame on the current stack, then the stack pointers
 * are swapped. FPCR is callee-saved too; tasks inherit the loop thread's and
 * nothing in tasktrace changes it, so it is not swapped (as on x86-64). */
        .text
        .globl  tt__ctx_switch
        .hidden tt__ctx_switch
        .type   tt__ctx_switch, %function
/* void tt__ctx_switch(tt__ctx *from (x0), tt__ctx *to (x1)) */
tt__ctx_switch:
        .cfi_startproc
        sub     sp, sp, #160
        .cfi_def_cfa_offset 160
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
        /* Where the caller's registers are, for gdb stepping through here. */
        .cfi_offset x19, -160
        .cfi_offset x20, -152
        .cfi_offset x21, -144
        .cfi_offset x22, -136
        .cfi_offset x23, -128
        .cfi_offset x24, -120
        .cfi_offset x25, -112
        .cfi_offset x26, -104
        .cfi_offset x27, -96
        .cfi_offset x28, -88
        .cfi_offset x29, -80
        .cfi_offset x30, -72
        .cfi_offset d8, -64
        .cfi_offset d9, -56
        .cfi_offset d10, -48
        .cfi_offset d11, -40
        .cfi_offset d12, -32
        .cfi_offset d13, -24
        .cfi_offset d14, -16
        .cfi_offset d15, -8
        mov     x9, sp
        str     x9, [x0]
        ldr     x9, [x1]
        mov     sp, x9
        /* On to's stack now: its frame has the same layout, so the CFI above
         * describes it (its caller, or the trampoline for a new task). */
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
        .cfi_def_cfa_offset 0
        .cfi_restore x19
        .cfi_restore x20
        .cfi_restore x21
        .cfi_restore x22
        .cfi_restore x23
        .cfi_restore x24
        .cfi_restore x25
        .cfi_restore x26
        .cfi_restore x27
        .cfi_restore x28
        .cfi_restore x29
        .cfi_restore x30
        .cfi_restore d8
        .cfi_restore d9
        .cfi_restore d10
        .cfi_restore d11
        .cfi_restore d12
        .cfi_restore d13
        .cfi_restore d14
        .cfi_restore d15
        ret
        .cfi_endproc
        .size   tt__ctx_switch, .-tt__ctx_switch

/* First frame of a new task: x19 = entry, x20 = arg (set by tt__ctx_make);
 * x30 (the return address) points here. The undefined return address stops
 * gdb's unwinder here. The nop is inside the CFI: a debugger looks a return
 * address up at address - 1, which must fall in this FDE, not in
 * tt__ctx_switch's, when it unwinds a new task from inside tt__ctx_switch. */
        .globl  tt__ctx_trampoline
        .hidden tt__ctx_trampoline
        .type   tt__ctx_trampoline, %function
        .type   tt__ctx_trampoline_pad, %function
        .cfi_startproc
        .cfi_undefined x30
tt__ctx_trampoline_pad: /* local: names the nop in a backtrace */
        nop
        .size   tt__ctx_trampoline_pad, 4
tt__ctx_trampoline:
        mov     x0, x20
        blr     x19
        brk     #0
        .cfi_endproc
        .size   tt__ctx_trampoline, .-tt__ctx_trampoline

        .section .note.GNU-stack,"",%progbits
