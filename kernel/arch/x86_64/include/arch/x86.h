/* SPDX-License-Identifier: MIT */
/* Internal interfaces between the x86-64 files of the kernel. */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <kern/types.h>
#include <arch/cpu.h>
#include <arch/trapframe.h>

struct tcb;

/* Per-CPU state the entry code reaches by absolute address (one CPU). */
extern word_t cpu_kstack_top; /* kernel stack top of the running thread */
extern word_t cpu_user_rsp_scratch; /* the syscall entry's scratch slot */

void serial_init(void);
void cpu_init(void); /* GDT, TSS, IDT, syscall MSRs, FPU control bits */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");
extern struct tss cpu_tss;
extern paddr_t pt_active_pml4; /* what CR3 holds (pgtable.c) */

/* The kernel stack of the running thread, for interrupts (TSS) and syscall entry. */
static inline void cpu_set_kernel_stack(word_t top)
{
	cpu_tss.rsp[0] = top;
	cpu_kstack_top = top;
}

/* Loads CR3 with pml4 unless it holds it already (pt_active_pml4 tracks CR3, which
 * saves reading it on every switch). */
static inline void cr3_switch(paddr_t pml4)
{
	if (pml4 != pt_active_pml4) {
		pt_active_pml4 = pml4;
		write_cr3(pml4);
	}
}
void pgtable_init(paddr_t phys_top); /* the kernel's master page tables */
void timer_init(void); /* PIC, PIT tick, TSC calibration */
word_t timer_tsc_khz(void);
void fpu_init(void);
void fpu_trap_nm(void); /* #NM from user mode: lazy FPU switch */
void fpu_switch(struct tcb *to);

void trap_dispatch(struct trapframe *tf);
void syscall_dispatch(struct trapframe *tf);

/* Reads len bytes of user memory at uva into dst; false if not all readable. */
bool arch_user_read(void *dst, vaddr_t uva, size_t len);
/* Resolves a user page fault (sigma0's idempotently, others by page-fault IPC);
 * false if it could not be. *canceled (if given) tells that ExchangeRegisters
 * canceled the page-fault IPC: the access is to be re-executed. */
bool user_fault(vaddr_t addr, word_t error, word_t rip, bool *canceled);

/* Reports an exception with the full register state on the console. */
void trap_report(const struct trapframe *tf, const char *who);

/* Exception self-test support: a kernel-mode exception while recovery_rip is
 * set is reported, then resumes there with trap_recovery_rsp (see selftest.c). */
extern volatile word_t trap_recovery_rip;
extern volatile word_t trap_recovery_rsp;
extern volatile word_t trap_recovery_count;

extern char _kernel_start[], _kernel_end[], _text_end[], _rodata_end[];
extern char _user_stubs_start[], _user_stubs_end[], _user_ro_start[], _user_ro_end[];
extern char _boot32_start[];

#endif
