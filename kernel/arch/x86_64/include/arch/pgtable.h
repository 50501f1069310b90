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

#endif
