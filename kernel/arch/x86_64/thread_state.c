/* SPDX-License-Identifier: MIT */
/* x86-64 side of the thread-state service: the trap frame and the FXSAVE image in the exported order. */
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/string.h>
#include <mnemo/thread_state.h>
#include <arch/ipc.h>
#include <arch/x86.h>

/* Frame fields in MNEMO_REG_RAX..MNEMO_REG_R15 order. */
static word_t *gpr(struct trapframe *tf, unsigned i)
{
	word_t *const regs[] = {&tf->rax, &tf->rbx, &tf->rcx, &tf->rdx, &tf->rsi, &tf->rdi, &tf->rbp, &tf->r8,
				&tf->r9,  &tf->r10, &tf->r11, &tf->r12, &tf->r13, &tf->r14, &tf->r15};
	_Static_assert(sizeof regs / sizeof regs[0] == MNEMO_REG_R15 - MNEMO_REG_RAX + 1, "all GPRs");
	return regs[i];
}

void arch_state_get_regs(struct tcb *t, word_t *w)
{
	struct trapframe *tf = arch_user_frame(t);
	w[MNEMO_REG_RIP] = tf->rip;
	w[MNEMO_REG_RSP] = tf->rsp;
	w[MNEMO_REG_RFLAGS] = tf->rflags;
	for (unsigned i = 0; i <= MNEMO_REG_R15 - MNEMO_REG_RAX; i++)
		w[MNEMO_REG_RAX + i] = *gpr(tf, i);
}

extern char _user_stubs_start[], _user_stubs_end[];

bool arch_state_set_regs(struct tcb *t, const word_t *w)
{
	/* A user address, or the system-call stubs (user-executable, in the
	 * kernel image): an IPC that restarts is exported at its `syscall`. */
	word_t rip = w[MNEMO_REG_RIP];
	bool in_stubs = rip >= (word_t)_user_stubs_start && rip < (word_t)_user_stubs_end;
	if (rip >= USER_TOP && !in_stubs)
		return false; /* iret to a kernel or non-canonical address */
	struct trapframe *tf = arch_user_frame(t);
	tf->rip = w[MNEMO_REG_RIP];
	tf->rsp = w[MNEMO_REG_RSP]; /* any value: a bad one faults in user mode */
	arch_set_user_flags(t, w[MNEMO_REG_RFLAGS]);
	for (unsigned i = 0; i <= MNEMO_REG_R15 - MNEMO_REG_RAX; i++)
		*gpr(tf, i) = w[MNEMO_REG_RAX + i];
	return true;
}

/* `syscall` is two bytes (0f 05); the IPC destination is RSI (ABI §5.3). */
void arch_state_ipc_restart(word_t *w, bool recv_only)
{
	w[MNEMO_REG_RIP] -= 2;
	if (recv_only)
		w[MNEMO_REG_RSI] = L4_NILTHREAD;
}
_Static_assert(MNEMO_REG_RSI == MNEMO_REG_RAX + 4, "RSI's place in the export");

/* MXCSR: its reserved bits make fxrstor fault in ring 0. Bit layout of the
 * FXSAVE image: MXCSR at byte 24, MXCSR_MASK at 28. */
#define FX_MXCSR 24
#define MXCSR_VALID 0xffffu /* without a CPU-reported mask: DAZ and all defined bits */

bool arch_state_fpu(struct tcb *t, unsigned half, word_t *w, bool set)
{
	arch_fpu_release(t); /* its state is in t->arch.fxsave from now on */
	uint8_t *img = t->arch.fxsave + half * MNEMO_STATE_PART_WORDS * 8;
	if (!set) {
		if (t->arch.fpu_valid)
			memcpy(w, img, MNEMO_STATE_PART_WORDS * 8);
		else
			memset(w, 0, MNEMO_STATE_PART_WORDS * 8);
		return t->arch.fpu_valid;
	}
	if (!t->arch.fpu_valid) { /* start from the state a new thread gets */
		memset(t->arch.fxsave, 0, FXSAVE_SIZE);
		*(uint16_t *)t->arch.fxsave = 0x37f;
		*(uint32_t *)(t->arch.fxsave + FX_MXCSR) = 0x1f80;
	}
	memcpy(img, w, MNEMO_STATE_PART_WORDS * 8);
	uint32_t mask = arch_mxcsr_mask ? arch_mxcsr_mask : MXCSR_VALID;
	*(uint32_t *)(t->arch.fxsave + FX_MXCSR) &= mask;
	t->arch.fpu_valid = true;
	return true;
}
