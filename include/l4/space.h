/* SPDX-License-Identifier: MIT */
/* libl4 for mnemo: the Unmap system call (ABI §5.10) and its Flush / GetStatus forms. */
#ifndef L4_SPACE_H
#define L4_SPACE_H

#include <l4/syscalls.h>

/* Control word: k (bits 0-5) = number of fpages - 1 in MR0..MRk, f (bit 6) = flush. */
#define L4_UNMAP_FLUSH 0x40u

/* Unmap: RDX control, MR0-MR7 in R9, RAX, RBX, R10, R12-R15 (loaded from the
 * UTCB here and stored back), MR8+ in the UTCB, RDI UTCB. The kernel writes each
 * fpage back with its rwx bits replaced by the access bits (referenced, written,
 * executed) of the mappings derived from it. Clobbers RCX, RDX, RSI, R8, R11. */
static inline void l4_unmap(l4_word_t control)
{
	l4_word_t *mr = l4_utcb();
	register l4_word_t r8 __asm__("r8");
	register l4_word_t r9 __asm__("r9") = mr[0];
	register l4_word_t r10 __asm__("r10") = mr[3];
	register l4_word_t r12 __asm__("r12") = mr[4];
	register l4_word_t r13 __asm__("r13") = mr[5];
	register l4_word_t r14 __asm__("r14") = mr[6];
	register l4_word_t r15 __asm__("r15") = mr[7];
	l4_word_t rax = mr[1], rbx = mr[2], rsi, rdx = control, rdi = (l4_word_t)mr;
	__asm__ volatile("pushq %%rbp; callq *%[fn]; popq %%rbp"
			 : "+a"(rax), "+b"(rbx), "=S"(rsi), "+d"(rdx), "+D"(rdi), "=r"(r8), "+r"(r9), "+r"(r10),
			   "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			 : [fn] "m"(__l4_syscall[L4_SC_UNMAP])
			 : "rcx", "r11", "memory");
	(void)rsi, (void)r8;
	mr = (l4_word_t *)rdi;
	mr[0] = r9, mr[1] = rax, mr[2] = rbx, mr[3] = r10;
	mr[4] = r12, mr[5] = r13, mr[6] = r14, mr[7] = r15;
}

/* Revokes the fpage's rights from every mapping derived from it; returns the
 * fpage with the access bits. */
static inline l4_fpage_t l4_unmap_fpage(l4_fpage_t f)
{
	l4_utcb()[0] = f;
	l4_unmap(0);
	return l4_utcb()[0];
}

/* The same, and from the caller's own mapping too. */
static inline l4_fpage_t l4_flush(l4_fpage_t f)
{
	l4_utcb()[0] = f;
	l4_unmap(L4_UNMAP_FLUSH);
	return l4_utcb()[0];
}

/* n fpages (n <= 64) at once; results replace them in fpages[]. */
static inline void l4_unmap_fpages(unsigned n, l4_fpage_t *fpages, int flush)
{
	l4_word_t *mr = l4_utcb();
	if (!n || n > 64)
		return;
	for (unsigned i = 0; i < n; i++)
		mr[i] = fpages[i];
	l4_unmap((n - 1) | (flush ? L4_UNMAP_FLUSH : 0));
	for (unsigned i = 0; i < n; i++)
		fpages[i] = l4_utcb()[i];
}

/* Query only (no rights revoked): returns the fpage with the access bits of the
 * mappings derived from it, and resets them. */
static inline l4_fpage_t l4_get_status(l4_fpage_t f) { return l4_unmap_fpage(f & ~(l4_fpage_t)7); }

static inline int l4_was_referenced(l4_fpage_t f) { return (f & 4) != 0; }
static inline int l4_was_written(l4_fpage_t f) { return (f & 2) != 0; }
static inline int l4_was_executed(l4_fpage_t f) { return (f & 1) != 0; }

#endif
