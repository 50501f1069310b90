/* SPDX-License-Identifier: MIT */
/* Host page tables for the mdb: a hash map of leaves plus per-block counters for holes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/mdb_pt_host.h>
#include <kern/mdb_nodes.h>
#include <kern/mdb_impl.h>

/* One table holds leaves (key tag = base vaddr) and block counters (tag has bit
 * 63 set, the block shift and the block number) of every space. */
struct ent {
	uintptr_t space; /* 0: empty slot */
	uint64_t tag;
	paddr_t paddr;
	uint32_t count; /* block counters: leaves smaller than the block inside it */
	mdb_ref_t node;
	uint8_t level, rights, access, attr;
};

static struct ent *tab;
static size_t cap, used, leaves;
static uint64_t mapped_bytes;
static unsigned shifts[MDB_NLEVELS] = {12, 21, 30};
static unsigned sum_shifts[8], nsum;
static long fail_after = -1;
static bool keep_memory;

void mdb_pt_host_keep_memory(bool keep) { keep_memory = keep; }

static uint64_t hash(uintptr_t s, uint64_t tag)
{
	uint64_t h = (uint64_t)s * 0x9e3779b97f4a7c15ull ^ tag * 0xc2b2ae3d27d4eb4full;
	return h ^ (h >> 29);
}

static struct ent *find(uintptr_t s, uint64_t tag)
{
	if (!cap)
		return NULL;
	for (size_t i = hash(s, tag) & (cap - 1);; i = (i + 1) & (cap - 1)) {
		if (!tab[i].space)
			return NULL;
		if (tab[i].space == s && tab[i].tag == tag)
			return &tab[i];
	}
}

static struct ent *insert(uintptr_t s, uint64_t tag);
static void grow(void)
{
	struct ent *old = tab;
	size_t ocap = cap;
	cap = cap ? cap * 2 : 1024;
	tab = calloc(cap, sizeof *tab);
	used = 0;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].space)
			*insert(old[i].space, old[i].tag) = old[i];
	free(old);
}

static struct ent *insert(uintptr_t s, uint64_t tag)
{
	if ((used + 1) * 2 > cap)
		grow();
	size_t i = hash(s, tag) & (cap - 1);
	while (tab[i].space)
		i = (i + 1) & (cap - 1);
	memset(&tab[i], 0, sizeof tab[i]);
	tab[i].space = s;
	tab[i].tag = tag;
	used++;
	return &tab[i];
}

/* Linear-probing deletion: move later entries of the run back into the gap. */
static void erase(struct ent *e)
{
	size_t i = (size_t)(e - tab), j = i;
	tab[i].space = 0;
	used--;
	for (;;) {
		j = (j + 1) & (cap - 1);
		if (!tab[j].space)
			return;
		size_t k = hash(tab[j].space, tab[j].tag) & (cap - 1);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			tab[i] = tab[j];
			tab[j].space = 0;
			i = j;
		}
	}
}

static uint64_t block_tag(unsigned shift, vaddr_t v) { return (1ull << 63) | ((uint64_t)shift << 52) | (v >> shift); }

static void count_leaf(uintptr_t s, vaddr_t base, unsigned level, int delta)
{
	for (unsigned i = 0; i < nsum; i++) {
		if (sum_shifts[i] <= shifts[level])
			continue;
		uint64_t tag = block_tag(sum_shifts[i], base);
		struct ent *e = find(s, tag);
		if (!e)
			e = insert(s, tag);
		e->count += (uint32_t)delta;
		if (!e->count)
			erase(e);
	}
	leaves += (size_t)delta;
	mapped_bytes += (uint64_t)(int64_t)delta << shifts[level];
}

static void set_summaries(void)
{
	static const unsigned extra[] = {21, 30, 39, 48};
	nsum = 0;
	for (unsigned l = 1; l < MDB_NLEVELS; l++)
		sum_shifts[nsum++] = shifts[l];
	for (unsigned i = 0; i < ARRAY_SIZE(extra); i++)
		if (extra[i] > shifts[MDB_NLEVELS - 1])
			sum_shifts[nsum++] = extra[i];
}

void mdb_pt_host_reset(void)
{
	if (tab && keep_memory) { /* steadier benchmark timings than fresh memory */
		memset(tab, 0, cap * sizeof *tab);
	} else {
		free(tab);
		tab = NULL;
		cap = 0;
	}
	used = leaves = 0;
	mapped_bytes = 0;
	fail_after = -1;
	mdb_pt_host_set_levels(12, 21, 30);
}

void mdb_pt_host_set_levels(unsigned l0, unsigned l1, unsigned l2)
{
	shifts[0] = l0;
	shifts[1] = l1;
	shifts[2] = l2;
	set_summaries();
}

void mdb_pt_host_fail_after(long n) { fail_after = n; }
static bool fail_now(void) { return fail_after >= 0 && fail_after-- == 0; }

unsigned arch_pt_level_shift(unsigned level) { return shifts[level]; }

static struct ent *leaf_at(struct space *s, vaddr_t v)
{
	for (unsigned l = 0; l < MDB_NLEVELS; l++) {
		struct ent *e = find((uintptr_t)s, ALIGN_DOWN(v, (word_t)1 << shifts[l]));
		if (e && e->level == l)
			return e;
	}
	return NULL;
}

static struct ent *leaf_base(struct space *s, vaddr_t v)
{
	struct ent *e = find((uintptr_t)s, v);
	if (!e)
		panic("host pt: no leaf at %p:0x%llx", (void *)s, (unsigned long long)v);
	return e;
}

bool arch_pt_lookup(struct space *s, vaddr_t v, struct arch_pt_leaf *leaf, unsigned *hole_shift)
{
	struct ent *e = leaf_at(s, v);
	if (e) {
		leaf->base = e->tag;
		leaf->paddr = e->paddr;
		leaf->level = e->level;
		leaf->rights = e->rights;
		leaf->arch_bits = e->attr;
		leaf->node = e->node;
		return true;
	}
	*hole_shift = shifts[0];
	for (unsigned i = nsum; i-- > 0;) /* largest empty block first */
		if (!find((uintptr_t)s, block_tag(sum_shifts[i], v))) {
			*hole_shift = sum_shifts[i];
			break;
		}
	return false;
}

int arch_pt_install(struct space *s, vaddr_t v, unsigned level, paddr_t paddr, unsigned rights, mdb_ref_t node)
{
	if (fail_now())
		return -1;
	if ((v | paddr) & (((word_t)1 << shifts[level]) - 1) || find((uintptr_t)s, v))
		panic("host pt: bad install at 0x%llx", (unsigned long long)v);
	struct ent *e = insert((uintptr_t)s, v);
	e->paddr = paddr;
	e->level = (uint8_t)level;
	e->rights = (uint8_t)rights;
	e->attr = 0;
	e->node = node;
	count_leaf((uintptr_t)s, v, level, 1);
	return 0;
}

unsigned arch_pt_remove(struct space *s, vaddr_t v)
{
	struct ent *e = leaf_base(s, v);
	unsigned acc = e->access, level = e->level;
	erase(e);
	count_leaf((uintptr_t)s, v, level, -1);
	return acc;
}

void arch_pt_set_rights(struct space *s, vaddr_t v, unsigned rights) { leaf_base(s, v)->rights = (uint8_t)rights; }
void arch_pt_set_node(struct space *s, vaddr_t v, mdb_ref_t node) { leaf_base(s, v)->node = node; }
void arch_pt_set_attr(struct space *s, vaddr_t v, unsigned attr) { leaf_base(s, v)->attr = (uint8_t)attr; }

unsigned arch_pt_access(struct space *s, vaddr_t v, bool clear)
{
	struct ent *e = leaf_base(s, v);
	unsigned acc = e->access;
	if (clear)
		e->access = 0;
	return acc;
}

int arch_pt_split(struct space *s, vaddr_t v, unsigned level)
{
	if (fail_now())
		return -1;
	struct ent old = *leaf_base(s, v);
	if (old.level != level || !level)
		panic("host pt: bad split");
	arch_pt_remove(s, v);
	word_t ps = (word_t)1 << shifts[level - 1];
	for (word_t off = 0; off < ((word_t)1 << shifts[level]); off += ps) {
		long saved = fail_after;
		fail_after = -1;
		arch_pt_install(s, v + off, level - 1, old.paddr + off, old.rights, old.node);
		fail_after = saved;
		leaf_base(s, v + off)->access = old.access;
		leaf_base(s, v + off)->attr = old.attr;
	}
	return 0;
}

bool mdb_pt_host_touch(struct space *s, vaddr_t v, unsigned bits)
{
	struct ent *e = leaf_at(s, v);
	if (e)
		e->access |= (uint8_t)bits;
	return e != NULL;
}

size_t mdb_pt_host_count(void) { return leaves; }
uint64_t mdb_pt_host_mapped_bytes(void) { return mapped_bytes; }

int mdb_pt_host_check(char *err, size_t errlen)
{
	for (size_t i = 0; i < cap; i++) {
		struct ent *e = &tab[i];
		if (!e->space || (e->tag >> 63))
			continue;
		for (unsigned l = e->level + 1; l < MDB_NLEVELS; l++) {
			struct ent *o = find(e->space, ALIGN_DOWN(e->tag, (word_t)1 << shifts[l]));
			if (o && o->level == l) {
				snprintf(err, errlen, "host pt: leaf 0x%llx inside another",
					 (unsigned long long)e->tag);
				return -1;
			}
		}
		struct mdb_node *n = mdb_node(e->node);
		if (!n || !mdb_node_live(n) || mdb_n_vaddr(n) != e->tag || (uintptr_t)mdb_n_arch_space(n) != e->space) {
			snprintf(err, errlen, "host pt: leaf 0x%llx names a wrong node", (unsigned long long)e->tag);
			return -1;
		}
	}
	return 0;
}
