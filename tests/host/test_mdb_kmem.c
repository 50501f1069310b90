/* SPDX-License-Identifier: MIT */
/* Host tests of the mdb's cache machinery: reserve pages, chained pins, charges and quotas, reclaim, hooks. */
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include <arch/mdb_test.h>

#define S(i) mdbt_sp(i)
#define MC() CHECK(mdbt_check() == 0)
#define RWX 7u

/* A reserve page from the end of the arena (the fixture lends from the start). */
static void *reserve_page(size_t i)
{
	void *p = mdbt.arena + (mdbt.arena_pages - 1 - i) * MDB_NODE_PAGE_SIZE;
	return mdb_nodes_add_reserve_page(p) == MDB_OK ? p : NULL;
}

static bool on_reserve(struct mdb_node *n)
{
	return n && (mdb_node_page_of(n)->flags & MDB_PAGE_RESERVE) && (n->w & MDB_W_PINNED);
}

/* sigma0 root 0x100000 -> s1 0x10000 -> s2 0x20000 -> s3 0x30000, each level on
 * its own lent page, and a sibling s4 0x40000 of s2 under s1. */
static void *pg[4];
static int chain_world(void)
{
	mdbt_setup(12, 21, 30, 16, 0);
	pg[0] = mdbt_lend();
	if (mdb_root_create(0x100000, 0, RWX))
		return -1;
	pg[1] = mdbt_lend();
	if (mdb_map(S(0), 0x100000, 12, RWX, 0, S(1), 0x10000, 12, false))
		return -1;
	pg[2] = mdbt_lend();
	if (mdb_map(S(1), 0x10000, 12, RWX, 0, S(2), 0x20000, 12, false) ||
	    mdb_map(S(1), 0x10000, 12, RWX, 0, S(4), 0x40000, 12, false))
		return -1;
	pg[3] = mdbt_lend();
	if (mdb_map(S(2), 0x20000, 12, RWX, 0, S(3), 0x30000, 12, false))
		return -1;
	return mdbt_check();
}

HOST_TEST(mdb_pin_chain_t, "mdb.pin_chain",
	  "a pin moves the node and its ancestors to reserve pages; every lent page can then be taken back")
{
	CHECK(chain_world() == 0);
	CHECK(reserve_page(0));
	MC();
	CHECK_EQ(mdb_pin(S(2), 0x20000, true), MDB_OK);
	MC();
	CHECK(on_reserve(mdb_lookup(S(2), 0x20000)));
	CHECK(on_reserve(mdb_lookup(S(1), 0x10000)));
	CHECK(on_reserve(mdb_lookup(S(0), 0x100000)));
	CHECK(!(mdb_lookup(S(3), 0x30000)->w & MDB_W_PINNED)); /* below the pin: not pinned */
	CHECK(!(mdb_lookup(S(4), 0x40000)->w & MDB_W_PINNED));
	/* Every lent page goes back; only the unpinned mappings on them go. */
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(mdb_evict_page(pg[i]), MDB_OK);
		MC();
	}
	CHECK(mdb_lookup(S(0), 0x100000) && mdb_lookup(S(1), 0x10000) && mdb_lookup(S(2), 0x20000));
	CHECK(!mdb_lookup(S(3), 0x30000) && !mdb_lookup(S(4), 0x40000));
	CHECK_EQ(mdb_evicted_nodes, 2);
	CHECK_EQ(mdb_evicted_pinned, 0);
	/* Authority is not pinned: an unmap by the source still revokes. */
	mdb_unmap(S(1), 0x10000, 12, RWX, false);
	MC();
	CHECK(!mdb_lookup(S(2), 0x20000));
}

HOST_TEST(mdb_pin_chain_full_t, "mdb.pin_chain.reserve_full", "a pin that does not fit the reserve changes nothing")
{
	CHECK(chain_world() == 0);
	CHECK(reserve_page(0));
	/* Unpinned roots fill the lent pages, then the reserve down to 2 slots. */
	for (paddr_t pa = 0x1000000; mdb_nodes_free_reserve > 2; pa += 0x1000)
		CHECK_EQ(mdb_root_create(pa, 0, RWX), MDB_OK);
	MC();
	static char before[1 << 16];
	snprintf(before, sizeof before, "%s", mdbt_dump());
	CHECK_EQ(mdb_pin(S(3), 0x30000, true), MDB_ENOMEM); /* 4 nodes to move, 2 slots */
	MC();
	CHECK(strcmp(before, mdbt_dump()) == 0);
	/* The floor keeps reserve slots for pins: unpinned nodes stop short of it. */
	mdb_nodes_pin_floor = 2;
	CHECK_EQ(mdb_root_create(0x9000000, 0, RWX), MDB_ENOMEM);
	CHECK_EQ(mdb_pin(S(1), 0x10000, true), MDB_OK); /* s1 and the root: 2 moves */
	MC();
}

HOST_TEST(mdb_pin_space_t, "mdb.pin_space",
	  "mappings into a pinned space are pinned with their sources; a grant into it too")
{
	CHECK(chain_world() == 0);
	CHECK(reserve_page(0));
	S(5)->flags |= MDB_SPACE_PIN;
	CHECK_EQ(mdb_map(S(3), 0x30000, 12, 4, 0, S(5), 0x50000, 12, false), MDB_OK);
	MC();
	CHECK(on_reserve(mdb_lookup(S(5), 0x50000)));
	CHECK(on_reserve(mdb_lookup(S(3), 0x30000)));
	CHECK(on_reserve(mdb_lookup(S(0), 0x100000)));
	CHECK(!(mdb_lookup(S(4), 0x40000)->w & MDB_W_PINNED));
	CHECK_EQ(mdb_map(S(4), 0x40000, 12, RWX, 0, S(5), 0x60000, 12, true), MDB_OK); /* grant */
	MC();
	CHECK(!mdb_lookup(S(4), 0x40000));
	CHECK(on_reserve(mdb_lookup(S(5), 0x60000)));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(mdb_evict_page(pg[i]), MDB_OK);
	MC();
	CHECK(mdb_lookup(S(5), 0x50000) && mdb_lookup(S(5), 0x60000));
}

HOST_TEST(mdb_quota_t, "mdb.quota",
	  "charges follow the maker through map, grant, split and removal; a quota refuses new nodes")
{
	mdbt_setup(12, 21, 30, 16, 16);
	CHECK_EQ(mdb_root_create(0x200000, 1, RWX), MDB_OK);
	CHECK_EQ(S(0)->charged, 1);
	CHECK_EQ(mdb_map(S(0), 0x200000, 21, RWX, 0, S(1), 0x400000, 21, false), MDB_OK);
	CHECK_EQ(S(0)->charged, 2);
	S(1)->quota = 5;
	for (unsigned i = 0; i < 5; i++)
		CHECK_EQ(mdb_map(S(1), 0x400000 + i * 0x1000, 12, RWX, 0, S(2), 0x10000 + i * 0x1000, 12, false),
			 MDB_OK);
	MC();
	CHECK_EQ(S(1)->charged, 5);
	CHECK_EQ(mdb_map(S(1), 0x405000, 12, RWX, 0, S(2), 0x15000, 12, false), MDB_EQUOTA);
	MC();
	CHECK(!mdb_lookup(S(2), 0x15000));
	/* A grant hands the children's charge to the receiver. */
	CHECK_EQ(mdb_map(S(2), 0x10000, 12, RWX, 0, S(3), 0x70000, 12, false), MDB_OK);
	CHECK_EQ(S(2)->charged, 1);
	CHECK_EQ(mdb_map(S(2), 0x10000, 12, RWX, 0, S(4), 0x80000, 12, true), MDB_OK);
	MC();
	CHECK_EQ(S(2)->charged, 0);
	CHECK_EQ(S(4)->charged, 1);
	/* A split (unmap of 4 KiB inside s1's 2 MiB) is charged to the maker, never refused. */
	S(0)->quota = 1;
	mdb_unmap(S(1), 0x5ff000, 12, RWX, true);
	MC();
	CHECK_EQ(S(0)->charged, 1 + 511);
	/* Removal gives the charge back. */
	mdb_unmap(S(1), 0x400000, 21, RWX, false);
	MC();
	CHECK_EQ(S(1)->charged, 0);
}

HOST_TEST(mdb_reclaim_t, "mdb.reclaim", "reclaim evicts the maker's least recently used children first (second chance)")
{
	mdbt_setup(12, 21, 30, 16, 16);
	CHECK_EQ(mdb_root_create(0x200000, 1, RWX), MDB_OK);
	CHECK_EQ(mdb_map(S(0), 0x200000, 21, RWX, 0, S(1), 0x400000, 12, false), MDB_OK); /* 4 KiB */
	CHECK_EQ(mdb_map(S(0), 0x201000, 12, RWX, 0, S(1), 0x401000, 12, false), MDB_OK);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(mdb_map(S(1), 0x400000 + (i & 1) * 0x1000, 12, RWX, 0, S(2), 0x10000 + i * 0x1000, 12, false),
			 MDB_OK);
	CHECK_EQ(mdb_map(S(2), 0x10000, 12, RWX, 0, S(3), 0x90000, 12, false), MDB_OK); /* a grandchild */
	S(1)->quota = 0;
	CHECK(mdb_pin(S(2), 0x17000, true) == MDB_OK); /* no reserve: pinned in place */
	/* s2's pages 0, 2, 4 were used lately. */
	for (unsigned i = 0; i < 6; i += 2)
		CHECK(mdb_pt_host_touch(S(2)->space, 0x10000 + i * 0x1000, 4));
	/* The hand starts at s1's first page: children 6, 4, 2, 0 (newest first);
	 * 6 goes, the others lose their bits; then under the second page 7 is
	 * pinned, 5 and 3 go. */
	CHECK_EQ(mdb_reclaim(S(1), 3, 10000, 2), 3);
	MC();
	CHECK(!mdb_lookup(S(2), 0x16000) && !mdb_lookup(S(2), 0x15000) && !mdb_lookup(S(2), 0x13000));
	CHECK(mdb_lookup(S(2), 0x10000) && mdb_lookup(S(2), 0x12000) && mdb_lookup(S(2), 0x14000));
	CHECK(mdb_lookup(S(2), 0x11000) && mdb_lookup(S(3), 0x90000));
	CHECK(mdb_lookup(S(2), 0x17000)); /* pinned */
	/* The hand goes on from where it stopped: 1, then the second chances are
	 * spent: 4, 2, 0 with its grandchild. Nothing pinned goes. */
	size_t got = mdb_reclaim(S(1), 100, 10000, 2);
	MC();
	CHECK_EQ(got, 5);
	CHECK(mdb_lookup(S(2), 0x17000));
	CHECK_EQ(S(1)->charged, 1);
	CHECK_EQ(mdb_reclaim(S(1), 100, 10000, 2), 0);
	/* One round takes only the cold: a used mapping survives it. */
	CHECK_EQ(mdb_map(S(1), 0x400000, 12, RWX, 0, S(2), 0x20000, 12, false), MDB_OK);
	CHECK(mdb_pt_host_touch(S(2)->space, 0x20000, 4));
	CHECK_EQ(mdb_reclaim(S(1), 100, 10000, 1), 0);
	CHECK_EQ(mdb_reclaim(S(1), 100, 10000, 1), 1);
	MC();
}

static struct {
	unsigned calls;
	paddr_t pa;
	vaddr_t v;
} removed;
static void on_removed(struct mdb_space *ms, vaddr_t v, paddr_t pa, unsigned level)
{
	(void)ms;
	(void)level;
	removed.calls++;
	removed.pa = pa;
	removed.v = v;
}

HOST_TEST(mdb_removed_hook_t, "mdb.notify",
	  "removing a mapping of a notifying space reports its frame, from unmap and from eviction")
{
	CHECK(chain_world() == 0);
	CHECK(reserve_page(0));
	S(6)->flags |= MDB_SPACE_NOTIFY | MDB_SPACE_PIN;
	mdb_removed_hook = on_removed;
	memset(&removed, 0, sizeof removed);
	CHECK_EQ(mdb_map(S(3), 0x30000, 12, 4, 0, S(6), 0x100000, 12, false), MDB_OK);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(mdb_evict_page(pg[i]), MDB_OK); /* pinned: nothing of the chain goes */
	CHECK_EQ(removed.calls, 0);
	mdb_unmap(S(3), 0x30000, 12, RWX, false);
	MC();
	CHECK_EQ(removed.calls, 1);
	CHECK_EQ(removed.pa, 0x100000);
	CHECK_EQ(removed.v, 0x100000);
	mdb_removed_hook = NULL;
}
