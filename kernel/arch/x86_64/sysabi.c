/* SPDX-License-Identifier: MIT */
/* The amd64 register contracts of the X.2 system calls (ABI §5) around the generic handlers. */
#include <kern/syscall.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <l4/utcb.h>
#include <kern/thread_control.h>
#include <kern/memattr.h>
#include <arch/ipc.h>

/* SystemClock: RAX = microseconds since boot. */
void sys_system_clock(struct trapframe *tf) { tf->rax = arch_clock_us(); }

/* ThreadSwitch: RDI = destination (nil: yield to equals). X.2 donates the rest
 * of the time slice to the destination if it is ready. */
void sys_thread_switch(struct trapframe *tf)
{
	l4_threadid_t dest = tf->rdi;
	schedule_to(dest == L4_NILTHREAD ? NULL : thread_lookup(dest));
}

static void set_error(word_t e)
{
	if (current->utcb_k)
		current->utcb_k[L4_UTCB_ERROR_CODE] = e;
}

/* ThreadControl: RDI dest, RSI pager, RDX scheduler, R8 space specifier, R9 UTCB location; RAX result. */
void sys_thread_control(struct trapframe *tf)
{
	word_t err = 0;
	tf->rax = thread_control(tf->rdi, tf->r8, tf->rdx, tf->rsi, tf->r9, &err);
	if (!tf->rax)
		set_error(err);
}

/* SpaceControl: RDI space specifier, RSI control, RDX KIP area, R8 UTCB area, R9 redirector;
 * RAX result, RDX old control. */
void sys_space_control(struct trapframe *tf)
{
	word_t err = 0, old = 0;
	tf->rax = space_control(tf->rdi, tf->rsi, tf->rdx, tf->r8, tf->r9, &old, &err);
	tf->rdx = old;
	if (!tf->rax)
		set_error(err);
}

/* Schedule: RDI dest, RSI priority, RDX time control, R8 processor, R9 preemption;
 * RAX result, RDX old time control. */
void sys_schedule(struct trapframe *tf)
{
	word_t err = 0, old = 0;
	tf->rax = schedule_control(tf->rdi, tf->rsi, tf->rdx, tf->r8, tf->r9, &old, &err);
	tf->rdx = old;
	if (!tf->rax)
		set_error(err);
}

/* ExchangeRegisters: RAX dest, RSI control, RDX SP, R8 IP, R9 flags, R10 user handle,
 * RDI pager; the old values come back in the same registers, RAX = the thread ID
 * (nil on error). */
void sys_exchange_registers(struct trapframe *tf)
{
	struct exregs r = {tf->rsi, tf->rdx, tf->r8, tf->r9, tf->r10, tf->rdi};
	l4_threadid_t id = L4_NILTHREAD;
	if (!exchange_registers(tf->rax, &r, &id)) {
		tf->rax = L4_NILTHREAD;
		set_error(TC_ERR_INVALID_THREAD);
		return;
	}
	/* The caller may have changed its own frame: write results after. */
	tf->rax = id;
	tf->rsi = r.control;
	tf->rdx = r.sp;
	tf->r8 = r.ip;
	tf->r9 = r.flags;
	tf->r10 = r.user_handle;
	tf->rdi = r.pager;
}

/* ProcessorControl: RDI processor, RSI internal frequency, RDX external frequency,
 * R8 voltage; RAX result. One processor; frequency and voltage stay as they are. */
void sys_processor_control(struct trapframe *tf)
{
	if (!thread_privileged(current)) {
		tf->rax = 0;
		set_error(TC_ERR_NO_PRIVILEGE);
	} else if (tf->rdi != 0) {
		tf->rax = 0;
		set_error(TC_ERR_INVALID_PARAM);
	} else {
		tf->rax = 1;
	}
}

/* MemoryControl (entered by int $0x30, all registers kept): RDX control, RCX/RSI/R8/R11
 * attributes 0-3, MR0-MR7 in registers as for Ipc, MR8 and up in the UTCB; RDX
 * result; libl4 stores RAX into MR1 and RCX into MR0, so both keep their MR's
 * value; RDI the UTCB. The work is kernel/core/memctl.c. */
/* MR i of the caller of MemoryControl: MR0-MR7 in its frame, the rest in its UTCB. */
static word_t memctl_mr(const void *ctx, unsigned i)
{
	struct trapframe *tf = (struct trapframe *)ctx;
	if (i < ARCH_IPC_REG_MRS)
		return *arch_frame_mr(tf, i);
	return current->utcb_k ? current->utcb_k[i] : L4_NILPAGE; /* no UTCB: as if nil (error 5) */
}

void sys_memory_control(struct trapframe *tf)
{
	word_t err = 0;
	const word_t attributes[4] = {tf->rcx, tf->rsi, tf->r8, tf->r11};
	tf->rdx = memory_control(current->space, thread_privileged(current), tf->rdx, memctl_mr, tf, attributes, &err);
	if (!tf->rdx)
		set_error(err);
	tf->rcx = tf->r9; /* MR0 comes back unchanged */
	tf->rdi = current->utcb;
}
