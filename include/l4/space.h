/* SPDX-License-Identifier: MIT */
/* libl4 for mnemo: the Unmap system call (ABI §5.10) and its Flush / GetStatus forms; X.2 spaces and Unmap. */
#ifndef L4_SPACE_H
#define L4_SPACE_H

#include <l4/syscalls.h>
#include <l4/thread.h>

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

/*
 * The X.2 convenience interface for address spaces (X.2 §4.2 Unmap, §4.3
 * SpaceControl), over the scalar layer.
 */

/* Unmap with the fpages the caller put in MR0..MRk (control: k in bits 0-5, 0x40
 * flush); each comes back with its rwx bits replaced by the access bits. */
L4_INLINE void L4_Unmap(L4_Word_t control) { l4_unmap(control); }

/* Revokes f's rights (its rwx bits) from every mapping derived from the caller's
 * pages in f; returns f with the access bits (referenced, written, executed) of
 * those mappings in place of its rights. */
L4_INLINE L4_Fpage_t L4_UnmapFpage(L4_Fpage_t f) { return (L4_Fpage_t){.raw = l4_unmap_fpage(f.raw)}; }
/* The same, and from the caller's own mappings too. */
L4_INLINE L4_Fpage_t L4_Flush(L4_Fpage_t f) { return (L4_Fpage_t){.raw = l4_flush(f.raw)}; }
/* Only the access bits of the derived mappings (rights 0: nothing revoked); it resets them. */
L4_INLINE L4_Fpage_t L4_GetStatus(L4_Fpage_t f) { return L4_UnmapFpage((L4_Fpage_t){.raw = f.raw & ~0xful}); }

/* n fpages (1 to 64) at once, each replaced by its result. */
L4_INLINE void __L4_UnmapList(L4_Word_t n, L4_Fpage_t *fpages, L4_Word_t flush)
{
	if (n == 0 || n > L4_UTCB_MRS)
		return;
	L4_Word_t *mr = l4_utcb();
	for (L4_Word_t i = 0; i < n; i++)
		mr[i] = fpages[i].raw;
	l4_unmap((n - 1) | flush);
	mr = l4_utcb();
	for (L4_Word_t i = 0; i < n; i++)
		fpages[i].raw = mr[i];
}
L4_INLINE void L4_UnmapFpages(L4_Word_t n, L4_Fpage_t *fpages) { __L4_UnmapList(n, fpages, 0); }
L4_INLINE void L4_FlushFpages(L4_Word_t n, L4_Fpage_t *fpages) { __L4_UnmapList(n, fpages, L4_UNMAP_FLUSH); }

/* The access bits of an Unmap result (x86 reports a read as referenced and executed). */
L4_INLINE L4_Bool_t L4_WasReferenced(L4_Fpage_t f) { return (f.raw & L4_Readable) != 0; }
L4_INLINE L4_Bool_t L4_WasWritten(L4_Fpage_t f) { return (f.raw & L4_Writable) != 0; }
L4_INLINE L4_Bool_t L4_WaseXecuted(L4_Fpage_t f) { return (f.raw & L4_eXecutable) != 0; }
L4_INLINE L4_Bool_t L4_WasExecuted(L4_Fpage_t f) { return L4_WaseXecuted(f); }

/* C spellings of X.2's overloads: L4_Unmap(fpage), L4_Unmap(n, fpages), L4_Flush(n, fpages). */
#define L4_Unmap(...) __L4_OVERLOAD(__L4_Unmap, __VA_ARGS__)
#define __L4_Unmap1(x) _Generic((x), L4_Fpage_t : L4_UnmapFpage, default : L4_Unmap)(x)
#define __L4_Unmap2 L4_UnmapFpages
#define L4_Flush(...) __L4_OVERLOAD(__L4_Flush, __VA_ARGS__)
#define __L4_Flush1 L4_Flush
#define __L4_Flush2 L4_FlushFpages

/* SpaceControl (privileged): 1, or 0 with L4_ErrorCode(). The KIP and UTCB areas
 * of a space are set once, before its first thread is activated; a nil
 * redirector leaves it unchanged, L4_anythread removes it. */
L4_INLINE L4_Word_t L4_SpaceControl(L4_ThreadId_t SpaceSpecifier, L4_Word_t control, L4_Fpage_t KernelInterfacePageArea,
				    L4_Fpage_t UtcbArea, L4_ThreadId_t redirector, L4_Word_t *old_control)
{
	return l4_space_control(SpaceSpecifier.raw, control, KernelInterfacePageArea.raw, UtcbArea.raw, redirector.raw,
				old_control);
}

#endif
