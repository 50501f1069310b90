/* SPDX-License-Identifier: MIT */
/* The X.2 MemoryControl system call (ABI §5.12): memory attributes of the caller's fpages. */
#include <kern/memattr.h>
#include <kern/mdb.h>
#include <kern/space.h>
#include <kern/kmem.h>
#include <kern/thread_control.h>
#include <l4/types.h>

/*
 * X.2 MemoryControl: MR0..MRk hold fpages of the caller's space; the two low
 * bits of each (where an fpage's rwx bits are) pick one of attribute0..3, whose
 * value is architecture-defined (0: the default). Privileged.
 *
 * Validation comes first and is all or nothing: a call with a bad control word,
 * a nil fpage or an unsupported attribute changes nothing. Applying may still
 * run out of memory (a superpage to split, sigma0's table full): the fpages and
 * mappings done so far keep their new attribute, as with a map item.
 *
 * Preemption: like Unmap, each fpage goes in steps of MEMCTL_BUDGET mappings,
 * with a preemption point between steps (mdb_attr.c restarts its current top
 * when the database changed meanwhile).
 */
#define MEMCTL_BUDGET 128

/* sigma0's fpage clipped to the physical addresses it may own: [*start, *end). */
static bool sigma0_range(l4_fpage_t f, paddr_t *start, paddr_t *end)
{
	unsigned shift = l4_fpage_size_log2(f);
	if (f == L4_COMPLETE_ADDRESS_SPACE || shift >= 64) {
		*start = 0, *end = SIGMA0_PHYS_LIMIT;
		return true;
	}
	shift = shift < PAGE_SHIFT ? PAGE_SHIFT : shift;
	*start = ALIGN_DOWN(l4_fpage_base(f), (word_t)1 << shift);
	if (*start >= SIGMA0_PHYS_LIMIT)
		return false;
	*end = *start + ((word_t)1 << shift);
	*end = *end > SIGMA0_PHYS_LIMIT || *end < *start ? SIGMA0_PHYS_LIMIT : *end;
	return true;
}

/* Sets attr on the fpage's mappings of s and what derives from them. */
static bool apply_fpage(struct space *s, l4_fpage_t f, unsigned attr)
{
	paddr_t start, end;
	if (s->sigma0 && sigma0_range(f, &start, &end) && memattr_record(start, end, attr))
		return false;
	struct mdb_attr_op op;
	mdb_attr_begin(&op, &s->mdb, l4_fpage_base(f), l4_fpage_size_log2(f), attr);
	for (;;) {
		space_mdb_reserve(); /* node memory for a split */
		int r = mdb_attr_step(&op, MEMCTL_BUDGET);
		if (r != MDB_MORE)
			return r == MDB_OK;
		kmem_drain(true);
		arch_preempt_point();
	}
}

/* The attribute index MR value f selects, or ~0u if f is not acceptable. */
static unsigned fpage_attr(l4_fpage_t f, const unsigned attr[4]) { return f == L4_NILPAGE ? ~0u : attr[f & 3]; }

word_t memory_control(struct space *s, bool privileged, word_t control, memctl_mr_fn mr, const void *ctx,
		      const word_t attributes[4], word_t *err)
{
	unsigned attr[4];
	if (!privileged || !s) {
		*err = TC_ERR_NO_PRIVILEGE;
		return 0;
	}
	*err = TC_ERR_INVALID_PARAM;
	if (control & ~MEMCTL_K_MASK)
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		int a = arch_mem_attr(attributes[i]);
		attr[i] = a < 0 ? ~0u : (unsigned)a;
	}
	unsigned n = (unsigned)control + 1;
	for (unsigned i = 0; i < n; i++)
		if (fpage_attr(mr(ctx, i), attr) == ~0u)
			return 0;
	*err = 0;
	for (unsigned i = 0; i < n && !*err; i++) {
		l4_fpage_t f = mr(ctx, i);
		unsigned a = fpage_attr(f, attr);
		if (a == ~0u) /* changed since the check, by another thread of the caller's space */
			*err = TC_ERR_INVALID_PARAM;
		else if (!apply_fpage(s, f, a))
			*err = TC_ERR_NO_MEMORY;
	}
	arch_mem_attr_sync();
	return *err == 0;
}
