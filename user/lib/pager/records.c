/* SPDX-License-Identifier: MIT */
/* Mapping-record tables: a hash on (space, page) in ordinary memory, one writer, readers anywhere. */
#include <pager.h>
#include <string.h>

/*
 * Layout (docs/pagers.md): the 40-byte header, nbuckets uint16_t bucket heads, then
 * `capacity` 64-byte records at rec_offset. A bucket head and a record's `next` hold
 * a record index + 1 (0: none). Free slots are chained through `next` from `free`.
 *
 * The writer brackets every change with seq (odd while changing), so a reader in
 * another space copies a record and accepts it only if seq was even and unchanged
 * around the copy. A reader never trusts the table: indices are bounds-checked and
 * a chain walk stops after `capacity` steps, so a corrupt or hostile table costs at
 * most a miss.
 */

#define READ_TRIES 8

static uint16_t *buckets(const struct pgr_table *t) { return (uint16_t *)((char *)t + sizeof *t); }
static struct pgr_rec *recs(const struct pgr_table *t) { return (struct pgr_rec *)((char *)t + t->rec_offset); }

/* Hash of (dst, base >> log2): multiplicative, the top bits pick the bucket. */
static unsigned bucket_of(const struct pgr_table *t, L4_ThreadId_t dst, L4_Word_t base, unsigned log2)
{
	L4_Word_t k = (base >> log2) * 0x9e3779b97f4a7c15ull ^ (dst.raw + log2) * 0xc2b2ae3d27d4eb4full;
	k ^= k >> 29;
	return (unsigned)(k & (t->nbuckets - 1u));
}

struct pgr_table *pgr_table_init(void *mem, size_t bytes, L4_ThreadId_t writer)
{
	struct pgr_table *t = mem;
	unsigned nb = 16;
	while (nb * 2 * 64 * 2 <= bytes && nb < 4096) /* about one bucket per two records */
		nb *= 2;
	size_t off = (sizeof *t + nb * sizeof(uint16_t) + 63) & ~(size_t)63;
	if (bytes < off + 64)
		return NULL;
	size_t cap = (bytes - off) / 64;
	if (cap > 65535)
		cap = 65535;
	memset(mem, 0, off + cap * 64);
	t->version = PGR_VERSION;
	t->nbuckets = (uint16_t)nb;
	t->capacity = (uint16_t)cap;
	t->rec_offset = (uint32_t)off;
	t->writer = writer;
	for (size_t i = 0; i < cap; i++)
		recs(t)[i].next = i + 1 < cap ? (uint16_t)(i + 2) : 0;
	t->free = 1;
	__atomic_store_n(&t->magic, PGR_MAGIC, __ATOMIC_RELEASE); /* readers see a table only when it is whole */
	return t;
}

static void write_begin(struct pgr_table *t)
{
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
static void write_end(struct pgr_table *t)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
}

/* The writer's own lookup of the exact key: the slot pointer through which it links. */
static uint16_t *find_link(struct pgr_table *t, L4_ThreadId_t dst, L4_Word_t base, unsigned log2)
{
	uint16_t *link = &buckets(t)[bucket_of(t, dst, base, log2)];
	while (*link) {
		struct pgr_rec *r = &recs(t)[*link - 1];
		if (L4_IsThreadEqual(r->dst, dst) && r->dst_addr == base && r->log2 == log2)
			return link;
		link = &r->next;
	}
	return link;
}

bool pgr_insert(struct pgr_table *t, const struct pgr_rec *in)
{
	if (in->log2 < 12 || in->log2 > 47 || (in->dst_addr & ((1ull << in->log2) - 1)))
		return false;
	uint16_t *link = find_link(t, in->dst, in->dst_addr, in->log2);
	unsigned idx = *link;
	write_begin(t);
	if (!idx) { /* a new record: take a free slot and put it at the chain's end */
		if (!t->free) {
			write_end(t);
			return false;
		}
		idx = t->free;
		t->free = recs(t)[idx - 1].next;
		*link = (uint16_t)idx;
		t->count++;
		recs(t)[idx - 1].next = 0;
	}
	struct pgr_rec *r = &recs(t)[idx - 1];
	uint16_t next = r->next;
	*r = *in;
	r->next = next;
	r->flags |= PGR_F_LIVE;
	t->sizes |= 1ull << in->log2;
	write_end(t);
	return true;
}

bool pgr_remove(struct pgr_table *t, L4_ThreadId_t dst, L4_Word_t addr)
{
	for (unsigned s = 12; s < 48; s++) {
		if (!(t->sizes & (1ull << s)))
			continue;
		L4_Word_t base = addr & ~((1ull << s) - 1);
		uint16_t *link = find_link(t, dst, base, s);
		if (!*link)
			continue;
		unsigned idx = *link;
		struct pgr_rec *r = &recs(t)[idx - 1];
		write_begin(t);
		*link = r->next;
		memset(r, 0, sizeof *r);
		r->next = t->free;
		t->free = (uint16_t)idx;
		t->count--;
		write_end(t); /* `sizes` keeps the bit: a stale bit only costs one more probe */
		return true;
	}
	return false;
}

/* One consistent attempt; -1: the writer was busy, try again. */
static int lookup_once(const struct pgr_table *t, size_t bytes, L4_ThreadId_t dst, L4_Word_t addr, struct pgr_rec *out)
{
	uint32_t seq = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
	if (seq & 1)
		return -1;
	unsigned nb = t->nbuckets, cap = t->capacity, off = t->rec_offset;
	uint64_t sizes = t->sizes;
	if (!nb || (nb & (nb - 1)) || off < sizeof *t + nb * 2 || off % 64 || off + (size_t)cap * 64 > bytes)
		return 0; /* not a table we can read */
	int found = 0;
	for (unsigned s = 12; s < 48 && !found; s++) {
		if (!(sizes & (1ull << s)))
			continue;
		L4_Word_t base = addr & ~((1ull << s) - 1);
		unsigned idx = __atomic_load_n(&buckets(t)[bucket_of(t, dst, base, s)], __ATOMIC_RELAXED);
		for (unsigned steps = 0; idx && idx <= cap && steps < cap; steps++) {
			const struct pgr_rec *r = &recs(t)[idx - 1];
			memcpy(out, r, sizeof *out);
			if ((out->flags & PGR_F_LIVE) && L4_IsThreadEqual(out->dst, dst) && out->dst_addr == base &&
			    out->log2 == s) {
				found = 1;
				break;
			}
			idx = out->next;
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&t->seq, __ATOMIC_RELAXED) == seq ? found : -1;
}

bool pgr_lookup(const struct pgr_table *t, size_t bytes, L4_ThreadId_t dst, L4_Word_t addr, struct pgr_rec *out)
{
	if (!t || bytes < sizeof *t || __atomic_load_n(&t->magic, __ATOMIC_ACQUIRE) != PGR_MAGIC ||
	    t->version != PGR_VERSION)
		return false;
	for (unsigned i = 0; i < READ_TRIES; i++) {
		int r = lookup_once(t, bytes, dst, addr, out);
		if (r >= 0)
			return r == 1;
		L4_Yield(); /* the writer is in the middle of a change: let it finish */
	}
	return false;
}
