/* SPDX-License-Identifier: MIT */
/* x86-64: the memory attribute of an mdb leaf from the PTE bits arch_pt_lookup handed over (kern/mdb_arch.h). */
#ifndef ARCH_MDB_LEAF_H
#define ARCH_MDB_LEAF_H

#include <arch/pat.h>
#include <arch/pgtable.h>

/* Inline, and a single bit test for the default: a map asks once per chunk
 * (mdb.c), on the path of every map item. */
static inline unsigned arch_pt_leaf_attr(const struct arch_pt_leaf *leaf)
{
	if (__builtin_expect(!(leaf->arch_bits & PTE_SW_ATTR), 1))
		return 0;
	return pat_pte_index(leaf->arch_bits, leaf->level);
}

#endif
