/* SPDX-License-Identifier: MIT */
/* x86-64 page-table hooks of the mapping database (kern/mdb_arch.h) and the kernel's preemption point. */
#include <kern/mdb_arch.h>
#include <kern/space.h>
#include <kern/thread.h>
#include <kern/panic.h>
#include <l4/types.h>
#include <arch/cpu.h>
#include <arch/pgtable.h>
#include <arch/pat.h>

/*
 * Leaves of the mdb are present PTEs without PTE_SW_KERN; their node reference
 * is in the side slot beside the PTE (arch/pgtable.h). Rights: W is the
 * hardware bit, X is !NX, R is !PTE_SW_NOREAD (x86 cannot make a present page
 * unreadable, so a w- or x-only mapping is readable by the hardware; the mdb
 * still records exactly the rights it was given). Access bits: A -> r and x
 * (x86 has no executed bit, ABI §5.10), D -> w. Every change of a present leaf
 * is followed by pt_flush_leaf (invlpg for 4 KiB, a CR3 reload for 2 MiB and
 * 1 GiB leaves, nothing when the space is not loaded); clearing A/D also
 * flushes, or the TLB would keep a dirty entry and never set D again. Memory
 * attributes are PAT entries selected by PWT, PCD and the PAT bit (arch/pat.h),
 * whose place differs between 4 KiB and larger leaves; PTE_SW_ATTR marks a leaf whose
 * attribute is not the default, so that the common case is one bit test.
 */

_Static_assert(sizeof(mdb_ref_t) == 4, "side arrays hold 512 four-byte references in 2 KiB");

static const unsigned level_shift[MDB_NLEVELS] = {12, 21, 30};

unsigned arch_pt_level_shift(unsigned level) { return level_shift[level]; }

static word_t rights_bits(unsigned rights)
{
	word_t f = PTE_P | PTE_U;
	if (rights & L4_WRITABLE)
		f |= PTE_W;
	if (!(rights & L4_EXECUTABLE))
		f |= PTE_NX;
	if (!(rights & L4_READABLE))
		f |= PTE_SW_NOREAD;
	return f;
}
#define RIGHTS_BITS (PTE_P | PTE_U | PTE_W | PTE_NX | PTE_SW_NOREAD)

static unsigned pte_rights(word_t e)
{
	return ((e & PTE_SW_NOREAD) ? 0 : L4_READABLE) | ((e & PTE_W) ? L4_WRITABLE : 0) |
	       ((e & PTE_NX) ? 0 : L4_EXECUTABLE);
}

static unsigned pte_access(word_t e)
{
	return ((e & PTE_A) ? L4_READABLE | L4_EXECUTABLE : 0) | ((e & PTE_D) ? L4_WRITABLE : 0);
}

static paddr_t pte_paddr(word_t e, unsigned level) { return e & PTE_ADDR & ~(((word_t)1 << level_shift[level]) - 1); }

/* The mdb leaf at base v (the mdb only names leaves it knows). */
static void leaf_at(struct space *s, vaddr_t v, struct pt_pos *p)
{
	if (!pt_find(&s->pt, v, p) || (*p->pte & PTE_SW_KERN))
		panic("mdb_pt: no mdb leaf at %#llx", (unsigned long long)v);
}

bool arch_pt_lookup(struct space *s, vaddr_t v, struct arch_pt_leaf *leaf, unsigned *hole_shift)
{
	struct pt_pos p;
	if (v >= USER_TOP) {
		*hole_shift = 12;
		return false;
	}
	if (!pt_find(&s->pt, v, &p)) {
		*hole_shift = 12 + 9 * p.level;
		return false;
	}
	if (*p.pte & PTE_SW_KERN) { /* the kernel's page: no mapping as far as the mdb knows */
		*hole_shift = 12;
		return false;
	}
	unsigned level = p.level;
	leaf->base = ALIGN_DOWN(v, (word_t)1 << level_shift[level]);
	leaf->paddr = pte_paddr(*p.pte, level);
	leaf->level = level;
	leaf->rights = pte_rights(*p.pte);
	leaf->arch_bits = *p.pte;
	leaf->node = *p.side;
	return true;
}

int arch_pt_install(struct space *s, vaddr_t v, unsigned level, paddr_t paddr, unsigned rights, mdb_ref_t node)
{
	struct pt_pos p;
	if (level >= MDB_NLEVELS || (level == 2 && !pt_have_1g_pages()))
		return -1;
	if (!pt_find_create(&s->pt, v, level, &p))
		return -1;
	if (*p.pte & PTE_P) /* only a kernel-owned page can be there (an area moved away): refuse */
		return -1;
	/* Not present before: no TLB entry to drop (x86 caches no non-present entries). */
	*p.side = node;
	*p.pte = paddr | rights_bits(rights) | (level ? PTE_PS : 0);
	return 0;
}

unsigned arch_pt_remove(struct space *s, vaddr_t v)
{
	struct pt_pos p;
	leaf_at(s, v, &p);
	unsigned access = pte_access(*p.pte);
	*p.pte = 0;
	*p.side = 0;
	pt_flush_leaf(&s->pt, v, p.level);
	return access;
}

void arch_pt_set_rights(struct space *s, vaddr_t v, unsigned rights)
{
	struct pt_pos p;
	leaf_at(s, v, &p);
	*p.pte = (*p.pte & ~RIGHTS_BITS) | rights_bits(rights);
	pt_flush_leaf(&s->pt, v, p.level);
}

void arch_pt_set_attr(struct space *s, vaddr_t v, unsigned attr)
{
	struct pt_pos p;
	leaf_at(s, v, &p);
	word_t e =
	    (*p.pte & ~(pat_pte_mask(p.level) | PTE_SW_ATTR)) | pat_pte_bits(attr, p.level) | (attr ? PTE_SW_ATTR : 0);
	if (e == *p.pte)
		return;
	*p.pte = e;
	pt_flush_leaf(&s->pt, v, p.level);
}

void arch_pt_set_node(struct space *s, vaddr_t v, mdb_ref_t node)
{
	struct pt_pos p;
	leaf_at(s, v, &p);
	*p.side = node;
}

unsigned arch_pt_access(struct space *s, vaddr_t v, bool clear)
{
	struct pt_pos p;
	leaf_at(s, v, &p);
	unsigned access = pte_access(*p.pte);
	if (clear && (*p.pte & (PTE_A | PTE_D))) {
		*p.pte &= ~(PTE_A | PTE_D);
		pt_flush_leaf(&s->pt, v, p.level);
	}
	return access;
}

int arch_pt_split(struct space *s, vaddr_t v, unsigned level)
{
	struct pt_pos p;
	if (level == 0 || level >= MDB_NLEVELS)
		return -1;
	leaf_at(s, v, &p);
	uint32_t side;
	paddr_t t = pt_table_alloc(&side);
	if (!t)
		return -1;
	word_t old = *p.pte, *nt = phys_to_virt(t);
	uint32_t *ns = pt_side_array(side);
	paddr_t pa = pte_paddr(old, level);
	/* PS and the PAT bit depend on the level: re-encoded for the pieces */
	word_t keep =
	    (old & (RIGHTS_BITS | PTE_A | PTE_D | PTE_SW_ATTR)) | pat_pte_bits(pat_pte_index(old, level), level - 1);
	word_t piece = (word_t)1 << level_shift[level - 1];
	for (unsigned i = 0; i < 512; i++) {
		nt[i] = (pa + i * piece) | keep | (level - 1 ? PTE_PS : 0);
		ns[i] = *p.side;
	}
	*p.pte = t | PTE_P | PTE_W | PTE_U;
	*p.side = side;
	pt_flush_leaf(&s->pt, v, level); /* the large translation must go: full flush */
	return 0;
}

uint64_t arch_irqoff_max, arch_irqoff_since;
/* Between two bounded pieces of kernel work: lets a pending interrupt (the timer)
 * in and switches if it asked for a reschedule. The kernel otherwise runs with
 * interrupts off; the interrupt path from kernel mode returns here. */
void arch_preempt_point(void)
{
	uint64_t t = rdtsc();
	arch_irqoff_max = t - arch_irqoff_since > arch_irqoff_max ? t - arch_irqoff_since : arch_irqoff_max;
	__asm__ volatile("sti; nop; cli" ::: "memory");
	if (need_resched) {
		current->preempted_in_kernel = true; /* its user state is not a system-call boundary */
		schedule();
		current->preempted_in_kernel = false;
	}
	arch_irqoff_since = rdtsc(); /* the next stretch starts when this thread goes on */
}
