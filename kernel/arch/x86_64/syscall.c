/* SPDX-License-Identifier: MIT */
/* System-call stubs (one 64-byte slot each, identified by the return RIP) and their dispatch. */
#include <kern/syscall.h>
#include <kern/thread.h>
#include <kern/printk.h>
#include <kern/kip.h>
#include <arch/x86.h>
#include <arch/ipc.h>
#include <arch/layout.h>

#define STUB_SLOT 64

/* Every stub is `syscall; ret`: the kernel finds the call from RCX (the return
 * address inside the slot), so no argument register is spent on a number. The
 * register contracts of ABI §5 are kept by the handlers through the frame. */
__asm__(".pushsection .user_stubs, \"ax\"\n"
	".balign 4096\n"
	".globl user_stub_page\n"
	"user_stub_page:\n"
	".rept 3\n"
	".balign 64\n"
	"syscall\n"
	"ret\n"
	".endr\n"
	".balign 64\n" /* slot 3: MemoryControl */
	"int $0x30\n"
	"ret\n"
	".rept 7\n"
	".balign 64\n"
	"syscall\n"
	"ret\n"
	".endr\n"
	".popsection\n");
extern char user_stub_page[];

static l4_word_t stub_address(unsigned i) { return (l4_word_t)user_stub_page + i * STUB_SLOT; }

/* entry.S sends the Ipc and Lipc stubs (slots 4 and 5) straight to the IPC fast
 * path: the slot layout is its contract. */
_Static_assert(L4_SC_IPC == 4 && L4_SC_LIPC == 5 && STUB_SLOT == 64, "entry.S: Ipc stub at user_stub_page + 4 * 64");

l4_word_t arch_syscall_stub(unsigned i);
l4_word_t arch_syscall_stub(unsigned i) { return stub_address(i); }

static void (*const syscall_table[L4_SC_COUNT])(struct trapframe *) = {
    [L4_SC_SPACE_CONTROL] = sys_space_control,
    [L4_SC_THREAD_CONTROL] = sys_thread_control,
    [L4_SC_PROCESSOR_CONTROL] = sys_processor_control,
    [L4_SC_MEMORY_CONTROL] = sys_memory_control,
    [L4_SC_IPC] = sys_ipc,
    [L4_SC_LIPC] = sys_ipc,
    [L4_SC_UNMAP] = sys_unmap,
    [L4_SC_EXCHANGE_REGISTERS] = sys_exchange_registers,
    [L4_SC_SYSTEM_CLOCK] = sys_system_clock,
    [L4_SC_THREAD_SWITCH] = sys_thread_switch,
    [L4_SC_SCHEDULE] = sys_schedule,
};

/* int $0x30: only the MemoryControl stub may use it. */
void memory_control_gate(struct trapframe *tf);
void memory_control_gate(struct trapframe *tf)
{
	if (tf->rip - 2 != stub_address(L4_SC_MEMORY_CONTROL)) {
		tf->vector = 13; /* as if the gate did not exist */
		trap_report(tf, "user");
		thread_block(current, TS_HALTED);
		return;
	}
	sys_memory_control(tf);
}

void syscall_dispatch(struct trapframe *tf)
{
	word_t off = tf->rcx - (word_t)user_stub_page;
	/* `syscall` is 2 bytes at the start of its slot: anything else did not come from a stub. */
	if (off >= L4_SC_COUNT * STUB_SLOT || off % STUB_SLOT != 2) {
		printk("mnemo: thread %llx: syscall instruction outside the system-call stubs at %#llx\n",
		       (unsigned long long)l4_thread_no(current->id), (unsigned long long)tf->rcx);
		tf->vector = 6; /* treated as an invalid opcode */
		tf->rip = tf->rcx - 2;
		trap_report(tf, "user");
		thread_block(current, TS_HALTED);
	} else {
		syscall_table[off / STUB_SLOT](tf);
	}
	if (need_resched)
		schedule();
}
