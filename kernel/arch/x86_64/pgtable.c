/* SPDX-License-Identifier: MIT */
/* x86-64 4-level page tables: the kernel's master tables and user address spaces. */
#include <kern/frame.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <l4/types.h>
#include <arch/cpu.h>
#include <kern/pgtable.h>
#include <arch/physmem.h>
#include <arch/x86.h>
#include <arch/pgtable.h>

static paddr_t master_pml4;
paddr_t pt_active_pml4; /* what CR3 holds: saves reading CR3 on every switch */
static bool have_1g_pages;

static inline word_t *table(paddr_t pa) { return phys_to_virt(pa & PTE_ADDR); }
static inline unsigned idx(vaddr_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }

/* The kernel's master tables (no side arrays): the entry for va at `level` (0 =
 * PT, 1 = PD, 2 = PDPT, 3 = PML4), creating intermediate tables on the way; NULL
 * when a table cannot be allocated or a larger leaf is in the way. */
static word_t *kwalk_create(paddr_t pml4, vaddr_t va, unsigned level)
{
	word_t *t = table(pml4);
	for (unsigned l = 3; l > level; l--) {
		word_t *e = &t[idx(va, l)];
		if (!(*e & PTE_P)) {
			paddr_t f = frame_alloc();
			if (!f)
				return NULL;
			*e = f | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			return NULL;
		}
		t = table(*e);
	}
	return &t[idx(va, level)];
}

static word_t leaf_flags(unsigned rights, bool user)
{
	word_t f = PTE_P;
	if (rights & L4_WRITABLE)
		f |= PTE_W;
	if (!(rights & L4_EXECUTABLE))
		f |= PTE_NX;
	if (user)
		f |= PTE_U;
	return f;
}

static void map_kernel_range(vaddr_t start, vaddr_t end, unsigned rights, bool user)
{
	for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
		word_t *e = kwalk_create(master_pml4, va, 0);
		if (!e)
			panic("out of kernel memory building the kernel page tables");
		*e = (va - KERNEL_VBASE) | leaf_flags(rights, user) | PTE_G;
	}
}

void pgtable_init(paddr_t phys_top)
{
	uint32_t r[4];
	cpuid(0x80000001, 0, r);
	have_1g_pages = r[3] & (1u << 26);
	master_pml4 = frame_alloc();
	if (!master_pml4)
		panic("out of kernel memory for the page tables");

	/* Direct map of physical memory (and the 4 GiB below it, for device registers). */
	paddr_t top = ALIGN_UP(phys_top > (4ull << 30) ? phys_top : (4ull << 30), 1ull << 30);
	if (top > (word_t)PHYS_MAP_MAX_GB << 30)
		top = (word_t)PHYS_MAP_MAX_GB << 30;
	for (paddr_t pa = 0; pa < top;) {
		if (have_1g_pages) {
			word_t *e = kwalk_create(master_pml4, PHYS_MAP_BASE + pa, 2);
			if (!e)
				panic("out of kernel memory for the direct map");
			*e = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
			pa += 1ull << 30;
		} else {
			word_t *e = kwalk_create(master_pml4, PHYS_MAP_BASE + pa, 1);
			if (!e)
				panic("out of kernel memory for the direct map");
			*e = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
			pa += 1ull << 21;
		}
	}

	/* The kernel image with per-section rights; two pages are visible to user code. */
	vaddr_t ks = (vaddr_t)_kernel_start;
	map_kernel_range(ks, (vaddr_t)_boot32_start, L4_READABLE | L4_WRITABLE, false); /* KIP */
	map_kernel_range((vaddr_t)_boot32_start, (vaddr_t)_user_stubs_start, L4_READABLE | L4_EXECUTABLE, false);
	map_kernel_range((vaddr_t)_user_stubs_start, (vaddr_t)_user_stubs_end, L4_READABLE | L4_EXECUTABLE, true);
	map_kernel_range((vaddr_t)_user_stubs_end, (vaddr_t)_user_ro_start, L4_READABLE, false);
	map_kernel_range((vaddr_t)_user_ro_start, (vaddr_t)_user_ro_end, L4_READABLE, true);
	map_kernel_range((vaddr_t)_user_ro_end, (vaddr_t)_kernel_end, L4_READABLE | L4_WRITABLE, false);

	/* Pre-create every kernel-half PML4 slot that user spaces copy: none is added later. */
	write_cr4(read_cr4() | (1u << 7)); /* PGE */
	cr3_switch(master_pml4);
}

bool pt_have_1g_pages(void) { return have_1g_pages; }

/* ---- side arrays: two 2 KiB halves per kernel frame ----
 * Invariant: a free half starts with SIDE_FREE_MAGIC and is on the doubly linked
 * list side_free_head (links: physical addresses of halves); a frame whose two
 * halves are both free is returned to the pool at once, so at most one half of
 * each frame is on the list. A used half never starts with the magic: its first
 * slots are node references (never 0xffffffff: node offsets are 16 + 24k inside
 * 4 KiB pages) or side locations (< 2^28) or 0. */
#define SIDE_HALF 2048u
#define SIDE_FREE_MAGIC 0xffffffffffffffffull
struct side_free {
	uint64_t magic;
	paddr_t next, prev;
};
static paddr_t side_free_head;
_Static_assert(512 * sizeof(uint32_t) == SIDE_HALF && 2 * SIDE_HALF == PAGE_SIZE, "two side arrays per frame");
_Static_assert(sizeof(struct side_free) <= SIDE_HALF, "free-half header fits a half");
_Static_assert((1u << PT_SIDE_SHIFT) == SIDE_HALF, "side locations count 2 KiB halves");

static struct side_free *side_hdr(paddr_t pa) { return phys_to_virt(pa); }

static void side_list_remove(paddr_t pa)
{
	struct side_free *h = side_hdr(pa);
	if (h->prev)
		side_hdr(h->prev)->next = h->next;
	else
		side_free_head = h->next;
	if (h->next)
		side_hdr(h->next)->prev = h->prev;
	memset(h, 0, sizeof *h);
}

static void side_list_push(paddr_t pa)
{
	struct side_free *h = side_hdr(pa);
	h->magic = SIDE_FREE_MAGIC;
	h->prev = 0;
	h->next = side_free_head;
	if (side_free_head)
		side_hdr(side_free_head)->prev = pa;
	side_free_head = pa;
}

static paddr_t side_alloc(void)
{
	if (side_free_head) {
		paddr_t pa = side_free_head;
		side_list_remove(pa);
		memset(phys_to_virt(pa), 0, SIDE_HALF);
		return pa;
	}
	paddr_t f = frame_alloc();
	if (!f)
		return 0;
	side_list_push(f + SIDE_HALF);
	return f;
}

static void side_release(paddr_t pa)
{
	paddr_t buddy = pa ^ SIDE_HALF;
	if (side_hdr(buddy)->magic == SIDE_FREE_MAGIC) {
		side_list_remove(buddy);
		frame_free(ALIGN_DOWN(pa, PAGE_SIZE));
	} else {
		side_list_push(pa);
	}
}

paddr_t pt_table_alloc(uint32_t *side_loc)
{
	paddr_t t = frame_alloc();
	if (!t)
		return 0;
	paddr_t side = side_alloc();
	if (!side) {
		frame_free(t);
		return 0;
	}
	*side_loc = (uint32_t)(side >> PT_SIDE_SHIFT);
	return t;
}

void pt_table_free(paddr_t t, uint32_t side_loc)
{
	side_release((paddr_t)side_loc << PT_SIDE_SHIFT);
	frame_free(t);
}

static inline bool is_leaf(word_t e, unsigned level) { return level == 0 || (e & PTE_PS); }

bool pt_create(struct arch_pgtable *pt)
{
	pt->pml4 = frame_alloc();
	if (!pt->pml4)
		return false;
	pt->pml4_side = side_alloc();
	if (!pt->pml4_side) {
		frame_free(pt->pml4);
		return false;
	}
	memcpy(table(pt->pml4) + 256, table(master_pml4) + 256, 256 * sizeof(word_t));
	return true;
}

/* Frees the tables below entry e (side slot side) of `level`, and kernel-owned
 * UTCB frames. mdb leaves are gone by now (mdb_space_delete ran first). */
static void free_below(word_t e, uint32_t side, unsigned level)
{
	if (!(e & PTE_P))
		return;
	if (is_leaf(e, level)) {
		paddr_t pa = e & PTE_ADDR;
		if ((e & PTE_SW_KERN) && level == 0 && frame_in_pool(pa))
			frame_free(pa);
		return;
	}
	word_t *t = table(e);
	uint32_t *s = pt_side_array(side);
	for (unsigned i = 0; i < 512; i++)
		free_below(t[i], s[i], level - 1);
	pt_table_free(e & PTE_ADDR, side);
}

void pt_destroy(struct arch_pgtable *pt)
{
	if (pt_active_pml4 == pt->pml4)
		cr3_switch(master_pml4);
	word_t *t = table(pt->pml4);
	uint32_t *s = phys_to_virt(pt->pml4_side);
	for (unsigned i = 0; i < 256; i++)
		free_below(t[i], s[i], 3);
	side_release(pt->pml4_side);
	frame_free(pt->pml4);
	pt->pml4 = pt->pml4_side = 0;
}

bool pt_find(const struct arch_pgtable *pt, vaddr_t va, struct pt_pos *pos)
{
	word_t *t = table(pt->pml4);
	uint32_t *s = phys_to_virt(pt->pml4_side);
	for (unsigned l = 3;; l--) {
		unsigned i = idx(va, l);
		pos->pte = &t[i];
		pos->side = &s[i];
		pos->level = l;
		if (!(t[i] & PTE_P))
			return false;
		if (is_leaf(t[i], l))
			return true;
		s = pt_side_array(s[i]);
		t = table(t[i]);
	}
}

/* Whether the table entry e (of `level`) leads only to tables without leaves. */
static bool tables_empty(word_t e, uint32_t side, unsigned level)
{
	word_t *t = table(e);
	uint32_t *s = pt_side_array(side);
	for (unsigned i = 0; i < 512; i++)
		if ((t[i] & PTE_P) && (is_leaf(t[i], level - 1) || !tables_empty(t[i], s[i], level - 1)))
			return false;
	return true;
}

/* Frees the (leafless) tables below the table entry e of `level`. */
static void free_tables(word_t e, uint32_t side, unsigned level)
{
	word_t *t = table(e);
	uint32_t *s = pt_side_array(side);
	for (unsigned i = 0; i < 512; i++)
		if (t[i] & PTE_P)
			free_tables(t[i], s[i], level - 1);
	pt_table_free(e & PTE_ADDR, side);
}

bool pt_find_create(struct arch_pgtable *pt, vaddr_t va, unsigned level, struct pt_pos *pos)
{
	word_t *t = table(pt->pml4);
	uint32_t *s = phys_to_virt(pt->pml4_side);
	for (unsigned l = 3;; l--) {
		unsigned i = idx(va, l);
		pos->pte = &t[i];
		pos->side = &s[i];
		pos->level = l;
		if (l == level) {
			if ((t[i] & PTE_P) && !is_leaf(t[i], l)) {
				/* Tables left empty by earlier removals: free them for the leaf. */
				if (!tables_empty(t[i], s[i], l))
					return false;
				word_t old = t[i];
				uint32_t old_side = s[i];
				t[i] = 0;
				s[i] = 0;
				pt_flush_leaf(pt, ALIGN_DOWN(va, (word_t)1 << (12 + 9 * l)),
					      1); /* paging-structure caches */
				free_tables(old, old_side, l);
			}
			return true;
		}
		if (!(t[i] & PTE_P)) {
			uint32_t side;
			paddr_t nt = pt_table_alloc(&side);
			if (!nt)
				return false;
			t[i] = nt | PTE_P | PTE_W | PTE_U; /* intermediate entries: leaves decide */
			s[i] = side;
		} else if (is_leaf(t[i], l)) {
			return false;
		}
		s = pt_side_array(s[i]);
		t = table(t[i]);
	}
}

void pt_flush_leaf(const struct arch_pgtable *pt, vaddr_t va, unsigned level)
{
	if (read_cr3() != pt->pml4)
		return;
	if (level == 0)
		invlpg(va);
	else
		write_cr3(pt->pml4); /* user pages are never global */
}

/* Kernel-owned pages in user spaces (KIP, UTCBs): marked PTE_SW_KERN, invisible
 * to the mdb, freed (if pool frames) with the space. Refused where an mdb leaf is. */
bool pt_map(struct arch_pgtable *pt, vaddr_t va, paddr_t pa, unsigned size_log2, unsigned rights)
{
	unsigned level = size_log2 == 30 ? 2 : size_log2 == 21 ? 1 : 0;
	if ((size_log2 != 12 && size_log2 != 21 && size_log2 != 30) || va >= USER_TOP ||
	    (va & ((1ull << size_log2) - 1)))
		return false;
	struct pt_pos p;
	if (!pt_find_create(pt, va, level, &p))
		return false;
	if ((*p.pte & PTE_P) && !(*p.pte & PTE_SW_KERN))
		return false;
	bool was_present = *p.pte & PTE_P;
	*p.pte = pa | leaf_flags(rights, true) | (level ? PTE_PS : 0) | PTE_SW_KERN;
	*p.side = 0;
	if (was_present)
		pt_flush_leaf(pt, va, level);
	return true;
}

unsigned pt_unmap(struct arch_pgtable *pt, vaddr_t va)
{
	struct pt_pos p;
	if (!pt_find(pt, va, &p) || !(*p.pte & PTE_SW_KERN))
		return 0;
	*p.pte = 0;
	pt_flush_leaf(pt, ALIGN_DOWN(va, (word_t)1 << (12 + 9 * p.level)), p.level);
	return 12 + 9 * p.level;
}

bool pt_lookup(const struct arch_pgtable *pt, vaddr_t va, paddr_t *pa, unsigned *size_log2, unsigned *rights)
{
	struct pt_pos p;
	if (!pt_find(pt, va, &p))
		return false;
	word_t e = *p.pte;
	unsigned sz = 12 + 9 * p.level;
	*pa = (e & PTE_ADDR & ~((1ull << sz) - 1)) | (va & ((1ull << sz) - 1) & ~(PAGE_SIZE - 1));
	*size_log2 = sz;
	*rights = ((e & PTE_SW_NOREAD) ? 0 : L4_READABLE) | ((e & PTE_W) ? L4_WRITABLE : 0) |
		  ((e & PTE_NX) ? 0 : L4_EXECUTABLE);
	return true;
}
