/* SPDX-License-Identifier: MIT */
/* x86-64 4-level page tables of one address space. */
#ifndef ARCH_PGTABLE_H
#define ARCH_PGTABLE_H

#include <kern/types.h>

/* Invariant: entries 256-511 of every space's PML4 equal those of the kernel's
 * master PML4, which gets no new top-level entries after boot. */
struct arch_pgtable {
	paddr_t pml4;
};

/* Rights as in X.2 fpages: L4_READABLE | L4_WRITABLE | L4_EXECUTABLE. */
bool pt_create(struct arch_pgtable *pt);
void pt_destroy(struct arch_pgtable *pt);
/* Maps [va, va + 2^size_log2) to pa with the given rights, user-accessible;
 * size_log2 is 12, 21 or 30. False when page-table memory is exhausted. */
bool pt_map(struct arch_pgtable *pt, vaddr_t va, paddr_t pa, unsigned size_log2, unsigned rights);
/* Removes the mapping that contains va, if any; returns its size_log2 or 0. */
unsigned pt_unmap(struct arch_pgtable *pt, vaddr_t va);
/* Looks up va: true with *pa, *size_log2 and *rights if mapped. */
bool pt_lookup(const struct arch_pgtable *pt, vaddr_t va, paddr_t *pa, unsigned *size_log2,
	       unsigned *rights);
void pt_activate(const struct arch_pgtable *pt);

#endif
