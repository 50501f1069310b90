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

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

static paddr_t master_pml4;
static bool have_1g_pages;

static inline word_t *table(paddr_t pa) { return phys_to_virt(pa & PTE_ADDR); }
static inline unsigned idx(vaddr_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }

/* The entry for va at `level` (0 = PT, 1 = PD, 2 = PDPT, 3 = PML4), creating
 * intermediate tables on the way; NULL when a table cannot be allocated or a
 * larger leaf is in the way. Intermediate entries are user+writable: leaves decide. */
static word_t *walk_create(paddr_t pml4, vaddr_t va, unsigned level)
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
		word_t *e = walk_create(master_pml4, va, 0);
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
			word_t *e = walk_create(master_pml4, PHYS_MAP_BASE + pa, 2);
			if (!e)
				panic("out of kernel memory for the direct map");
			*e = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
			pa += 1ull << 30;
		} else {
			word_t *e = walk_create(master_pml4, PHYS_MAP_BASE + pa, 1);
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
	write_cr3(master_pml4);
}

bool pt_create(struct arch_pgtable *pt)
{
	pt->pml4 = frame_alloc();
	if (!pt->pml4)
		return false;
	memcpy(table(pt->pml4) + 256, table(master_pml4) + 256, 256 * sizeof(word_t));
	return true;
}

static void free_level(paddr_t t, unsigned level)
{
	word_t *e = table(t);
	for (unsigned i = 0; i < (level == 3 ? 256u : 512u); i++)
		if ((e[i] & PTE_P) && !(e[i] & PTE_PS) && level > 0)
			free_level(e[i] & PTE_ADDR, level - 1);
	frame_free(t);
}

void pt_destroy(struct arch_pgtable *pt)
{
	if (read_cr3() == pt->pml4)
		write_cr3(master_pml4);
	free_level(pt->pml4, 3);
	pt->pml4 = 0;
}

bool pt_map(struct arch_pgtable *pt, vaddr_t va, paddr_t pa, unsigned size_log2, unsigned rights)
{
	unsigned level = size_log2 == 30 ? 2 : size_log2 == 21 ? 1 : 0;
	assert(size_log2 == 12 || size_log2 == 21 || size_log2 == 30);
	assert(va < USER_TOP && !(va & ((1ull << size_log2) - 1)));
	word_t *e = walk_create(pt->pml4, va, level);
	if (!e)
		return false;
	bool was_present = *e & PTE_P;
	*e = pa | leaf_flags(rights, true) | (level ? PTE_PS : 0);
	if (was_present)
		invlpg(va);
	return true;
}

unsigned pt_unmap(struct arch_pgtable *pt, vaddr_t va)
{
	word_t *t = table(pt->pml4);
	for (unsigned l = 3;; l--) {
		word_t *e = &t[idx(va, l)];
		if (!(*e & PTE_P))
			return 0;
		if (l == 0 || (*e & PTE_PS)) {
			*e = 0;
			invlpg(va);
			return 12 + 9 * l;
		}
		t = table(*e);
	}
}

bool pt_lookup(const struct arch_pgtable *pt, vaddr_t va, paddr_t *pa, unsigned *size_log2, unsigned *rights)
{
	word_t *t = table(pt->pml4);
	for (unsigned l = 3;; l--) {
		word_t e = t[idx(va, l)];
		if (!(e & PTE_P))
			return false;
		if (l == 0 || (e & PTE_PS)) {
			unsigned sz = 12 + 9 * l;
			*pa = (e & PTE_ADDR & ~((1ull << sz) - 1)) | (va & ((1ull << sz) - 1) & ~(PAGE_SIZE - 1));
			*size_log2 = sz;
			*rights = L4_READABLE | ((e & PTE_W) ? L4_WRITABLE : 0) | ((e & PTE_NX) ? 0 : L4_EXECUTABLE);
			return true;
		}
		t = table(e);
	}
}

void pt_activate(const struct arch_pgtable *pt)
{
	paddr_t want = pt ? pt->pml4 : master_pml4;
	if (read_cr3() != want)
		write_cr3(want);
}
