/* SPDX-License-Identifier: MIT */
/* fpu_spin_check: fill XMM0-15 with a pattern, spin until preempted N times, check the pattern. */

/* long fpu_spin_check(uint64_t pattern, uint64_t gap_ticks, uint64_t preemptions, uint64_t limit_ticks)
 * Returns the number of XMM registers that lost their value (0 = intact), or -1
 * if fewer than `preemptions` TSC gaps longer than gap_ticks were seen within
 * limit_ticks (nobody else ran). */
	.text
	.globl fpu_spin_check
fpu_spin_check:
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rdi, %r8			/* pattern */
	movq %rsi, %r9			/* gap */
	movq %rdx, %r10			/* preemptions wanted */
	movq %rcx, %r11			/* limit */
	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	leaq \n(%r8), %rax
	movq %rax, %xmm\n
	.endr
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, %r12			/* start */
	movq %rax, %r13			/* last */
	xorl %r14d, %r14d		/* gaps seen */
1:	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, %rbx
	subq %r13, %rbx
	movq %rax, %r13
	cmpq %r9, %rbx
	jbe 2f
	incq %r14
	cmpq %r10, %r14
	jae 3f
2:	movq %rax, %rbx
	subq %r12, %rbx
	cmpq %r11, %rbx
	jb 1b
	movq $-1, %rax
	jmp 4f
3:	xorl %r15d, %r15d		/* mismatches */
	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movq %xmm\n, %rax
	leaq \n(%r8), %rbx
	cmpq %rax, %rbx
	setne %al
	movzbq %al, %rax
	addq %rax, %r15
	.endr
	movq %r15, %rax
4:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	ret
