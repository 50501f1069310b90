/* SPDX-License-Identifier: MIT */
/* Kernel entries from user and kernel mode: exceptions, IRQs, syscall; the stack switch. */
#include <arch/layout.h>
#include <arch/trapframe.h>

/* Saves the GPRs below vector/error so that %rsp points at a struct trapframe. */
.macro SAVE_GPRS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro RESTORE_GPRS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

/* Vectors for which the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30. */
.macro TRAP_STUB n
	.balign 16
trap_stub_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	pushq $\n
	.else
	pushq $0
	pushq $\n
	.endif
	jmp trap_common
.endm

	.text
	.globl trap_stubs_begin
trap_stubs_begin:
	.altmacro
	.set i, 0
	.rept 49		/* 0-31 exceptions, 32-47 PIC lines, 48 the MemoryControl gate */
	TRAP_STUB %i
	.set i, i + 1
	.endr

trap_common:
	SAVE_GPRS
	cld
	movq %rsp, %rdi
	call trap_dispatch
	.globl trap_return
trap_return:
	RESTORE_GPRS
	addq $16, %rsp		/* vector, error */
	iretq

/* syscall: RCX = user RIP (it identifies the stub), R11 = user RFLAGS; IF, DF,
 * TF and AC are masked by SFMASK. The kernel runs with interrupts off. */
	.globl syscall_entry
syscall_entry:
	movq %rsp, cpu_user_rsp_scratch(%rip)
	movq cpu_kstack_top(%rip), %rsp
	pushq $USER_SS
	pushq cpu_user_rsp_scratch(%rip)
	pushq %r11
	pushq $USER_CS
	pushq %rcx
	pushq $0
	pushq $VEC_SYSCALL
	SAVE_GPRS
	/* Ipc and Lipc, the hot calls (stub slots 4 and 5, one contract), go
	 * straight to their fast path, which keeps the user registers live (R11
	 * is saved in the frame). */
	leaq user_stub_page + 4 * 64 + 2(%rip), %r11
	cmpq %r11, %rcx
	je ipc_fastpath_entry
	addq $64, %r11
	cmpq %r11, %rcx
	je ipc_fastpath_entry
	movq %rsp, %rdi
	call syscall_dispatch
	jmp syscall_return
/* Ipc in C: where the fast path goes when one of its guards fails. Those the
 * C fast path shares send it to the general path at once (the C fast path
 * would fail the same way); tracing and a bad stack canary to sys_ipc. */
	.globl ipc_slowpath, ipc_c_path
ipc_slowpath:
	movq %rsp, %rdi
	call sys_ipc_general
	jmp 2f
ipc_c_path:
	movq %rsp, %rdi
	call sys_ipc
2:	cmpb $0, need_resched(%rip)
	je syscall_return
	call schedule
	.globl syscall_return
syscall_return:
	/* Loads, not pops: RCX and R11 take RIP and RFLAGS, so their own slots
	 * are skipped. */
	movq TF_R15(%rsp), %r15
	movq TF_R14(%rsp), %r14
	movq TF_R13(%rsp), %r13
	movq TF_R12(%rsp), %r12
	movq TF_R10(%rsp), %r10
	movq TF_R9(%rsp), %r9
	movq TF_R8(%rsp), %r8
	movq TF_RBP(%rsp), %rbp
	movq TF_RDI(%rsp), %rdi
	movq TF_RSI(%rsp), %rsi
	movq TF_RDX(%rsp), %rdx
	movq TF_RBX(%rsp), %rbx
	movq TF_RAX(%rsp), %rax
	/* The kernel keeps frame RIPs canonical user addresses (every setter
	 * checks), so sysret cannot fault in ring 0. */
	movq TF_RIP(%rsp), %rcx
	movq TF_RFLAGS(%rsp), %r11
	movq TF_RSP(%rsp), %rsp
	sysretq

/* A new thread's first switch-in returns here, with %rsp at its user frame. */
	.globl thread_start_trampoline
thread_start_trampoline:
	call thread_startup
	jmp trap_return

/* void arch_switch_stack(word_t *save_ksp, word_t new_ksp) */
	.globl arch_switch_stack
arch_switch_stack:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
/* Entered with RSP at a switched-out thread's saved context (the IPC fast path too). */
	.globl switch_stack_resume
switch_stack_resume:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
	.set i, 0
	.rept 49
	.quad trap_stubs_begin + i * 16
	.set i, i + 1
	.endr
