/* SPDX-License-Identifier: MIT */
/* The X.2 Unmap system call: control-word decoding and the per-fpage revocation (kernel/core/unmap.c). */
#ifndef KERN_UNMAP_H
#define KERN_UNMAP_H

#include <kern/types.h>

struct space;

/* Control word (ABI §5.10): k in bits 0-5 (k + 1 fpages), f (flush) bit 6. */
#define UNMAP_K_MASK 0x3full
#define UNMAP_FLUSH (1ull << 6)

unsigned unmap_fpage_count(word_t control);
bool unmap_flush(word_t control);
/* The fpage as written back: rwx replaced by the access bits. */
l4_fpage_t unmap_result(l4_fpage_t f, unsigned access);
/* Revokes l4_fpage_rights(f) from what s derived from f (and from s's own
 * mappings if flush), preemptibly; returns the access bits gathered. */
unsigned unmap_fpage(struct space *s, l4_fpage_t f, bool flush);
/* Removes the mapping [base, base + 2^shift) of s and everything derived from
 * it, in the bounded steps of an Unmap (with preemption points if `preempt`):
 * the pre-flush of a destination mapping that a map item replaces (space.c). */
void unmap_replaced(struct space *s, vaddr_t base, unsigned shift, bool preempt);
/* A grant with fewer rights: restricts the mappings derived from s's mapping
 * [base, base + 2^shift) to `mask` in bounded steps (mdb_restrict_begin), with
 * preemption points if `preempt`; access bits stay. Returns mdb_link_epoch as
 * the last step left it, for mdb_map_restricted. */
uint64_t unmap_restrict_granted(struct space *s, vaddr_t base, unsigned shift, unsigned mask, bool preempt);

#endif
