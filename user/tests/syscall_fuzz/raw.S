/* SPDX-License-Identifier: MIT */
/* The fuzzer's raw system-call entries: every register from a table, every register back into it. */

/* struct fuzz_regs: rax rbx rcx rdx rsi rdi r8 r9 r10 r11 r12 r13 r14 r15 rbp, then flags_in
 * (RFLAGS bits set with popf before the call: arithmetic bits and DF only). */
	.set R_RAX, 0
	.set R_RBX, 8
	.set R_RCX, 16
	.set R_RDX, 24
	.set R_RSI, 32
	.set R_RDI, 40
	.set R_R8, 48
	.set R_R9, 56
	.set R_R10, 64
	.set R_R11, 72
	.set R_R12, 80
	.set R_R13, 88
	.set R_R14, 96
	.set R_R15, 104
	.set R_RBP, 112
	.set R_FLAGS, 120

	.macro LOAD_ALL
	pushq R_FLAGS(%rax)
	popfq
	movq R_RBX(%rax), %rbx
	movq R_RCX(%rax), %rcx
	movq R_RDX(%rax), %rdx
	movq R_RSI(%rax), %rsi
	movq R_RDI(%rax), %rdi
	movq R_R8(%rax), %r8
	movq R_R9(%rax), %r9
	movq R_R10(%rax), %r10
	movq R_R11(%rax), %r11
	movq R_R12(%rax), %r12
	movq R_R13(%rax), %r13
	movq R_R14(%rax), %r14
	movq R_R15(%rax), %r15
	movq R_RBP(%rax), %rbp
	movq R_RAX(%rax), %rax
	.endm

	/* After the call: (%rsp) = scratch, 8(%rsp) = the table. */
	.macro STORE_ALL
	pushfq
	cld
	popq 0(%rsp)			/* the flags replace the scratch word */
	xchgq %rax, 8(%rsp)		/* RAX = table, 8(%rsp) = result RAX */
	movq %rbx, R_RBX(%rax)
	movq %rcx, R_RCX(%rax)
	movq %rdx, R_RDX(%rax)
	movq %rsi, R_RSI(%rax)
	movq %rdi, R_RDI(%rax)
	movq %r8, R_R8(%rax)
	movq %r9, R_R9(%rax)
	movq %r10, R_R10(%rax)
	movq %r11, R_R11(%rax)
	movq %r12, R_R12(%rax)
	movq %r13, R_R13(%rax)
	movq %r14, R_R14(%rax)
	movq %r15, R_R15(%rax)
	movq %rbp, R_RBP(%rax)
	movq 0(%rsp), %rbx
	movq %rbx, R_FLAGS(%rax)
	movq 8(%rsp), %rbx
	movq %rbx, R_RAX(%rax)
	addq $16, %rsp
	.endm

	.macro SAVE_CALLEE
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	.endm
	.macro RESTORE_CALLEE
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	.endm

	.text
/* void fuzz_raw_call(struct fuzz_regs *r, l4_word_t stub): calls a system-call stub
 * (as libl4 does: `call *stub`) with every general register taken from r. */
	.globl fuzz_raw_call
fuzz_raw_call:
	SAVE_CALLEE
	pushq %rdi			/* 8(%rsp): the table */
	pushq %rsi			/* 0(%rsp): the stub */
	movq %rdi, %rax
	LOAD_ALL
	callq *(%rsp)
	STORE_ALL
	RESTORE_CALLEE
	ret

/* void fuzz_raw_trap(struct fuzz_regs *r, unsigned kind): the trap interfaces with every
 * register from r. kind 0: KernelInterface (lock; nop); 1: int3; nop; 2: KDB PrintChar;
 * 3: KDB PrintString; 4: KDB ReadChar (non-blocking); 5: KDB clear page; 6: KDB toggle
 * break-in; 7: KDB_Enter with the string pointer of r->rbx's low 32 bits patched in
 * is not possible (an immediate), so 7 is KDB_Enter with a fixed string. */
	.globl fuzz_raw_trap
fuzz_raw_trap:
	SAVE_CALLEE
	pushq %rdi
	leaq trap_table(%rip), %rax
	movl %esi, %esi
	andl $7, %esi
	movq (%rax,%rsi,8), %rsi
	pushq %rsi
	movq %rdi, %rax
	LOAD_ALL
	callq *(%rsp)
	STORE_ALL
	RESTORE_CALLEE
	ret

t_kernel_interface:
	lock; nop
	ret
t_nop:
	int3; nop
	ret
t_print_char:
	int3; cmpb $0x00, %al
	ret
t_print_string:
	int3; cmpb $0x01, %al
	ret
t_read_char:
	int3; cmpb $0x08, %al
	ret
t_clear_page:
	int3; cmpb $0x02, %al
	ret
t_toggle:
	int3; cmpb $0x03, %al
	ret
t_enter:
	int3; jmp 1f; mov $enter_string, %rax
1:	ret

	.section .rodata
	.balign 8
trap_table:
	.quad t_kernel_interface, t_nop, t_print_char, t_print_string
	.quad t_read_char, t_clear_page, t_toggle, t_enter
enter_string:
	.asciz "syscall_fuzz: KDB_Enter"

	.text
/* int fuzz_self_jump(l4_threadid_t self, l4_word_t control, l4_word_t flags, l4_word_t stub):
 * ExchangeRegisters on the calling thread that sets its own SP and IP (control must
 * have S and I) to a landing point in here, with the SP it has now. Returns 1 if the
 * thread came back at the landing point, 0 if it came back from the stub normally
 * (the kernel ignored the new IP), as a C function either way. Callee-saved
 * registers are restored from the stack, which the landing SP still points at. */
	.globl fuzz_self_jump
fuzz_self_jump:
	SAVE_CALLEE
	pushq %rcx			/* the stub */
	movq %rdi, %rax			/* dest */
	movq %rdx, %r9			/* flags */
	movq %rsp, %rdx			/* SP: as it is now */
	leaq 2f(%rip), %r8		/* IP: the landing point */
	xorl %r10d, %r10d
	xorl %edi, %edi
	callq *(%rsp)
	/* back normally */
	addq $8, %rsp
	RESTORE_CALLEE
	xorl %eax, %eax
	ret
2:	/* landed: RSP is the SP given, i.e. the stub's address is on top */
	cld
	addq $8, %rsp
	RESTORE_CALLEE
	movl $1, %eax
	ret
