/* SPDX-License-Identifier: MIT */
/* Trap-based X.2 interfaces: KernelInterface (`lock; nop`) and the int3 kernel-debugger calls. */
#include <kern/thread.h>
#include <kern/space.h>
#include <kern/kip.h>
#include <kern/console.h>
#include <kern/printk.h>
#include <kern/frame.h>
#include <kern/ipc.h>
#include <kern/kdb.h>
#include <kern/trace.h>
#include <arch/physmem.h>
#include <arch/cpu.h>
#include <arch/x86.h>

/* #UD on F0 90 (ABI §2): RAX = KIP address in the caller's space, RCX = API
 * version (sign-extended from 32 bits), RDX = API flags, RSI = kernel ID. */
bool kernel_interface_trap(struct trapframe *tf);
bool kernel_interface_trap(struct trapframe *tf)
{
	uint8_t insn[2];
	if (!arch_user_read(insn, tf->rip, 2) || insn[0] != 0xf0 || insn[1] != 0x90)
		return false;
	tf->rax = l4_fpage_base(current->space->kip_area);
	tf->rcx = (word_t)(int64_t)(int32_t)kip.api_version;
	tf->rdx = kip.api_flags;
	tf->rsi = *(const l4_word_t *)kip.kern_desc;
	tf->rip += 2;
	return true;
}

static void print_user_string(vaddr_t s)
{
	for (unsigned i = 0; i < 4096; i++) {
		char c;
		if (!arch_user_read(&c, s + i, 1) || !c)
			return;
		console_putc(c);
	}
}

extern int user_copy_bytes(void *dst, const void *src, size_t len);

/* mnemo's trace call (include/mnemo/trace.h): RAX buf, RCX max, RDX seq ->
 * RAX copied (or an error), RDX first, RCX next, RSI on. A copy, not a mapping
 * of the ring: the ring stays kernel-only, a reader gets a consistent record
 * each time, and a faulting buffer is paged like any user copy. */
static void trace_call(struct trapframe *tf)
{
	vaddr_t buf = tf->rax;
	word_t max = tf->rcx, seq = tf->rdx, next = trace_count(), n = 0;
	tf->rcx = next;
	tf->rsi = trace_enabled();
	if (!thread_privileged(current)) {
		tf->rax = (word_t)-1;
		return;
	}
	if (seq < trace_oldest())
		seq = trace_oldest();
	tf->rdx = seq;
	if (max > TRACE_RECORDS)
		max = TRACE_RECORDS;
	if (max && (buf >= USER_TOP || max * sizeof(struct trace_record) > USER_TOP - buf)) {
		tf->rax = (word_t)-2;
		return;
	}
	struct trace_record r;
	for (; n < max && trace_get(seq + n, &r); n++) {
		if (user_copy_bytes((void *)(buf + n * sizeof r), &r, sizeof r)) {
			tf->rax = (word_t)-2;
			return;
		}
	}
	tf->rax = n;
}

/* int3 followed by a marker (ABI §12): RIP already points past the int3. */
bool kdb_trap(struct trapframe *tf);
bool kdb_trap(struct trapframe *tf)
{
	uint8_t op[8];
	if (!arch_user_read(op, tf->rip, 1))
		return false;
	switch (op[0]) {
	case 0x90: /* int3; nop: ignored */ return true;
	case 0xeb: { /* KDB_Enter: jmp over `mov $string, %rax` (48 c7 c0 imm32) or `mov $string, %eax` (b8 imm32) */
		if (!arch_user_read(op, tf->rip + 2, 7))
			return false;
		int32_t imm;
		if (op[0] == 0x48 && op[1] == 0xc7 && op[2] == 0xc0)
			imm = (int32_t)(op[3] | op[4] << 8 | op[5] << 16 | (uint32_t)op[6] << 24);
		else if (op[0] == 0xb8)
			imm = (int32_t)(op[1] | op[2] << 8 | op[3] << 16 | (uint32_t)op[4] << 24);
		else
			return false;
		printk("--- KD# ");
		print_user_string((vaddr_t)(int64_t)imm);
		printk(" (thread %llx) ---\n", (unsigned long long)l4_thread_no(current->id));
		kdb_enter("KDB_Enter from user code"); /* only with the kernel option kdb */
		return true;
	}
	case 0x3c: /* cmp $op, %al: a kernel-debugger operation */
		if (!arch_user_read(op, tf->rip + 1, 1))
			return false;
		switch (op[0]) {
		case 0x00: console_putc((char)tf->rax); return true;
		case 0x01: print_user_string(tf->rax); return true;
		case 0x08: {
			int c = console_getc();
			tf->rax = c < 0 ? 0 : (word_t)c;
			return true;
		}
		case 0x0d: {
			int c;
			while ((c = console_getc()) < 0)
				cpu_relax();
			tf->rax = (word_t)c;
			return true;
		}
		case 0x40: { /* mnemo, for make bench: RAX = the longest interrupts-off stretch since the last call */
			uint64_t t = rdtsc();
			tf->rax = t - arch_irqoff_since > arch_irqoff_max ? t - arch_irqoff_since : arch_irqoff_max;
			arch_irqoff_max = 0, arch_irqoff_since = t;
			return true;
		}
		case 0x41: trace_call(tf); return true;
		case 0x02: /* clear page, toggle break-in: nothing to do on a serial console */
		case 0x03: return true;
		}
		return false;
	}
	return false;
}

/* User page faults. sigma0's are resolved by the kernel with the idempotent
 * mapping of physical memory (ABI §4.4); kernel memory is never given out. */
bool arch_user_may_own(paddr_t pa) { return pa < virt_to_phys(_kernel_start) || pa >= virt_to_phys(_kernel_end); }

/* User page faults. sigma0's are resolved by the kernel with the idempotent
 * mapping of physical memory (ABI §4.4); everyone else's go to the pager as
 * X.2 page-fault IPC. Error bits: 1 present, 2 write, 16 instruction fetch. */
bool user_fault(vaddr_t addr, word_t error, word_t rip, bool *canceled)
{
	trace_event(TRACE_PAGEFAULT, addr, rip, error);
	struct space *s = current->space;
	if (!s)
		return false;
	vaddr_t page = ALIGN_DOWN(addr, PAGE_SIZE);
	/* The KIP and UTCB areas hold only the kernel's pages and nothing can be
	 * mapped there: a fault there (an unused UTCB slot, a write to the KIP) is
	 * an exception, or a failed user copy, never a page-fault IPC. */
	if (space_in_kernel_area(s, addr))
		return false;
	if (s->sigma0) {
		/* Idempotent: a root of the mapping database (2 MiB where the whole
		 * block may be sigma0's). A protection fault stays an exception. */
		if (error & 1)
			return false;
		return space_sigma0_fault(s, page);
	}
	unsigned access = (error & 2) ? L4_WRITABLE : (error & 16) ? L4_EXECUTABLE : L4_READABLE;
	enum pf_result r = ipc_pagefault(addr, access, rip);
	if (canceled)
		*canceled = r == PF_CANCELED;
	return r == PF_ANSWERED;
}
