/* SPDX-License-Identifier: MIT */
/* The amd64 register contracts of the X.2 system calls (ABI §5) around the generic handlers. */
#include <kern/syscall.h>
#include <kern/thread.h>
#include <kern/printk.h>
#include <kern/arch_thread.h>
#include <l4/utcb.h>

/* SystemClock: RAX = microseconds since boot. */
void sys_system_clock(struct trapframe *tf)
{
	tf->rax = arch_clock_us();
}

/* ThreadSwitch: RDI = destination (nil: yield to equals). X.2 donates the rest
 * of the time slice to the destination if it is ready. */
void sys_thread_switch(struct trapframe *tf)
{
	l4_threadid_t dest = tf->rdi;
	schedule_to(dest == L4_NILTHREAD ? NULL : thread_lookup(dest));
}

/* Calls that are not there yet answer with failure (RAX = 0) and say so once. */
static void not_yet(struct trapframe *tf, const char *name, bool *said)
{
	if (!*said) {
		printk("mnemo: %s is not implemented yet (see docs/x2-status.md)\n", name);
		*said = true;
	}
	tf->rax = 0;
}

#define NOT_YET(fn, label)                     \
	void fn(struct trapframe *tf)          \
	{                                      \
		static bool said;              \
		not_yet(tf, label, &said);     \
	}

NOT_YET(sys_space_control, "SpaceControl")
NOT_YET(sys_thread_control, "ThreadControl")
NOT_YET(sys_processor_control, "ProcessorControl")
NOT_YET(sys_memory_control, "MemoryControl")
NOT_YET(sys_unmap, "Unmap")
NOT_YET(sys_exchange_registers, "ExchangeRegisters")
NOT_YET(sys_schedule, "Schedule")
