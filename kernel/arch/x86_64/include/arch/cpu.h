/* SPDX-License-Identifier: MIT */
/* x86-64 instructions the kernel needs: ports, MSRs, control registers, TSC. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <kern/types.h>

#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_SFMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102

#define RFLAGS_CF (1u << 0)
#define RFLAGS_RESERVED1 (1u << 1)
#define RFLAGS_TF (1u << 8)
#define RFLAGS_IF (1u << 9)
#define RFLAGS_DF (1u << 10)
#define RFLAGS_IOPL3 (3u << 12)
#define RFLAGS_NT (1u << 14)
#define RFLAGS_AC (1u << 18)

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
/* make bench's interrupts-off figure: the longest TSC stretch between two preemption
 * points since the KDB call 0x40 last read it (mdb_pt.c, kdb.c). */
extern uint64_t arch_irqoff_max, arch_irqoff_since;
static inline word_t read_cr0(void)
{
	word_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline void write_cr0(word_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline word_t read_cr2(void)
{
	word_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline word_t read_cr3(void)
{
	word_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline void write_cr3(word_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline word_t read_cr4(void)
{
	word_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void write_cr4(word_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void invlpg(vaddr_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause"); }

__noreturn void arch_halt_forever(void);
/* Leaves QEMU through isa-debug-exit with MNEMO_EXIT_PASS/FAIL; halts elsewhere. */
__noreturn void arch_debug_exit(unsigned code);

#endif
