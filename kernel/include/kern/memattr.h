/* SPDX-License-Identifier: MIT */
/* X.2 MemoryControl: memory attributes of mappings, and the attributes kept for sigma0's roots. */
#ifndef KERN_MEMATTR_H
#define KERN_MEMATTR_H

#include <kern/types.h>

struct space;
struct mdb_space;
struct mdb_node;

/*
 * Semantics (X.2 MemoryControl; docs/kernel.md "Memory attributes"):
 *  - an attribute is a property of a mapping (its leaf PTE); 0 is the default;
 *  - MemoryControl sets it on the caller's mappings inside each fpage and on
 *    every mapping derived from them; a superpage only partly inside the fpage
 *    is split first, so pages outside the fpage keep theirs;
 *  - a new mapping (map or grant) gets the attribute of its source, so derived
 *    mappings made later carry it too;
 *  - the mapping database is a cache (docs/kmem.md): sigma0's roots are created
 *    lazily and may be evicted. What sigma0 sets is therefore also recorded per
 *    physical range (sigma0's addresses are physical) in the table below, and a
 *    root is created with the recorded attribute; derived mappings that pagers
 *    rebuild inherit it again from their source. Attributes set by another
 *    privileged space live as long as its cached mappings.
 */

/* An attribute the arch supports: the index it stores in PTEs. */
#define MEMATTR_DEFAULT 0u

/* ---- arch hooks ---- */
/* The PTE attribute index of X.2 attribute value `x2`, or -1 if unsupported. */
int arch_mem_attr(word_t x2);
/* A short name of an attribute index for the kernel debugger ("WB", "UC", ...). */
const char *arch_mem_attr_name(unsigned attr);
/* After attributes of present mappings changed (TLBs already flushed): writes
 * back and invalidates caches, so no line cached under the old type lingers. */
void arch_mem_attr_sync(void);

/* ---- sigma0's recorded attributes (mdb_attr_table.c) ---- */
/* Non-default ranges, sorted and disjoint; adjacent equal ranges are merged. */
#define MEMATTR_MAX_RANGES 64
/* Records attr for [start, end) (page aligned). -1 if the table would overflow
 * (nothing changed). */
int memattr_record(paddr_t start, paddr_t end, unsigned attr);
/* Whether [start, start + size) has one recorded attribute (*attr); false if it
 * is mixed. */
bool memattr_uniform(paddr_t start, word_t size, unsigned *attr);
/* The number of non-default ranges (tests). */
unsigned memattr_ranges(void);
void memattr_reset(void);

/* ---- applying an attribute to mappings (mdb_attr.c) ---- */
/* Sets attr on the mappings of ms in the fpage (base, shift) and every mapping
 * derived from them, in bounded steps. Fields are private. */
struct mdb_attr_op {
	struct mdb_space *ms;
	vaddr_t v, end; /* cursor and end in ms */
	vaddr_t top_end; /* end of the current top mapping */
	uint32_t top, cur; /* mdb_ref_t: current top mapping and pre-order cursor (0: none) */
	uint64_t epoch; /* mdb_epoch after our last step: any change restarts the current top */
	unsigned attr;
};
void mdb_attr_begin(struct mdb_attr_op *op, struct mdb_space *ms, vaddr_t base, unsigned shift, unsigned attr);
/* About `budget` mappings per step. MDB_MORE, MDB_OK (done) or MDB_ENOMEM (a
 * split found no node memory: the parts done stay). */
int mdb_attr_step(struct mdb_attr_op *op, unsigned budget);

/* ---- the system call (memctl.c) ---- */
/* Control word: k in bits 0-5 (fpages MR0..MRk); other bits must be 0. */
#define MEMCTL_K_MASK 0x3full
/* Reads MR i of the caller (the arch knows which are in registers). Each MR is
 * read once for the check and once to act: a value changed in between by
 * another thread of the caller's space is checked again. */
typedef word_t (*memctl_mr_fn)(const void *ctx, unsigned i);
/* X.2 MemoryControl for space s: MR0..MRk the fpages (their low two bits pick
 * attributes[0..3]). Returns 1, or 0 with *err = 1 (no privilege), 5 (invalid
 * parameter: control, a nil fpage, an unsupported attribute) or 8 (out of
 * memory: node memory for a split, or sigma0's table is full). */
word_t memory_control(struct space *s, bool privileged, word_t control, memctl_mr_fn mr, const void *ctx,
		      const word_t attributes[4], word_t *err);

#endif
