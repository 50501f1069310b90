/* SPDX-License-Identifier: MIT */
/* x86-64 thread state: the first return to user mode, the switch, lazy FPU/SSE switching. */
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/space.h>
#include <kern/string.h>
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/physmem.h>
#include <arch/x86.h>
#include <arch/ipc.h>
#include <arch/ipc_fastpath.h> /* its layout checks */

/* The word user code reads as %gs:0: the running thread's UTCB (MR0) address.
 * User-readable; the kernel writes it through the direct map. Global, like the
 * two below, for the switch in ipc_fastpath.S. */
volatile word_t user_utcb_ptr __attribute__((section(".user_ro"), aligned(4096)));
volatile word_t *user_utcb_ptr_rw;

/* The thread whose FPU state is in the FPU registers (NULL: none). */
struct tcb *fpu_owner;
bool fpu_trapping; /* CR0.TS is set */

extern char trap_return[];
extern void arch_switch_stack(word_t *save_ksp, word_t new_ksp);

void arch_thread_init_user(struct tcb *t, word_t ip, word_t sp, bool io_privileged)
{
	struct trapframe *tf = arch_user_frame(t);
	memset(tf, 0, sizeof *tf);
	tf->rip = ip;
	tf->cs = USER_CS;
	tf->rflags = RFLAGS_IF | RFLAGS_RESERVED1 | (io_privileged ? RFLAGS_IOPL3 : 0);
	tf->rsp = sp;
	tf->ss = USER_SS;
	/* What arch_switch_stack pops: six callee-saved registers, then it returns
	 * into trap_return, which restores tf and irets to user mode. */
	word_t *stack = (word_t *)tf;
	*--stack = (word_t)trap_return;
	for (int i = 0; i < 6; i++)
		*--stack = 0;
	t->arch.ksp = (word_t)stack;
	t->arch.fpu_valid = false;
}

extern char thread_start_trampoline[];

void arch_thread_init_startup(struct tcb *t, bool io_privileged)
{
	arch_thread_init_user(t, 0, 0, io_privileged);
	((word_t *)t->arch.ksp)[6] = (word_t)thread_start_trampoline; /* the return address */
}

word_t arch_user_ip(struct tcb *t) { return arch_user_frame(t)->rip; }
word_t arch_user_sp(struct tcb *t) { return arch_user_frame(t)->rsp; }
word_t arch_user_flags(struct tcb *t) { return arch_user_frame(t)->rflags; }

/* sysret to a non-canonical RIP would fault in ring 0: only user addresses. */
void arch_set_user_ip(struct tcb *t, word_t ip)
{
	if (ip < USER_TOP)
		arch_user_frame(t)->rip = ip;
}
void arch_set_user_sp(struct tcb *t, word_t sp) { arch_user_frame(t)->rsp = sp; }

/* Only the flags user code may change itself: CF PF AF ZF SF TF DF OF. */
#define RFLAGS_USER_MASK 0xdd5ul
void arch_set_user_flags(struct tcb *t, word_t flags)
{
	struct trapframe *tf = arch_user_frame(t);
	tf->rflags = (tf->rflags & ~RFLAGS_USER_MASK) | (flags & RFLAGS_USER_MASK);
}

void fpu_init(void)
{
	/* MP | NE, EM off; OSFXSR | OSXMMEXCPT: user SSE works, x87 errors are #MF. */
	write_cr0((read_cr0() & ~(1ul << 2)) | (1ul << 1) | (1ul << 5));
	write_cr4(read_cr4() | (1ul << 9) | (1ul << 10));
	user_utcb_ptr_rw = phys_to_virt(virt_to_phys((const void *)&user_utcb_ptr));
	wrmsr(MSR_GS_BASE, (word_t)&user_utcb_ptr);
	static uint8_t probe[FXSAVE_SIZE] __aligned(16);
	__asm__ volatile("fxsave64 %0" : "=m"(probe));
	arch_mxcsr_mask = *(uint32_t *)(probe + 28);
}

uint32_t arch_mxcsr_mask;

static void set_fpu_trap(bool on)
{
	if (on == fpu_trapping)
		return;
	fpu_trapping = on;
	if (on)
		write_cr0(read_cr0() | (1ul << 3));
	else
		__asm__ volatile("clts");
}

/* #NM: the current thread touches the FPU for the first time since it was switched in. */
void fpu_trap_nm(void)
{
	set_fpu_trap(false);
	if (fpu_owner == current)
		return;
	if (fpu_owner) {
		__asm__ volatile("fxsave64 %0" : "=m"(fpu_owner->arch.fxsave));
		fpu_owner->arch.fpu_valid = true;
	}
	if (current->arch.fpu_valid) {
		__asm__ volatile("fxrstor64 %0" : : "m"(current->arch.fxsave));
	} else {
		uint32_t mxcsr = 0x1f80;
		__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	}
	fpu_owner = current;
}

void arch_thread_release(struct tcb *t)
{
	if (fpu_owner == t)
		fpu_owner = NULL;
}

void arch_fpu_release(struct tcb *t)
{
	if (fpu_owner != t)
		return;
	set_fpu_trap(false); /* fxsave with CR0.TS set would trap here */
	__asm__ volatile("fxsave64 %0" : "=m"(t->arch.fxsave));
	t->arch.fpu_valid = true;
	fpu_owner = NULL;
	set_fpu_trap(true); /* nobody owns the FPU now: the next user of it traps and loads its own */
}

void arch_thread_switch(struct tcb *from, struct tcb *to)
{
	if (to->space) {
		cr3_switch(to->space->pt.pml4);
		cpu_set_kernel_stack((word_t)to + KSTACK_SIZE);
		*user_utcb_ptr_rw = to->utcb;
		/* User code may have loaded %gs, which resets its base. */
		wrmsr(MSR_GS_BASE, (word_t)&user_utcb_ptr);
		set_fpu_trap(to != fpu_owner);
	}
	arch_switch_stack(&from->arch.ksp, to->arch.ksp);
}
