/* SPDX-License-Identifier: MIT */
/* Host tests of the mapping database: classic trees compared with golden dumps. */
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include <arch/mdb_test.h>

#define S(i) mdbt_sp(i)
#define MC() CHECK(mdbt_check() == 0)
#define RWX 7u
#define RW 6u
#define R 4u
#define W 2u
/* map/grant of equal-sized fpage and window, then the full check */
#define MAP(f, fv, sh, r, t, tv) \
	do { \
		CHECK_EQ(mdb_map(S(f), fv, sh, r, fv, S(t), tv, sh, false), MDB_OK); \
		MC(); \
	} while (0)
#define GRANT(f, fv, sh, r, t, tv) \
	do { \
		CHECK_EQ(mdb_map(S(f), fv, sh, r, fv, S(t), tv, sh, true), MDB_OK); \
		MC(); \
	} while (0)
#define UNMAP(sp, v, sh, r, fl) \
	do { \
		mdb_unmap(S(sp), v, sh, r, fl); \
		MC(); \
	} while (0)
#define ROOT(pa, lvl) \
	do { \
		CHECK_EQ(mdb_root_create(pa, lvl, RWX), MDB_OK); \
		MC(); \
	} while (0)

/* Golden text built from several dumps, each under a heading. */
static char gold[1 << 16];
static void gold_reset(void) { gold[0] = 0; }
static void gold_add(const char *what)
{
	size_t n = strlen(gold);
	snprintf(gold + n, sizeof gold - n, "== %s\n%s", what, mdbt_dump());
}
#define GOLDEN(name) CHECK(host_golden_check(name, gold))

static void x86(size_t pages) { mdbt_setup(12, 21, 30, pages, pages); }
static void small(size_t pages) { mdbt_setup(12, 15, 18, pages, pages); } /* 8 pieces per split */

HOST_TEST(mdb_window_t, "mdb.window", "send fpage / receive window arithmetic: smaller wins, hot spot")
{
	struct mdb_xfer x;
	/* equal sizes */
	CHECK(mdb_window(0x10000, 12, 0, 0x20000, 12, &x));
	CHECK_EQ(x.src, 0x10000);
	CHECK_EQ(x.dst, 0x20000);
	CHECK_EQ(x.shift, 12);
	/* window larger: fpage placed at base + hot spot mod window size */
	CHECK(mdb_window(0x10000, 12, 0x12345000, 0x400000, 22, &x));
	CHECK_EQ(x.src, 0x10000);
	CHECK_EQ(x.dst, 0x400000 + 0x345000);
	CHECK_EQ(x.shift, 12);
	/* ... aligned down to the fpage size */
	CHECK(mdb_window(0x10000, 14, 0x7000, 0x400000, 22, &x));
	CHECK_EQ(x.dst, 0x404000);
	CHECK_EQ(x.shift, 14);
	/* window smaller: hot spot selects the aligned part of the fpage */
	CHECK(mdb_window(0x400000, 22, 0x12345678, 0x8000, 13, &x));
	CHECK_EQ(x.src, 0x400000 + 0x344000);
	CHECK_EQ(x.dst, 0x8000);
	CHECK_EQ(x.shift, 13);
	/* base bits below the size are ignored */
	CHECK(mdb_window(0x10fff, 12, 0, 0x20abc, 12, &x));
	CHECK_EQ(x.src, 0x10000);
	CHECK_EQ(x.dst, 0x20000);
	/* nil, too small, complete, beyond user space */
	CHECK(!mdb_window(0, 0, 0, 0, 12, &x));
	CHECK(!mdb_window(0x1000, 11, 0, 0, 12, &x));
	CHECK(!mdb_window(0x1000, 12, 0, 0, 0, &x));
	CHECK(mdb_window(0, 1, 0, 0, 1, &x));
	CHECK_EQ(x.src, 0);
	CHECK_EQ(x.dst, 0);
	CHECK_EQ(x.shift, MDB_USER_BITS);
	CHECK(mdb_window(0x5000, 12, 0x3000, 0, 1, &x));
	CHECK_EQ(x.dst, 0x3000);
	CHECK(!mdb_window(1ull << 47, 12, 0, 0, 12, &x));
	CHECK(!mdb_window(1ull << 50, 50, 0, 0, 12, &x));
	CHECK(mdb_window(0, 63, 0x1000, 0x2000, 12, &x));
	CHECK_EQ(x.src, 0x1000);
	CHECK_EQ(x.dst, 0x2000);
}

HOST_TEST(mdb_chain_t, "mdb.chain", "sigma0->A->B->C: map with fewer rights, rights reduction, unmap")
{
	x86(4);
	gold_reset();
	ROOT(0x100000, 0);
	MAP(0, 0x100000, 12, RWX, 1, 0x10000);
	MAP(1, 0x10000, 12, RW, 2, 0x20000);
	MAP(2, 0x20000, 12, R, 3, 0x30000);
	gold_add("chain sigma0 -> s1 rwx -> s2 rw -> s3 r");
	UNMAP(1, 0x10000, 12, W, false);
	gold_add("s1 unmaps w");
	UNMAP(1, 0x10000, 12, RWX, false);
	gold_add("s1 unmaps rwx: s2, s3 gone; s1 keeps its own");
	UNMAP(0, 0x100000, 12, RWX, false);
	gold_add("sigma0 unmaps rwx");
	GOLDEN("mdb_chain.txt");
	CHECK_EQ(mdbt_live_nodes(), 1);
}

HOST_TEST(mdb_fan_t, "mdb.fan", "one mapping to many spaces, rights reduction of one branch")
{
	x86(4);
	gold_reset();
	ROOT(0x100000, 0);
	MAP(0, 0x100000, 12, RWX, 1, 0x1000);
	MAP(1, 0x1000, 12, RWX, 2, 0x2000);
	MAP(1, 0x1000, 12, RW, 3, 0x3000);
	MAP(1, 0x1000, 12, R, 4, 0x4000);
	MAP(2, 0x2000, 12, RWX, 5, 0x5000);
	MAP(3, 0x3000, 12, RWX, 6, 0x6000);
	gold_add("fan s1 -> s2 s3 s4; s2 -> s5; s3 -> s6");
	UNMAP(2, 0x2000, 12, 1, false);
	gold_add("s2 unmaps x: s5 loses x");
	UNMAP(1, 0x1000, 12, R, false);
	gold_add("s1 unmaps r: r-only s4 and everything without w/x left go");
	GOLDEN("mdb_fan.txt");
}

HOST_TEST(mdb_grant_t, "mdb.grant_chain", "grant inside a chain: the receiver takes the sender's place")
{
	x86(4);
	gold_reset();
	ROOT(0x100000, 0);
	MAP(0, 0x100000, 12, RWX, 1, 0x10000);
	MAP(1, 0x10000, 12, RWX, 2, 0x20000);
	MAP(2, 0x20000, 12, RWX, 3, 0x30000);
	MAP(2, 0x20000, 12, R, 5, 0x50000);
	GRANT(2, 0x20000, 12, RW, 4, 0x40000);
	gold_add("s2 grants rw to s4: s4 under s1, s3 (now rw) and s5 under s4");
	CHECK(!mdb_lookup(S(2), 0x20000));
	GRANT(0, 0x100000, 12, RWX, 6, 0x60000);
	gold_add("a grant from sigma0's root is a map");
	GOLDEN("mdb_grant_chain.txt");
}

HOST_TEST(mdb_partial_t, "mdb.partial_unmap", "unmap of a part of a larger fpage; unmapped source parts")
{
	x86(4);
	gold_reset();
	for (int i = 0; i < 4; i++)
		if (i != 2)
			ROOT(0x100000 + i * 0x1000, 0);
	MAP(0, 0x100000, 14, RWX, 1, 0x10000);
	gold_add("16K fpage with a hole at 0x102000: the hole is skipped");
	MAP(1, 0x10000, 14, RWX, 2, 0x20000);
	UNMAP(1, 0x11000, 12, RWX, false);
	gold_add("s1 unmaps 0x11000: only s2 0x21000 goes");
	UNMAP(1, 0x10000, 13, W, false);
	gold_add("s1 unmaps w on 8K");
	GOLDEN("mdb_partial_unmap.txt");
}

HOST_TEST(mdb_rights_t, "mdb.rights_upgrade", "remap from the same parent extends rights; another source replaces")
{
	x86(4);
	gold_reset();
	ROOT(0x100000, 0);
	ROOT(0x101000, 0);
	MAP(0, 0x100000, 12, RWX, 1, 0x10000);
	MAP(1, 0x10000, 12, R, 2, 0x20000);
	MAP(2, 0x20000, 12, R, 3, 0x30000);
	gold_add("s1 -> s2 r -> s3 r");
	struct mdb_node *n = mdb_lookup(S(2), 0x20000);
	MAP(1, 0x10000, 12, W, 2, 0x20000);
	CHECK(mdb_lookup(S(2), 0x20000) == n);
	gold_add("s1 maps w again: s2 rw, same node, s3 kept");
	MAP(0, 0x101000, 12, R, 2, 0x20000);
	gold_add("sigma0 maps another frame there: old s2 and s3 replaced");
	GOLDEN("mdb_rights_upgrade.txt");
}

HOST_TEST(mdb_flush_t, "mdb.flush_self", "flush revokes the caller's own mapping too")
{
	x86(4);
	gold_reset();
	ROOT(0x100000, 0);
	MAP(0, 0x100000, 12, RWX, 1, 0x10000);
	MAP(1, 0x10000, 12, RWX, 2, 0x20000);
	MAP(2, 0x20000, 12, RWX, 3, 0x30000);
	UNMAP(2, 0x20000, 12, W, true);
	gold_add("s2 flushes w: s2 and s3 r-x");
	UNMAP(2, 0x20000, 12, RWX, true);
	gold_add("s2 flushes rwx: s2 and s3 gone");
	GOLDEN("mdb_flush_self.txt");
}

HOST_TEST(mdb_split_t, "mdb.superpage_split", "partial unmap of superpages splits them; children stay on their pieces")
{
	small(4); /* 4K / 32K / 256K: a split makes 8 pieces */
	gold_reset();
	ROOT(0x100000, 2);
	MAP(0, 0x100000, 18, RWX, 1, 0x400000);
	MAP(1, 0x400000, 18, RWX, 2, 0x800000);
	MAP(1, 0x408000, 12, RWX, 3, 0x1000);
	MAP(2, 0x808000, 15, RWX, 4, 0x10000);
	gold_add("256K chain s0 -> s1 -> s2; 4K of s1 -> s3; 32K of s2 -> s4");
	UNMAP(1, 0x409000, 12, W, false);
	gold_add("s1 unmaps w on 4K at 0x409000: s2 and s4 split, one 4K piece each loses w");
	UNMAP(2, 0x80a000, 12, RWX, true);
	gold_add("s2 flushes 4K at 0x80a000: its piece and s4's piece go");
	MAP(0, 0x100000, 15, RWX, 5, 0x40000);
	UNMAP(0, 0x100000, 12, RWX, false);
	gold_add("s0 maps 32K to s5 then unmaps 4K at 0x100000 from everything");
	GOLDEN("mdb_superpage_split.txt");
}

HOST_TEST(mdb_split_x86_t, "mdb.split_x86", "1 GiB mapping: a 4 KiB unmap leaves 511 2M + 511 4K pieces")
{
	x86(16);
	ROOT(0x40000000, 2);
	MAP(0, 0x40000000, 30, RWX, 1, 0x40000000);
	MAP(1, 0x40000000, 30, RWX, 2, 0x80000000);
	MAP(2, 0x80200000, 21, RWX, 3, 0x200000);
	UNMAP(1, 0x40201000, 12, RWX, false);
	CHECK_EQ(mdbt_live_nodes(), 1 + 1 + (511 + 511) + 511);
	CHECK(!mdb_lookup(S(2), 0x80201000));
	CHECK(!mdb_lookup(S(3), 0x201000));
	struct mdb_node_info i;
	CHECK(mdb_node_info(mdb_lookup(S(2), 0x80200000), &i));
	CHECK_EQ(i.level, 0);
	CHECK_EQ(i.paddr, 0x40200000);
	CHECK_EQ(i.rights, RWX);
	CHECK(mdb_node_info(mdb_lookup(S(2), 0x80400000), &i));
	CHECK_EQ(i.level, 1);
	CHECK(mdb_node_info(mdb_lookup(S(3), 0x3ff000), &i));
	CHECK_EQ(i.level, 0);
	CHECK(mdb_node_info(mdb_parent(mdb_lookup(S(3), 0x3ff000)), &i));
	CHECK_EQ(i.vaddr, 0x803ff000);
	CHECK(mdb_node_info(mdb_lookup(S(1), 0x40201000), &i));
	CHECK_EQ(i.level, 2); /* the caller's own mapping is not split without flush */
}

HOST_TEST(mdb_delete_t, "mdb.space_delete", "space deletion removes the space's mappings and subtrees")
{
	x86(4);
	gold_reset();
	ROOT(0x100000, 0);
	ROOT(0x200000, 1);
	MAP(0, 0x100000, 12, RWX, 1, 0x10000);
	MAP(1, 0x10000, 12, RWX, 2, 0x20000);
	MAP(1, 0x10000, 12, RWX, 3, 0x30000);
	MAP(0, 0x200000, 21, RWX, 1, 0x7fffffe00000ull);
	MAP(1, 0x7fffffe00000ull, 21, RWX, 2, 0x400000);
	MAP(2, 0x20000, 12, RWX, 1, 0x50000);
	gold_add("before");
	mdb_space_delete(S(1));
	MC();
	gold_add("s1 deleted");
	mdb_space_delete(S(0));
	MC();
	gold_add("sigma0 deleted");
	CHECK_EQ(mdbt_live_nodes(), 0);
	GOLDEN("mdb_space_delete.txt");
}

HOST_TEST(mdb_access_t, "mdb.access_bits", "unmap reports and resets access bits of derived mappings only")
{
	x86(4);
	ROOT(0x100000, 0);
	MAP(0, 0x100000, 12, RWX, 1, 0x10000);
	MAP(1, 0x10000, 12, RWX, 2, 0x20000);
	MAP(2, 0x20000, 12, RWX, 3, 0x30000);
	CHECK(mdb_pt_host_touch((struct space *)S(3)->space, 0x30000, W | R | 1));
	CHECK(mdb_pt_host_touch((struct space *)S(1)->space, 0x10000, R));
	CHECK_EQ(mdb_unmap(S(2), 0x20000, 12, 0, false), RWX); /* s3's accesses */
	MC();
	CHECK(mdb_pt_host_touch((struct space *)S(2)->space, 0x20000, R | 1));
	CHECK_EQ(mdb_unmap(S(1), 0x10000, 12, 0, false), R | 1); /* s2's; s3's were reset */
	CHECK_EQ(mdb_unmap(S(1), 0x10000, 12, 0, false), 0);
	CHECK(mdb_pt_host_touch((struct space *)S(3)->space, 0x30000, R | 1));
	CHECK_EQ(mdb_unmap(S(3), 0x30000, 12, 0, false), 0); /* a leaf's own query: 0, bits reset */
	CHECK_EQ(mdb_unmap(S(1), 0x10000, 12, 0, true), 0);
	CHECK(mdb_pt_host_touch((struct space *)S(2)->space, 0x20000, W));
	CHECK_EQ(mdb_unmap(S(2), 0x20000, 12, RWX, true), 0); /* own accesses are never reported */
	MC();
	CHECK(!mdb_lookup(S(3), 0x30000));
}

HOST_TEST(mdb_self_t, "mdb.self_map", "mapping a page over its own ancestor or itself changes nothing")
{
	x86(4);
	gold_reset();
	ROOT(0x100000, 0);
	MAP(0, 0x100000, 12, RWX, 1, 0x10000);
	MAP(1, 0x10000, 12, RWX, 2, 0x20000);
	gold_add("s1 -> s2");
	MAP(2, 0x20000, 12, RWX, 1, 0x10000); /* back onto its parent: skipped */
	MAP(1, 0x10000, 12, RWX, 1, 0x10000); /* onto itself */
	GRANT(1, 0x10000, 12, RWX, 1, 0x10000);
	GRANT(2, 0x20000, 12, RWX, 1, 0x10000);
	gold_add("after maps and grants onto ancestors/self: unchanged");
	MAP(1, 0x10000, 12, R, 1, 0x11000);
	gold_add("s1 maps its page to itself elsewhere");
	GOLDEN("mdb_self_map.txt");
}

/* Builds root (page 0) -> s1 (page 1) -> s2 (page 2) and a second tree, one
 * node page at a time, so each node's page is known. */
static void *pg[4];
static int build_evict_world(void)
{
	mdbt_setup(12, 21, 30, 8, 0);
	pg[0] = mdbt_lend();
	if (mdb_root_create(0x100000, 0, RWX) || mdb_root_create(0x200000, 1, RWX))
		return -10;
	pg[1] = mdbt_lend();
	if (mdb_map(S(0), 0x100000, 12, RWX, 0, S(1), 0x10000, 12, false))
		return -1;
	pg[2] = mdbt_lend();
	if (mdb_map(S(1), 0x10000, 12, RWX, 0, S(2), 0x20000, 12, false))
		return -1;
	pg[3] = mdbt_lend(); /* mixed: a root, a middle node and a leaf of two trees */
	if (mdb_root_create(0x500000, 0, RWX) || mdb_map(S(0), 0x200000, 21, RWX, 0, S(3), 0x200000, 21, false) ||
	    mdb_map(S(1), 0x10000, 12, R, 0, S(4), 0x40000, 12, false))
		return -1;
	pg[0] = pg[0]; /* later nodes land on later pages: check it */
	if (mdb_node_page_of(mdb_lookup(S(2), 0x20000)) != pg[2] ||
	    mdb_node_page_of(mdb_lookup(S(3), 0x200000)) != pg[3])
		return -2;
	if (mdb_map(S(0), 0x500000, 12, RWX, 0, S(5), 0x50000, 12, false) ||
	    mdb_map(S(3), 0x200000, 21, RWX, 0, S(6), 0x600000, 21, false))
		return -1;
	return mdbt_check();
}

HOST_TEST(mdb_evict_t, "mdb.evict", "evicting a node page in every position: root, middle, leaf, mixed")
{
	static const char *what[] = {"page 0 (roots)", "page 1 (middle)", "page 2 (leaf)", "page 3 (mixed)"};
	gold_reset();
	CHECK(build_evict_world() == 0);
	gold_add("before");
	for (int i = 0; i < 4; i++) {
		CHECK(build_evict_world() == 0);
		CHECK_EQ(mdb_evict_page(pg[i]), MDB_OK);
		MC();
		CHECK(!mdb_nodes_is_page(pg[i]));
		gold_add(what[i]);
	}
	GOLDEN("mdb_evict.txt");
}

HOST_TEST(mdb_evict_pin_t, "mdb.evict_pinned", "a page with a pinned node is busy; pins do not protect authority")
{
	CHECK(build_evict_world() == 0);
	CHECK_EQ(mdb_pin(S(2), 0x20000, true), MDB_OK);
	size_t before = mdbt_live_nodes();
	CHECK_EQ(mdb_evict_page(pg[2]), MDB_EBUSY);
	MC();
	CHECK_EQ(mdbt_live_nodes(), before);
	CHECK_EQ(mdb_evict_page(pg[1]), MDB_OK); /* s1's page: the pinned child goes with it */
	MC();
	CHECK(!mdb_lookup(S(2), 0x20000));
	CHECK_EQ(mdb_evict_page(pg[2]), MDB_OK);
	CHECK_EQ(mdb_evict_page(pg[2]), MDB_EINVAL);
	MC();
	CHECK(mdb_nodes_add_page(pg[2]) == MDB_OK); /* lent again */
	MC();
}

HOST_TEST(mdb_nomem_t, "mdb.nomem", "node/page-table exhaustion: map fails cleanly, unmap over-revokes")
{
	small(1); /* 170 nodes */
	ROOT(0x100000, 2);
	MAP(0, 0x100000, 18, RWX, 1, 0x400000);
	int err = MDB_OK;
	vaddr_t v = 0;
	for (; v < 0x100000 && err == MDB_OK; v += 0x1000) {
		err = mdb_map(S(0), 0x100000, 12, RWX, 0, S(2), v, 12, false);
		MC();
	}
	CHECK_EQ(err, MDB_ENOMEM);
	CHECK_EQ(mdb_nodes_free, 0);
	UNMAP(0, 0x104000, 12, W, false); /* s1's 256K would need a split: it loses w entirely */
	struct mdb_node_info i;
	CHECK(mdb_node_info(mdb_lookup(S(1), 0x400000), &i));
	CHECK_EQ(i.level, 2);
	CHECK_EQ(i.rights, 5);
	UNMAP(2, 0, 20, RWX, true);
	mdb_pt_host_fail_after(0);
	CHECK_EQ(mdb_map(S(0), 0x100000, 12, RWX, 0, S(3), 0x3000, 12, false), MDB_ENOMEM);
	MC();
	mdb_pt_host_fail_after(0);
	UNMAP(1, 0x400000, 12, RWX, true); /* page tables for a split missing: whole 256K flushed */
	CHECK(!mdb_lookup(S(1), 0x440000));
	mdb_pt_host_fail_after(-1);
}

HOST_TEST(mdb_pages_t, "mdb.node_pages", "node pages: lending, stale or foreign pages rejected, free counts")
{
	mdbt_setup(12, 21, 30, 4, 1);
	char *p1 = mdbt.arena + MDB_NODE_PAGE_SIZE;
	memcpy(p1, mdbt.arena, MDB_NODE_PAGE_SIZE); /* looks like a node page, but is not lent */
	CHECK(!mdb_nodes_is_page(p1));
	CHECK_EQ(mdb_evict_page(p1), MDB_EINVAL);
	CHECK_EQ(mdb_nodes_add_page(mdbt.arena), MDB_EINVAL); /* lent twice */
	CHECK_EQ(mdb_nodes_add_page(mdbt.arena + 100), MDB_EINVAL);
	CHECK_EQ(mdb_nodes_add_page(p1), MDB_OK);
	CHECK_EQ(mdb_nodes_free, 2 * MDB_NODES_PER_PAGE);
	MC();
	ROOT(0x100000, 0);
	for (int i = 0; i < 200; i++)
		CHECK_EQ(mdb_map(S(0), 0x100000, 12, RWX, 0, S(1), (vaddr_t)i << 12, 12, false), MDB_OK);
	MC();
	CHECK_EQ(mdb_nodes_free, 2 * MDB_NODES_PER_PAGE - 201);
	CHECK_EQ(mdb_map(S(0), 0x100000, 12, RWX, 0, S(2), 0, 12, false), MDB_OK);
	UNMAP(0, 0x100000, 12, RWX, false);
	CHECK_EQ(mdb_nodes_free, 2 * MDB_NODES_PER_PAGE - 1);
}
