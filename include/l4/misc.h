/* SPDX-License-Identifier: MIT */
/* libl4 for mnemo: ProcessorControl and MemoryControl (ABI §5.11, §5.12), privileged; their X.2 interface. */
#ifndef L4_MISC_H
#define L4_MISC_H

#include <l4/syscalls.h>

/* ProcessorControl: RDI processor, RSI internal frequency, RDX external frequency,
 * R8 voltage; RAX result (1 ok, 0 error with ErrorCode). */
static inline l4_word_t l4_processor_control(l4_word_t processor, l4_word_t internal_freq, l4_word_t external_freq,
					     l4_word_t voltage)
{
	register l4_word_t r8 __asm__("r8") = voltage;
	l4_word_t rax, rdi = processor, rsi = internal_freq, rdx = external_freq;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8)
			 : [fn] "m"(__l4_syscall[L4_SC_PROCESSOR_CONTROL])
			 : "rbx", "rcx", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
	return rax;
}

/* MemoryControl: RDX control (bits 0-5 k: MR0..MRk hold fpages whose low rwx bits
 * select attribute 0-3), RCX/RSI/R8/R11 attributes 0-3, MR0-MR7 as for Ipc, RDI UTCB;
 * RDX result, RAX -> MR1, RCX -> MR0 (ABI §5.12). RCX and R11 are treated as
 * destroyed (a `syscall` stub would destroy them), as libl4 does. */
static inline l4_word_t l4_memory_control(l4_word_t control, const l4_word_t attributes[4])
{
	l4_word_t *mr = l4_utcb();
	register l4_word_t r8 __asm__("r8") = attributes[2];
	register l4_word_t r9 __asm__("r9") = mr[0];
	register l4_word_t r10 __asm__("r10") = mr[3];
	register l4_word_t r11 __asm__("r11") = attributes[3];
	register l4_word_t r12 __asm__("r12") = mr[4];
	register l4_word_t r13 __asm__("r13") = mr[5];
	register l4_word_t r14 __asm__("r14") = mr[6];
	register l4_word_t r15 __asm__("r15") = mr[7];
	l4_word_t rax = mr[1], rbx = mr[2], rcx = attributes[0], rdx = control, rsi = attributes[1];
	l4_word_t rdi = (l4_word_t)mr;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi), "+r"(r8), "+r"(r9),
			   "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			 : [fn] "m"(__l4_syscall[L4_SC_MEMORY_CONTROL])
			 : "memory");
	mr = (l4_word_t *)rdi;
	mr[0] = rcx;
	mr[1] = rax;
	return rdx;
}

/* Memory attributes on amd64 (the ia32 values of L4's specials.h; mnemo's PAT
 * holds each type at entry value - 1; docs/kernel.md "Memory attributes"). */
#define L4_DefaultMemory 0
#define L4_WriteBackMemory 1
#define L4_WriteThroughMemory 2
#define L4_UncacheableMinusMemory 3 /* UC-: uncacheable, but write-combining MTRRs win */
#define L4_UncacheableMemory 4
#define L4_WriteCombiningMemory 5
#define L4_WriteProtectedMemory 8

/* Sets the attribute of the caller's fpage f (and of what is derived from it). */
static inline l4_word_t l4_set_page_attribute(l4_fpage_t f, l4_word_t attribute)
{
	const l4_word_t attributes[4] = {attribute, 0, 0, 0};
	l4_utcb()[0] = f & ~(l4_word_t)0xf; /* the low bits select attribute 0 */
	return l4_memory_control(0, attributes);
}

/* ---- the X.2 convenience interface (X.2 §6.3 ProcessorControl, §6.4 MemoryControl) ---- */

/* 1, or 0 with L4_ErrorCode(). mnemo has processor 0 only, and changes neither
 * its frequencies nor its voltage. */
L4_INLINE L4_Word_t L4_ProcessorControl(L4_Word_t ProcessorNo, L4_Word_t InternalFrequency, L4_Word_t ExternalFrequency,
					L4_Word_t voltage)
{
	return l4_processor_control(ProcessorNo, InternalFrequency, ExternalFrequency, voltage);
}

/* The fpages in MR0..MRk (control: k in bits 0-5) get attributes[i], i their
 * low two bits; 1, or 0 with L4_ErrorCode(). */
L4_INLINE L4_Word_t L4_MemoryControl(L4_Word_t control, const L4_Word_t *attributes)
{
	return l4_memory_control(control, attributes);
}

/* The caller's pages in f (and what is derived from them) get attribute. */
L4_INLINE L4_Word_t L4_Set_PageAttribute(L4_Fpage_t f, L4_Word_t attribute)
{
	const L4_Word_t attributes[4] = {attribute, 0, 0, 0};
	l4_utcb()[0] = f.raw & ~0xful; /* low bits 0: attribute 0 */
	return L4_MemoryControl(0, attributes);
}
/* n fpages (1 to 64), each getting attributes[i] for i its low two bits (its
 * rights field). Another n reaches the kernel as a control word with bits above
 * k, which it refuses ("invalid parameter"). */
L4_INLINE L4_Word_t L4_Set_PagesAttributes(L4_Word_t n, L4_Fpage_t *fpages, const L4_Word_t *attributes)
{
	L4_Word_t *mr = l4_utcb();
	for (L4_Word_t i = 0; i < n && i < L4_UTCB_MRS; i++)
		mr[i] = fpages[i].raw;
	return L4_MemoryControl(n - 1, attributes);
}
/* Pistachio's spelling. */
L4_INLINE L4_Word_t L4_Set_PageAttributes(L4_Word_t n, L4_Fpage_t *fpages, const L4_Word_t *attributes)
{
	return L4_Set_PagesAttributes(n, fpages, attributes);
}

#endif
