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

/* Regions of (space, [lo, hi)) that maps made while an op is paused keep out
 * of: the unmapped range (its tops: whether a map from or onto a top comes
 * before or after the op depends on where the op is), or the windows of a
 * grant whose chunks are partly done. The rest is map-before-op, as the model
 * applies it. */
struct region {
	unsigned sp;
	vaddr_t lo, hi;
};
#define NO_SP 0xffu
static struct region keep_out[2] = {{NO_SP, 0, 0}, {NO_SP, 0, 0}};
static unsigned paused_depth; /* maps made under a paused op do not pause ops themselves */

static bool kept_out(unsigned sp_, vaddr_t lo, vaddr_t size)
{
	for (unsigned i = 0; i < 2; i++)
		if (keep_out[i].sp == sp_ && lo < keep_out[i].hi && keep_out[i].lo < lo + size)
			return true;
	return false;
}

static int meddle(uint64_t *rs, const struct mdb_unmap_op *op, unsigned s, vaddr_t base, vaddr_t size);

/* Steps op to its end; with meddling, maps and grants are made between the
 * steps (many from nodes below the op's tops) and mdb_check runs after each. */
static int step_paused(struct mdb_unmap_op *op, unsigned budget, const uint8_t *b, unsigned s, vaddr_t base,
		       vaddr_t size, bool meddling)
{
	uint64_t rs = 0x9e3779b97f4a7c15ull;
	for (int k = 0; k < MDBM_OP_BYTES; k++)
		rs = (rs ^ b[k]) * 0x100000001b3ull;
	while (mdb_unmap_step(op, budget) == MDB_MORE) {
		if (!meddling)
			continue;
		if (meddle(&rs, op, s, base, size) || mdbt_check())
			return -1;
	}
	return 0;
}

static int op_map_key(unsigned sk, const uint8_t *b, bool grant, unsigned all_rights);

/* Would the map replace a mapping? While an op is paused that is not
 * map-before-op: a source the op has reduced (or removed) sends less (or
 * nothing), and then the destination would stay. Upgrades and skips are. */
static bool replaces(unsigned fs, unsigned ts, const struct mdb_xfer *x, bool grant)
{
	for (vaddr_t off = 0; off < (vaddr_t)1 << x->shift; off += 0x1000) {
		unsigned sk = KEY(fs, (unsigned)((x->src + off) >> 12)), dk = KEY(ts, (unsigned)((x->dst + off) >> 12));
		if (!m[dk].valid || !m[sk].valid)
			continue;
		if (m[dk].frame == m[sk].frame && (m_anc_or_self(dk, sk) || (!grant && m[dk].parent == sk)))
			continue;
		return true;
	}
	return false;
}

static int op_map(const uint8_t *b, bool grant)
{
	return op_map_key(pick_key((unsigned)b[1] << 8 | b[5]), b, grant, 0);
}

static int op_map_key(unsigned sk, const uint8_t *b, bool grant, unsigned all_rights)
{
	unsigned fs = sk / NV, ts = 1 + b[2] % (NSP - 1);
	unsigned ss = 12 + b[3] % 11, rs = 12 + (b[3] >> 4) % 11, rights = all_rights ? all_rights : 1u + b[4] % 7u;
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
	if (paused_depth && (kept_out(fs, x.src, size) || kept_out(ts, x.dst, size) || replaces(fs, ts, &x, grant)))
		return 0;
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
			bool meddling = err == MDB_RESTRICT && !paused_depth && (b[0] & 128);
			struct region saved[2] = {keep_out[0], keep_out[1]};
			if (meddling) {
				keep_out[0] = (struct region){fs, x.src, x.src + size};
				keep_out[1] = (struct region){ts, x.dst, x.dst + size};
				mdbm_stats.meddled++;
			}
			int bad = step_paused(&op, 1 + b[6] % 8, b, fs, cur.base, (vaddr_t)1 << cur.shift, meddling);
			keep_out[0] = saved[0], keep_out[1] = saved[1];
			if (bad || (err == MDB_RESTRICT && mdbt_check()))
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

static int op_unmap(const uint8_t *b, bool flush)
{
	unsigned k = pick_key((unsigned)b[1] << 8 | b[5]);
	unsigned s = k / NV, shift = 12 + b[3] % 11, rights = b[4] % 8;
	vaddr_t base = ALIGN_DOWN((vaddr_t)(k % NV) << 12, (vaddr_t)1 << shift), size = (vaddr_t)1 << shift;
	if (b[2] % 16 == 0) /* sometimes as preemptible steps with tiny budgets, others mapping meanwhile */ {
		struct mdb_unmap_op op;
		bool meddling = !paused_depth && (b[2] & 16);
		keep_out[0] = (struct region){s, base, base + size};
		keep_out[1].sp = NO_SP;
		mdbm_stats.meddled += meddling;
		mdb_unmap_begin(&op, sp(s), base, shift, rights, flush);
		int bad = step_paused(&op, 1 + b[7] % 8, b, s, base, size, meddling);
		keep_out[0].sp = NO_SP;
		if (bad)
			return -1;
	} else {
		mdb_unmap(sp(s), base, shift, rights, flush);
	}
	for (vaddr_t v = base; v < base + ((vaddr_t)1 << shift); v += 0x1000) {
		unsigned e = KEY(s, (unsigned)(v >> 12));
		if (m[e].valid)
			m_restrict(e, ~rights & 7, flush);
	}
	return 0;
}

/* The key of a node on op's path (cursor up to the top), picked by r; or NOKEY. */
static unsigned path_key(const struct mdb_unmap_op *op, unsigned r)
{
	if (!op->in_tree || op->split_epoch != mdb_split_epoch)
		return NOKEY;
	const struct mdb_node *path[64];
	unsigned n = 0;
	for (const struct mdb_node *y = mdb_node(op->cur); y && n < 64; y = mdb_parent(y)) {
		path[n++] = y;
		if (mdb_ref(y) == op->top)
			break;
	}
	struct mdb_node_info in;
	if (!n || !mdb_node_info(path[r % n], &in))
		return NOKEY;
	return KEY(in.ms->id, (unsigned)(in.vaddr >> 12) + (r >> 8) % (1u << (arch_pt_level_shift(in.level) - 12)));
}

/* Maps and grants while op on (s, [base, base + size)) is paused: from a node
 * on op's path (entered, not yet reduced) first with all rights and then with
 * some (the A-then-B pattern), or from a mapping derived from one in the range
 * (a node the op is about to enter or has reduced), or from anywhere. Single
 * pages, mostly into empty places (see replaces()). */
static int meddle(uint64_t *rs, const struct mdb_unmap_op *op, unsigned s, vaddr_t base, vaddr_t size)
{
	uint8_t b[MDBM_OP_BYTES];
	*rs ^= *rs >> 12, *rs ^= *rs << 25, *rs ^= *rs >> 27;
	uint64_t r = *rs * 0x2545f4914f6cdd1dull;
	for (int i = 0; i < MDBM_OP_BYTES; i++)
		b[i] = (uint8_t)(r >> (8 * i));
	unsigned sk = pick_key((unsigned)b[1] << 8 | b[5]);
	unsigned pages = (unsigned)(size >> 12), first = (unsigned)(base >> 12);
	unsigned pk = (b[0] & 3) == 1 ? path_key(op, (unsigned)(r >> 40)) : NOKEY;
	for (unsigned i = 0; pk == NOKEY && (b[0] & 3) && i < pages && i < 64; i++) {
		unsigned e = KEY(s, first + (b[7] + i) % pages), f = m[e].frame;
		if (!m[e].valid || !nholders[f])
			continue;
		unsigned h = holders[f][(b[5] + i) % nholders[f]];
		if (h != e && m_anc_or_self(e, h))
			pk = h;
	}
	if (pk != NOKEY && m[pk].valid)
		sk = pk;
	bool grant = (b[0] & 12) == 0 && (b[0] & 3) != 1;
	if (b[3] & 1)
		b[3] = 0; /* mostly single pages: few replacements */
	b[4] = (uint8_t)((b[4] & ~0x18) | 0x08); /* in one go (no nested steps) */
	paused_depth++;
	/* a grant with all rights: a reduced source moves as the model's source restricted later */
	int err = op_map_key(sk, b, grant, grant || (b[0] & 3) == 1 ? 7 : 0);
	if (!err && (b[0] & 3) == 1) { /* B: fewer rights from the same node, to another place */
		b[7] ^= 0x55;
		b[2]++;
		err = op_map_key(sk, b, false, 1 + b[6] % 6);
	}
	paused_depth--;
	mdbm_stats.meddle_maps++;
	return err;
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
		err = op_unmap(b, false), mdbm_stats.ops[2]++;
	else if (kind < 96)
		err = op_unmap(b, true), mdbm_stats.ops[3]++;
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
