/* SPDX-License-Identifier: MIT */
/* Host page tables: a leaf's memory attribute is kept as it is in arch_bits (kern/mdb_arch.h). */
#ifndef ARCH_MDB_LEAF_H
#define ARCH_MDB_LEAF_H

static inline unsigned arch_pt_leaf_attr(const struct arch_pt_leaf *leaf) { return (unsigned)leaf->arch_bits; }

#endif
