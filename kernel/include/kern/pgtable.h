/* SPDX-License-Identifier: MIT */
/* The page-table operations generic code uses; each arch defines struct arch_pgtable. */
#ifndef KERN_PGTABLE_H
#define KERN_PGTABLE_H

#include <kern/types.h>
#include <arch/pgtable.h>

/* Rights as in X.2 fpages: L4_READABLE | L4_WRITABLE | L4_EXECUTABLE. */
bool pt_create(struct arch_pgtable *pt);
void pt_destroy(struct arch_pgtable *pt);
/* Maps [va, va + 2^size_log2) to pa with the given rights, user-accessible;
 * size_log2 is 12, 21 or 30. False when page-table memory is exhausted. */
bool pt_map(struct arch_pgtable *pt, vaddr_t va, paddr_t pa, unsigned size_log2, unsigned rights);
/* Removes the mapping that contains va, if any; returns its size_log2 or 0. */
unsigned pt_unmap(struct arch_pgtable *pt, vaddr_t va);
/* Looks up va: true with *pa, *size_log2 and *rights if mapped. */
bool pt_lookup(const struct arch_pgtable *pt, vaddr_t va, paddr_t *pa, unsigned *size_log2, unsigned *rights);

#endif
