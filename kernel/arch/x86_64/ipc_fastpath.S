/* SPDX-License-Identifier: MIT */
/*
 * The IPC fast path in assembly: the common RPC step (Call, or ReplyWait with an
 * open receive, global or local IDs) when the partner already waits for us.
 * It takes the guards of ipc_fastpath() in kernel/core/ipc.c, all of them
 * before any state changes, and jumps to ipc_slowpath (the general C path;
 * ipc_c_path, with the C fast path, when tracing) when one fails; so it cannot
 * change semantics. It then does what the C fast path and thread_switch_direct
 * do, and returns to the partner's user frame directly when the partner had
 * blocked here as well, which skips the generic stack switch and the unwinding
 * of C.
 *
 * Entered from syscall_entry with the user frame complete at %rsp (every
 * register saved) and the user registers still live: R9 = MR0, RAX RBX R10
 * R12-R15 = MR1-MR7, RSI = to, RDX = FromSpecifier, R8 = timeouts. RCX, R11,
 * RDI and RBP are free here; the C path reads everything from the frame.
 */
#include <arch/layout.h>
#include <arch/trapframe.h>
#include <arch/ipc_fastpath.h>

/* thread_lookup(\id): dest in %rdi, or to ipc_slowpath if there is no such
 * thread. Uses %r11 and %rbp. */
.macro LOOKUP id
	movq \id, %rdi
	shrq $32, %rdi			/* thread number */
	cmpq $FP_THREAD_NUMBERS, %rdi
	jae ipc_slowpath
	movq %rdi, %r11
	shrq $FP_TT_L2_BITS, %r11
	leaq thread_table(%rip), %rbp
	movq (%rbp,%r11,8), %r11
	testq %r11, %r11
	jz ipc_slowpath
	andl $(1 << FP_TT_L2_BITS) - 1, %edi
	movq (%r11,%rdi,8), %rdi
	testq %rdi, %rdi
	jz ipc_slowpath
	cmpq \id, TCB_ID(%rdi)
	jne ipc_slowpath
.endm

	.text
	.globl ipc_fastpath_entry
ipc_fastpath_entry:
	/* ---- guards: nothing changes until all of them pass ---- */
	cmpb $0, trace_state(%rip)	/* tracing: sys_ipc records the event */
	jne ipc_c_path
	testq $FP_TAG_SLOW, %r9
	jnz ipc_slowpath
	testw %r8w, %r8w		/* receive timeout: never */
	jnz ipc_slowpath
	/* A receive phase from the destination (a call) or from any thread
	 * (reply-and-wait); a nil FromSpecifier fails here or, equal to a nil
	 * destination, at the ID check below. */
	cmpq %rsi, %rdx
	je 1f
	cmpq $-1, %rdx
	jne ipc_slowpath
1:	movq current(%rip), %rcx
	movabsq $FP_STACK_CANARY, %r11	/* a bad canary panics in C */
	cmpq %r11, TCB_CANARY(%rcx)
	jne ipc_c_path
	movq TCB_SPACE(%rcx), %r11
	cmpq $0, SPACE_REDIRECTOR(%r11)	/* redirection */
	jne ipc_slowpath

	/* The destination: a global ID has a nonzero version in its low six bits;
	 * a local ID (and nil) has them zero. */
	testb $0x3f, %sil
	jz ipc_fast_local
	LOOKUP %rsi
ipc_fast_dest:
	/* dest waits for us: receiving, no timeout, not for any local thread, its
	 * own MRs (no kernel message), not halted, open or closed on us. */
	cmpl $FP_TS_WAIT_IPC, TCB_STATE(%rdi)
	jne ipc_slowpath
	movl TCB_IPC_PHASE(%rdi), %r11d	/* ipc_phase, ipc_any_local, timeout_armed */
	andl $0xffffff, %r11d
	cmpl $FP_IPC_RECEIVING, %r11d
	jne ipc_slowpath
	cmpq $0, TCB_KMSG(%rdi)
	jne ipc_slowpath
	cmpb $0, TCB_HALTED(%rdi)
	jne ipc_slowpath
	movq TCB_IPC_PARTNER(%rdi), %r11
	testq %r11, %r11
	jz 2f
	cmpq %rcx, %r11
	jne ipc_slowpath
2:	cmpq $-1, %rdx			/* an open receive takes a waiting sender first */
	jne 3f
	cmpq $0, TCB_SENDQ_HEAD(%rcx)
	jne ipc_slowpath
3:	/* thread_ready_above(dest->priority): nothing ready, the usual case, costs
	 * one test; else the highest ready priority decides. */
	movq sched_ready+SCHED_BITMAP+24(%rip), %r11
	orq sched_ready+SCHED_BITMAP+16(%rip), %r11
	orq sched_ready+SCHED_BITMAP+8(%rip), %r11
	orq sched_ready+SCHED_BITMAP(%rip), %r11
	jz 5f
	leaq sched_ready+SCHED_BITMAP(%rip), %r8
	movl $3, %esi
13:	movq (%r8,%rsi,8), %r11
	testq %r11, %r11
	jnz 14f
	decl %esi
	jmp 13b
14:	bsrq %r11, %r11
	shll $6, %esi
	addl %esi, %r11d		/* the highest ready priority */
	movzbl TCB_PRIORITY(%rdi), %esi
	cmpl %esi, %r11d
	ja ipc_slowpath
5:
	/* ---- the message: MR1..MRu register by register into dest's frame (MR8
	 * up UTCB to UTCB), MR0 with the flags cleared, the sender as dest sees it
	 * (id_seen_by), dest's UTCB pointer ---- */
	leaq KSTACK_SIZE - TF_SIZE(%rdi), %rbp	/* dest's frame */
	movl %r9d, %r11d
	andl $0x3f, %r11d		/* u */
	jz ipc_fast_mr0
	cmpl $7, %r11d
	ja 6f
	leaq ipc_fast_mr_table(%rip), %r8
	jmpq *(%r8,%r11,8)
6:	pushq %rcx
	pushq %rdi
	movq TCB_UTCB_K(%rcx), %rsi
	movq TCB_UTCB_K(%rdi), %rdi
	addq $8 * 8, %rsi
	addq $8 * 8, %rdi
	leal -7(%r11d), %ecx		/* MR8..MRu */
	rep movsq
	popq %rdi
	popq %rcx
ipc_fast_mr7:
	movq %r15, TF_R15(%rbp)
ipc_fast_mr6:
	movq %r14, TF_R14(%rbp)
ipc_fast_mr5:
	movq %r13, TF_R13(%rbp)
ipc_fast_mr4:
	movq %r12, TF_R12(%rbp)
ipc_fast_mr3:
	movq %r10, TF_R10(%rbp)
ipc_fast_mr2:
	movq %rbx, TF_RBX(%rbp)
ipc_fast_mr1:
	movq %rax, TF_RAX(%rbp)
ipc_fast_mr0:
	andq $~FP_TAG_FLAGS, %r9
	movq %r9, TF_R9(%rbp)
	movq TCB_ID(%rcx), %r11		/* the global ID, or the local one within a space */
	movq TCB_SPACE(%rcx), %r8
	cmpq TCB_SPACE(%rdi), %r8
	jne 7f
	movq TCB_UTCB(%rcx), %r8
	testq %r8, %r8
	cmovnzq %r8, %r11
7:	movq %r11, TF_RSI(%rbp)
	movq TCB_UTCB(%rdi), %r11
	movq %r11, TF_RDI(%rbp)

	/* ---- states: dest's IPC is done; we wait, closed on dest for a call,
	 * open for reply-and-wait ---- */
	movb $FP_IPC_IDLE, TCB_IPC_PHASE(%rdi)
	movq $0, TCB_IPC_PARTNER(%rdi)
	movq $0, TCB_IPC_ERROR(%rdi)
	movl $FP_TS_READY, TCB_STATE(%rdi)
	xorl %r11d, %r11d
	cmpq $-1, %rdx
	cmovneq %rdi, %r11
	movq %r11, TCB_IPC_PARTNER(%rcx)
	movw $FP_IPC_RECEIVING, TCB_IPC_PHASE(%rcx)	/* and ipc_any_local = false */
	movb $0, TCB_IPC_CALL(%rcx)
	movq $0, TCB_IPC_ERROR(%rcx)
	movl $FP_TS_WAIT_IPC, TCB_STATE(%rcx)
	/* Our kernel context while we wait: a switch to us by the scheduler
	 * "returns" into ipc_fast_resume with %rsp at our frame. */
	leaq ipc_fast_resume(%rip), %r11
	movq %r11, -8(%rsp)
	leaq -FP_RECORD_SIZE(%rsp), %r11
	movq %r11, TCB_KSP(%rcx)

	/* ---- the switch (thread_switch_direct, arch_thread_switch) ---- */
	movb $0, need_resched(%rip)
	cmpq $0, TCB_QUANTUM_LEFT(%rdi)
	jne 8f
	movq TCB_TIMESLICE(%rdi), %r11
	movq %r11, TCB_QUANTUM_LEFT(%rdi)
8:	movq %rdi, current(%rip)
	movq TCB_SPACE(%rdi), %r11
	movq SPACE_PML4(%r11), %r11
	cmpq pt_active_pml4(%rip), %r11	/* within a space CR3 stays */
	je 9f
	movq %r11, pt_active_pml4(%rip)
	movq %r11, %cr3
9:	leaq KSTACK_SIZE(%rdi), %r11
	movq %r11, cpu_tss+TSS_RSP0(%rip)
	movq %r11, cpu_kstack_top(%rip)
	movq TCB_UTCB(%rdi), %r11	/* the word user code reads as %gs:0 */
	movq user_utcb_ptr_rw(%rip), %r8
	movq %r11, (%r8)
	/* Lazy FPU: CR0.TS set iff dest does not own the FPU; toggled only when
	 * that changes (set_fpu_trap). */
	cmpq fpu_owner(%rip), %rdi
	je 11f
	cmpb $0, fpu_trapping(%rip)
	jne 10f
	movb $1, fpu_trapping(%rip)
	movq %cr0, %r11
	orq $8, %r11			/* CR0.TS */
	movq %r11, %cr0
	jmp 10f
11:	cmpb $0, fpu_trapping(%rip)
	je 10f
	movb $0, fpu_trapping(%rip)
	clts
10:	/* User code may have loaded %gs, which resets its base. */
	movl $FP_MSR_GS_BASE, %ecx
	leaq user_utcb_ptr(%rip), %rax
	movq %rax, %rdx
	shrq $32, %rdx
	wrmsr

	/* dest blocked here too: nothing of it waits on its kernel stack, so its
	 * user frame is restored at once; else its saved kernel context runs on.
	 * The word below the frame tells: this path leaves ipc_fast_resume there
	 * (with the saved stack pointer right below), and every other kernel entry
	 * from user mode calls a function with %rsp at the frame, which
	 * overwrites it (a new thread has trap_return there). */
	leaq ipc_fast_resume(%rip), %r11
	cmpq %r11, -8(%rbp)
	jne 12f
	movq %rbp, %rsp
	jmp syscall_return
12:	movq TCB_KSP(%rdi), %rsp
	jmp switch_stack_resume		/* the rest of arch_switch_stack */

/* A local ID (ipc_resolve): the MR0 address of a thread of our own space,
 * inside its UTCB area; that thread's UTCB holds its global ID, read through
 * the MMU with a probe that fails instead of faulting. %rcx = current. */
ipc_fast_local:
	movq TCB_SPACE(%rcx), %r11
	movq SPACE_UTCB_AREA(%r11), %r8
	testq %r8, %r8
	jz ipc_slowpath
	movq %r8, %rdi
	andq $~0x3ff, %rdi		/* the area's base */
	leaq FP_UTCB_MR0_OFFSET(%rdi), %rbp
	cmpq %rbp, %rsi
	jb ipc_slowpath			/* (nil is below too) */
	shrq $4, %r8
	andl $0x3f, %r8d
	xorl %ebp, %ebp
	btsq %r8, %rbp			/* the area's size */
	addq %rdi, %rbp
	cmpq %rbp, %rsi
	jae ipc_slowpath
	movabsq $USER_TOP - 8 - 8 * FP_UTCB_MY_GLOBAL_ID, %r11
	cmpq %r11, %rsi			/* the probe reads user addresses only */
	jae ipc_slowpath
	movq %rsi, %r8
	subq $8, %rsp			/* the probe's result */
	movq %rsp, %rdi
	leaq 8 * FP_UTCB_MY_GLOBAL_ID(%rsi), %rsi
	call user_probe_word		/* uses %rax (MR1, reloaded) and %rsi only */
	movq %r8, %rsi
	popq %r8			/* the global ID */
	testl %eax, %eax
	jnz ipc_slowpath
	movq TF_RAX(%rsp), %rax
	LOOKUP %r8
	movq TCB_SPACE(%rcx), %r11	/* of our space, under this local ID */
	cmpq %r11, TCB_SPACE(%rdi)
	jne ipc_slowpath
	cmpq %rsi, TCB_UTCB(%rdi)
	jne ipc_slowpath
	jmp ipc_fast_dest

/* A thread that blocked in the fast path, switched to by the scheduler (its IPC
 * was ended by the C path: a message, a timeout, an abort): as sys_ipc after
 * its fast path. %rsp is at its user frame. */
ipc_fast_resume:
	call ipc_fastpath_resumed
	cmpb $0, need_resched(%rip)
	je syscall_return
	call schedule
	jmp syscall_return

	.section .rodata
	.balign 8
ipc_fast_mr_table:
	.quad ipc_fast_mr0, ipc_fast_mr1, ipc_fast_mr2, ipc_fast_mr3
	.quad ipc_fast_mr4, ipc_fast_mr5, ipc_fast_mr6, ipc_fast_mr7
