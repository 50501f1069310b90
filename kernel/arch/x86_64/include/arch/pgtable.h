/* SPDX-License-Identifier: MIT */
/* x86-64 4-level page tables of one address space, and the internals pgtable.c shares with mdb_pt.c. */
#ifndef ARCH_PGTABLE_H
#define ARCH_PGTABLE_H

#include <kern/types.h>

/*
 * Invariants: entries 256-511 of every space's PML4 equal those of the kernel's
 * master PML4, which gets no new top-level entries after boot.
 *
 * Side arrays (docs/mdb.md, "x86-64 page tables"): every user page table (PDPT,
 * PD, PT) and the PML4 has a side array of 512 uint32_t, 2 KiB, two per kernel
 * frame. Slot i belongs to entry i of the table:
 *  - entry i is a present leaf of the mdb: slot i is its node's mdb_ref_t;
 *  - entry i points to a lower table: slot i is that table's side-array
 *    location (physical address >> 11, so 32 bits reach 8 TiB);
 *  - otherwise (empty entry, or a kernel-owned leaf: PTE_SW_KERN) slot i is 0.
 * So a walk reaches the table and its side array together, without any global
 * frame-indexed table. pml4_side is the PML4's side array (only the user half,
 * slots 0-255, is used).
 */
struct arch_pgtable {
	paddr_t pml4;
	paddr_t pml4_side;
};

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
/* Software bits (ignored by the MMU at every level). */
#define PTE_SW_KERN (1ull << 9) /* kernel-owned user page (KIP, UTCB): not in the mdb */
#define PTE_SW_NOREAD (1ull << 11) /* mdb leaf without the read right (x86 cannot deny reads) */
#define PTE_SW_ATTR (1ull << 10) /* mdb leaf whose memory attribute is not the default (arch/pat.h) */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PT_SIDE_SHIFT 11 /* side arrays are 2 KiB aligned */

/* One entry of a user walk: the PTE, its side slot and its level (0 = PT ... 3 = PML4). */
struct pt_pos {
	word_t *pte;
	uint32_t *side;
	unsigned level;
};

/* Walks to va: true if a leaf maps va (pos names it), false at the first
 * non-present entry (pos names it; its level gives the size of the hole). */
bool pt_find(const struct arch_pgtable *pt, vaddr_t va, struct pt_pos *pos);
/* Walks to the entry of `level` for va, creating tables (and their side arrays);
 * an empty lower table in the way of a leaf at `level` is freed. False when out
 * of memory or a leaf is in the way. */
bool pt_find_create(struct arch_pgtable *pt, vaddr_t va, unsigned level, struct pt_pos *pos);
/* A zeroed page table and its zeroed side array; 0 when out of memory. */
paddr_t pt_table_alloc(uint32_t *side_loc);
void pt_table_free(paddr_t table, uint32_t side_loc);
static inline uint32_t *pt_side_array(uint32_t loc);
/* TLB maintenance after a user leaf at (va, level) changed or went away: invlpg
 * for 4 KiB, a full (non-global) flush for larger leaves; nothing if pt is not
 * the loaded address space (no PCIDs: a CR3 load drops all non-global entries). */
void pt_flush_leaf(const struct arch_pgtable *pt, vaddr_t va, unsigned level);
/* Whether the 1 GiB leaf size can be used. */
bool pt_have_1g_pages(void);

#include <arch/physmem.h>
static inline uint32_t *pt_side_array(uint32_t loc) { return phys_to_virt((paddr_t)loc << PT_SIDE_SHIFT); }

#endif
