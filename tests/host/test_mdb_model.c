/* SPDX-License-Identifier: MIT */
/* The mdb's reference model: who holds which 4K page, with which rights, from whom. */
#include <stdio.h>
#include <string.h>
#include <arch/mdb_model.h>
#include <arch/mdb_test.h>

/*
 * The model knows nothing of nodes, superpages or trees: it keeps, for every
 * (space, 4K virtual page), the physical frame, the rights and the (space,
 * page) it was derived from, and applies the X.2 rules page by page (see
 * docs/mdb.md: every mdb decision is defined so that it is one per 4K page).
 * Not modelled: access bits (unit tests), pins (their effect: EBUSY leaves all
 * unchanged), memory exhaustion (the run has memory to spare).
 */
#define NSP 6
#define NV 1024 /* user pages per space: 4 MiB */
#define NF 1024 /* frames: 4 MiB of physical memory, sigma0 maps it at 0 */
#define ARENA_PAGES 48 /* > NSP * NV nodes plus a 512-piece split: never exhausted */
#define KEY(s, v) ((s)*NV + (v))
#define NOKEY 0xffff

struct ment {
	uint8_t valid, rights;
	uint16_t frame, parent; /* parent key or NOKEY for a root */
	uint16_t hidx; /* index in holders[frame] */
};
static struct ment m[NSP * NV];
static uint16_t holders[NF][NSP * NV];
static uint16_t nholders[NF];
static uint8_t dirty[NF];
static long total;
static unsigned lv_pages[3], nlevels; /* pages per leaf size; sizes the model may root */
struct mdbm_stats mdbm_stats;

static void m_add(unsigned k, unsigned frame, unsigned rights, unsigned parent)
{
	m[k] = (struct ment){1, (uint8_t)rights, (uint16_t)frame, (uint16_t)parent, nholders[frame]};
	holders[frame][nholders[frame]++] = (uint16_t)k;
	dirty[frame] = 1;
	total++;
}

static void m_del(unsigned k)
{
	unsigned f = m[k].frame, i = m[k].hidx, last = holders[f][--nholders[f]];
	holders[f][i] = (uint16_t)last;
	m[last].hidx = (uint16_t)i;
	m[k].valid = 0;
	dirty[f] = 1;
	total--;
}

static bool m_anc_or_self(unsigned a, unsigned k)
{
	for (unsigned x = k; x != NOKEY; x = m[x].parent)
		if (x == a)
			return true;
	return false;
}

/* Applies rights &= mask to k's descendants (and k if self); removes the ones
 * left without rights (their descendants are then without rights too). */
static void m_restrict(unsigned k, unsigned mask, bool self)
{
	unsigned f = m[k].frame;
	for (unsigned i = 0; i < nholders[f]; i++) {
		unsigned h = holders[f][i];
		if ((h != k || self) && m_anc_or_self(k, h) && (m[h].rights & mask) != m[h].rights) {
			m[h].rights &= (uint8_t)mask;
			dirty[f] = 1;
		}
	}
	for (unsigned i = 0; i < nholders[f];) {
		unsigned h = holders[f][i];
		if (!m[h].rights)
			m_del(h); /* the last holder moved to i */
		else
			i++;
	}
}

static void m_remove_subtree(unsigned k) { m_restrict(k, 0, true); }

static void m_map_page(unsigned fs, unsigned sv, unsigned ts, unsigned dv, unsigned rights, bool grant)
{
	unsigned sk = KEY(fs, sv), dk = KEY(ts, dv);
	if (!m[sk].valid || !(m[sk].rights & rights))
		return;
	unsigned r = m[sk].rights & rights, f = m[sk].frame;
	if (m[dk].valid) {
		if (m[dk].frame == f && m_anc_or_self(dk, sk))
			return;
		if (!grant && m[dk].frame == f && m[dk].parent == sk) {
			m[dk].rights |= (uint8_t)r;
			dirty[f] = 1;
			return;
		}
		m_remove_subtree(dk);
	}
	if (grant && m[sk].parent != NOKEY) {
		unsigned parent = m[sk].parent, old = m[sk].rights;
		m_add(dk, f, r, parent);
		for (unsigned i = 0; i < nholders[f]; i++)
			if (m[holders[f][i]].parent == sk)
				m[holders[f][i]].parent = (uint16_t)dk;
		m_del(sk);
		if (r != old)
			m_restrict(dk, r, false);
	} else {
		m_add(dk, f, r, sk);
	}
}

/* ---- the mdb side ---- */

static struct mdb_space *sp(unsigned i) { return mdbt_sp(i); }

void mdbm_setup(bool x86)
{
	if (x86)
		mdbt_setup(12, 21, 30, ARENA_PAGES, ARENA_PAGES);
	else
		mdbt_setup(12, 15, 18, ARENA_PAGES, ARENA_PAGES);
	for (unsigned l = 0; l < 3; l++)
		lv_pages[l] = 1u << (arch_pt_level_shift(l) - 12);
	nlevels = x86 ? 2 : 3; /* no 1 GiB roots in 4 MiB */
	memset(m, 0, sizeof m);
	memset(nholders, 0, sizeof nholders);
	memset(dirty, 0, sizeof dirty);
	total = 0;
	memset(&mdbm_stats, 0, sizeof mdbm_stats);
}

void mdbm_teardown(void) { mdbt_teardown(); }

static int fail(const char *what, unsigned k)
{
	fprintf(stderr, "  model: %s at space %u page 0x%x\n", what, k / NV, (k % NV) << 12);
	return -1;
}

static int compare_entry(unsigned k)
{
	struct mdb_node *n = mdb_lookup(sp(k / NV), (vaddr_t)(k % NV) << 12);
	struct mdb_node_info i, pi;
	if (!n || !mdb_node_info(n, &i))
		return fail("missing in the mdb", k);
	paddr_t pa = i.paddr + (((vaddr_t)(k % NV) << 12) - i.vaddr);
	if (pa != (paddr_t)m[k].frame << 12 || i.rights != m[k].rights)
		return fail("frame or rights differ", k);
	struct mdb_node *p = mdb_parent(n);
	if (m[k].parent == NOKEY)
		return p ? fail("mdb has a parent, model a root", k) : 0;
	if (!p || !mdb_node_info(p, &pi))
		return fail("mdb has a root, model a parent", k);
	vaddr_t pv = pi.vaddr + (pa - pi.paddr);
	if (pi.ms->id != m[k].parent / NV || pv != (vaddr_t)(m[k].parent % NV) << 12)
		return fail("parents differ", k);
	return 0;
}

static int compare_total(void)
{
	size_t pages = (size_t)(mdb_pt_host_mapped_bytes() >> 12);
	if ((long)pages != total) {
		fprintf(stderr, "  model: mdb maps %zu pages, model %ld\n", pages, total);
		return -1;
	}
	return 0;
}

int mdbm_compare_all(void)
{
	if (mdbt_check())
		return -1;
	for (unsigned k = 0; k < NSP * NV; k++)
		if (m[k].valid && compare_entry(k))
			return -1;
	return compare_total();
}

static int compare_dirty(void)
{
	for (unsigned f = 0; f < NF; f++) {
		if (!dirty[f])
			continue;
		dirty[f] = 0;
		for (unsigned i = 0; i < nholders[f]; i++)
			if (compare_entry(holders[f][i]))
				return -1;
	}
	return 0;
}

/* A random aligned base inside [0, limit) for a 2^shift fpage. */
static vaddr_t pick_base(unsigned r, unsigned shift, vaddr_t limit)
{
	vaddr_t size = (vaddr_t)1 << shift;
	return ((vaddr_t)r * size) % limit;
}

/* Mostly a page somebody holds (random ones are mostly holes). */
static unsigned pick_key(unsigned r)
{
	unsigned start = r % (NSP * NV);
	for (unsigned i = 0; i < NSP * NV; i += 7) {
		unsigned k = (start + i) % (NSP * NV);
		if (m[k].valid)
			return k;
	}
	return start;
}

static int op_map(const uint8_t *b, bool grant)
{
	unsigned sk = pick_key((unsigned)b[1] << 8 | b[5]);
	unsigned fs = sk / NV, ts = 1 + b[2] % (NSP - 1);
	unsigned ss = 12 + b[3] % 11, rs = 12 + (b[3] >> 4) % 11, rights = 1 + b[4] % 7;
	vaddr_t sb = ALIGN_DOWN((vaddr_t)(sk % NV) << 12, (vaddr_t)1 << ss);
	vaddr_t rb = pick_base(b[7] | (b[6] & 2) << 7, rs, (vaddr_t)NV << 12);
	vaddr_t hot = (vaddr_t)b[6] << 12;
	struct mdb_xfer x;
	if (!mdb_window(sb, ss, hot, rb, rs, &x))
		return 0;
	vaddr_t size = (vaddr_t)1 << x.shift;
	if (x.dst + size > (vaddr_t)NV << 12 || x.src + size > (vaddr_t)NV << 12 ||
	    (fs == ts && x.src < x.dst + size && x.dst < x.src + size)) {
		mdbm_stats.noop++; /* self-overlap: covered by unit tests, not by the per-page model */
		return 0;
	}
	int err;
	if ((b[4] >> 3) % 4 == 0) { /* sometimes as the kernel does it: named subtrees flushed in tiny steps */
		struct mdb_map_cursor cur = {0};
		while ((err = mdb_map_step(sp(fs), sb, ss, rights, hot, sp(ts), rb, rs, grant, &cur)) == MDB_FLUSH ||
		       err == MDB_RESTRICT) {
			struct mdb_unmap_op op;
			if (err == MDB_FLUSH) {
				mdbm_stats.prep_flushes++;
				mdb_unmap_begin(&op, sp(ts), cur.base, cur.shift, 7, true);
			} else { /* a grant with fewer rights: its subtree restricted in steps */
				mdbm_stats.prep_restricts++;
				mdb_restrict_begin(&op, sp(fs), cur.base, cur.shift, cur.mask);
			}
			while (mdb_unmap_step(&op, 1 + b[6] % 8) == MDB_MORE)
				if (err == MDB_RESTRICT && mdbt_check())
					return -1; /* every paused restriction is a well-formed db */
			if (err == MDB_RESTRICT)
				mdb_map_restricted(&cur, mdb_link_epoch);
		}
	} else {
		err = mdb_map(sp(fs), sb, ss, rights, hot, sp(ts), rb, rs, grant);
	}
	if (err) {
		fprintf(stderr, "  model: map returned %d\n", err);
		return -1;
	}
	for (vaddr_t off = 0; off < size; off += 0x1000)
		m_map_page(fs, (unsigned)((x.src + off) >> 12), ts, (unsigned)((x.dst + off) >> 12), rights, grant);
	return 0;
}

static void op_unmap(const uint8_t *b, bool flush)
{
	unsigned k = pick_key((unsigned)b[1] << 8 | b[5]);
	unsigned s = k / NV, shift = 12 + b[3] % 11, rights = b[4] % 8;
	vaddr_t base = ALIGN_DOWN((vaddr_t)(k % NV) << 12, (vaddr_t)1 << shift);
	if (b[2] % 32 == 0) /* sometimes as preemptible steps with tiny budgets */ {
		struct mdb_unmap_op op;
		mdb_unmap_begin(&op, sp(s), base, shift, rights, flush);
		while (mdb_unmap_step(&op, 1 + b[7] % 8) == MDB_MORE)
			;
	} else {
		mdb_unmap(sp(s), base, shift, rights, flush);
	}
	for (vaddr_t v = base; v < base + ((vaddr_t)1 << shift); v += 0x1000) {
		unsigned e = KEY(s, (unsigned)(v >> 12));
		if (m[e].valid)
			m_restrict(e, ~rights & 7, flush);
	}
}

static int op_root(const uint8_t *b)
{
	unsigned level = b[1] % nlevels, pages = lv_pages[level];
	unsigned f = (b[2] % NF) & ~(pages - 1);
	bool free_ = true;
	for (unsigned i = 0; i < pages; i++)
		free_ &= !m[KEY(0, f + i)].valid;
	int err = mdb_root_create((paddr_t)f << 12, level, 7);
	if (err != (free_ ? MDB_OK : MDB_EEXIST)) {
		fprintf(stderr, "  model: root create returned %d\n", err);
		return -1;
	}
	if (free_)
		for (unsigned i = 0; i < pages; i++)
			m_add(KEY(0, f + i), f + i, 7, NOKEY);
	return 0;
}

static int op_evict(const uint8_t *b)
{
	unsigned j = b[1] % ARENA_PAGES;
	for (unsigned i = 0;
	     i < ARENA_PAGES && !((struct mdb_node_page *)(mdbt.arena + (size_t)j * MDB_NODE_PAGE_SIZE))->used; i++)
		j = (j + 1) % ARENA_PAGES;
	void *page = mdbt.arena + (size_t)j * MDB_NODE_PAGE_SIZE;
	struct mdb_node_page *p = page;
	bool busy = p->pinned != 0;
	static unsigned keys[MDB_NODES_PER_PAGE * NV], nk;
	nk = 0;
	for (unsigned i = 0; i < MDB_NODES_PER_PAGE; i++) {
		struct mdb_node_info info;
		if (!mdb_node_info(mdb_page_slot(p, i), &info))
			continue;
		for (vaddr_t v = info.vaddr; v < info.vaddr + ((vaddr_t)1 << arch_pt_level_shift(info.level));
		     v += 0x1000)
			keys[nk++] = KEY(info.ms->id, (unsigned)(v >> 12));
	}
	int err = (b[2] & 1) ? mdb_evict_page(page) : MDB_MORE;
	while (err == MDB_MORE)
		err = mdb_evict_page_step(page, 1 + b[3] % 16);
	if (err != (busy ? MDB_EBUSY : MDB_OK)) {
		fprintf(stderr, "  model: evict returned %d\n", err);
		return -1;
	}
	if (busy)
		return 0;
	for (unsigned i = 0; i < nk; i++)
		if (m[keys[i]].valid)
			m_remove_subtree(keys[i]);
	return mdb_nodes_add_page(page) == MDB_OK ? 0 : -1;
}

static void op_pin(const uint8_t *b)
{
	unsigned s = b[1] % NSP;
	vaddr_t v = (vaddr_t)(b[2] | (b[3] & 3) << 8) << 12;
	if (mdb_lookup(sp(s), v))
		mdb_pin(sp(s), v, b[4] & 1 && b[5] < 64);
}

static void op_delete(const uint8_t *b)
{
	unsigned s = b[1] % NSP;
	if (b[2] & 1) {
		mdb_space_delete(sp(s));
	} else {
		struct mdb_unmap_op op;
		mdb_space_delete_begin(&op, sp(s));
		while (mdb_unmap_step(&op, 1 + b[3] % 64) == MDB_MORE)
			;
	}
	for (unsigned v = 0; v < NV; v++)
		if (m[KEY(s, v)].valid)
			m_remove_subtree(KEY(s, v));
}

int mdbm_step(const uint8_t b[MDBM_OP_BYTES], int full)
{
	unsigned kind = b[0] % 128;
	int err = 0;
	/* weights out of 128 */
	if (kind < 56)
		err = op_map(b, false), mdbm_stats.ops[0]++;
	else if (kind < 72)
		err = op_map(b, true), mdbm_stats.ops[1]++;
	else if (kind < 86)
		op_unmap(b, false), mdbm_stats.ops[2]++;
	else if (kind < 96)
		op_unmap(b, true), mdbm_stats.ops[3]++;
	else if (kind < 112)
		err = op_root(b), mdbm_stats.ops[4]++;
	else if (kind < 124)
		op_pin(b), mdbm_stats.ops[5]++;
	else if (kind < 126 && (b[7] & 3) == 0)
		err = op_evict(b), mdbm_stats.ops[6]++;
	else if (kind >= 126 && (b[7] & 3) == 0)
		op_delete(b), mdbm_stats.ops[7]++;
	else
		op_root(b), mdbm_stats.ops[4]++;
	if (err)
		return -1;
	if (full)
		return mdbm_compare_all();
	if (compare_dirty() || compare_total())
		return -1;
	if (mdb_pt_host_count() > mdbm_stats.nodes_max)
		mdbm_stats.nodes_max = mdb_pt_host_count();
	mdbm_stats.nodes_sum += mdb_pt_host_count();
	return 0;
}
