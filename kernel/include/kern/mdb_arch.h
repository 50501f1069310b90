/* SPDX-License-Identifier: MIT */
/* Page-table hooks the mapping database needs from the arch layer. */
#ifndef KERN_MDB_ARCH_H
#define KERN_MDB_ARCH_H

#include <kern/types.h>

struct space;

/* A compressed node pointer: (node address - node arena base) / 8; 0 is "none".
 * The arch layer stores one beside every leaf PTE (x86-64: a 2 KiB side array per
 * page-table page, 4 bytes per PTE slot) and never interprets it. */
typedef uint32_t mdb_ref_t;

/* Leaf sizes: level 0 is the smallest page. x86-64: 12, 21, 30. */
#define MDB_NLEVELS 3
unsigned arch_pt_level_shift(unsigned level);

/* One present leaf mapping. */
struct arch_pt_leaf {
	vaddr_t base; /* virtual base, aligned to the leaf size */
	paddr_t paddr; /* physical base of the leaf */
	unsigned level; /* 0..MDB_NLEVELS-1 */
	unsigned rights; /* r=4 w=2 x=1 */
	uint64_t arch_bits; /* the arch's own bits of the leaf (x86-64: the PTE); see arch_pt_leaf_attr */
	mdb_ref_t node;
};

/* arch_pt_leaf_attr(leaf): the memory attribute of a leaf that arch_pt_lookup
 * filled (kern/memattr.h; 0 is the default), an inline function of the arch.
 * Decoded only there: lookups are on every mdb path and most do not need it. */
#include <arch/mdb_leaf.h>

/*
 * All hooks act on user addresses (< 2^47) of a space and do the TLB
 * maintenance their change needs. Only the mdb calls them for user mappings.
 */

/* If v is mapped: fills *leaf, returns true. Otherwise returns false and sets
 * *hole_shift to log2 of an aligned block around v that has no mapping at all
 * (at least the smallest page; a larger block lets callers skip empty tables). */
bool arch_pt_lookup(struct space *s, vaddr_t v, struct arch_pt_leaf *leaf, unsigned *hole_shift);
/* Installs a leaf of `level` at v (aligned, nothing mapped there) -> paddr with
 * rights and cleared access bits, remembering node. 0, or -1 if out of memory
 * for page tables. */
int arch_pt_install(struct space *s, vaddr_t v, unsigned level, paddr_t paddr, unsigned rights, mdb_ref_t node);
/* Removes the leaf at v (its base); returns its access bits. */
unsigned arch_pt_remove(struct space *s, vaddr_t v);
/* Changes the rights of the leaf at v (its base). */
void arch_pt_set_rights(struct space *s, vaddr_t v, unsigned rights);
/* Sets the memory attribute of the leaf at v (its base): an index the arch gave
 * out through arch_mem_attr (0: the default). A new leaf has attribute 0; a split
 * gives every piece the attribute of the leaf it was cut from. */
void arch_pt_set_attr(struct space *s, vaddr_t v, unsigned attr);
/* Changes the node remembered beside the leaf at v (its base). */
void arch_pt_set_node(struct space *s, vaddr_t v, mdb_ref_t node);
/* Returns the access bits (referenced=r, written=w, executed=x) of the leaf at v
 * and clears them if clear. x86 has no executed bit: a reference reads as r+x. */
unsigned arch_pt_access(struct space *s, vaddr_t v, bool clear);
/* Replaces the leaf of `level` > 0 at v by the leaves of level-1 covering the
 * same range with the same rights, access bits and node; 0 or -1 (no memory,
 * nothing changed). */
int arch_pt_split(struct space *s, vaddr_t v, unsigned level);

#endif
