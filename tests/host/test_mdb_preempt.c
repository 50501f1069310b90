/* SPDX-License-Identifier: MIT */
/* Bounded-latency unmap and eviction of a 10^5-node tree, interleaved with other work. */
#include <stdio.h>
#include "harness.h"
#include <arch/mdb_test.h>

#define S(i) mdbt_sp(i)
#define MC() CHECK(mdbt_check() == 0)
#define N 50000 /* children of s1's page in s2, each with one child in s3 */

/* root -> s1 0x1000 -> N x s2 -> N x s3: 2N + 2 nodes. */
static int build(void)
{
	mdbt_setup(12, 21, 30, 2 * N / MDB_NODES_PER_PAGE + 16, 2 * N / MDB_NODES_PER_PAGE + 16);
	if (mdb_root_create(0x100000, 0, 7) || mdb_root_create(0x200000, 0, 7) ||
	    mdb_map(S(0), 0x100000, 12, 7, 0, S(1), 0x1000, 12, false))
		return -1;
	for (vaddr_t i = 0; i < N; i++) {
		vaddr_t v = 0x10000000 + (i << 12);
		if (mdb_map(S(1), 0x1000, 12, 7, 0, S(2), v, 12, false) ||
		    mdb_map(S(2), v, 12, 7, 0, S(3), v, 12, false))
			return -1;
	}
	return mdbt_live_nodes() == 2 * N + 3 ? 0 : -1;
}

HOST_TEST(mdb_preempt_t, "mdb.preempt_unmap",
	  "10^5-node subtree: rights reduction and removal in budgeted steps, well-formed between steps, "
	  "other maps/unmaps interleaved")
{
	CHECK(build() == 0);
	MC();
	struct mdb_unmap_op op;
	/* revoke w in steps of 1000 units; others work in between */
	mdb_unmap_begin(&op, S(1), 0x1000, 12, 2, false);
	int steps = 0;
	while (mdb_unmap_step(&op, 1000) == MDB_MORE) {
		steps++;
		if (steps % 25 == 0)
			MC(); /* rights are monotone even half-way (post-order) */
		if (steps % 3 == 0) /* unrelated work */
			CHECK_EQ(mdb_map(S(0), 0x200000, 12, 7, 0, S(4), (vaddr_t)steps << 12, 12, false), MDB_OK);
		if (steps % 5 == 0) /* remove a node the op may be standing on */
			mdb_unmap(S(2), 0x10000000 + ((vaddr_t)(steps * 397 % N) << 12), 12, 7, true);
	}
	MC();
	CHECK(steps >= 100 && steps < 400);
	struct mdb_node_info i;
	CHECK(mdb_node_info(mdb_lookup(S(3), 0x10000000 + ((N - 1) << 12)), &i));
	CHECK_EQ(i.rights, 5);
	CHECK(mdb_node_info(mdb_lookup(S(1), 0x1000), &i));
	CHECK_EQ(i.rights, 7);
	/* now remove everything below s1 in steps */
	size_t live = mdbt_live_nodes();
	mdb_unmap_begin(&op, S(1), 0x1000, 12, 7, false);
	steps = 0;
	while (mdb_unmap_step(&op, 1000) == MDB_MORE) {
		size_t now = mdbt_live_nodes();
		CHECK(live - now <= 1000); /* bounded work per step */
		live = now;
		if (++steps % 25 == 0)
			MC();
	}
	MC();
	CHECK(!mdb_lookup(S(2), 0x10000000));
	CHECK(!mdb_lookup(S(3), 0x10000000 + ((N - 1) << 12)));
	CHECK(mdb_lookup(S(1), 0x1000));
	CHECK(steps >= 90);
}

HOST_TEST(mdb_preempt_two_t, "mdb.preempt_concurrent", "two unfinished unmaps of one tree interleave; both finish")
{
	CHECK(build() == 0);
	struct mdb_unmap_op a, b;
	mdb_unmap_begin(&a, S(1), 0x1000, 12, 7, false); /* removes everything below s1 */
	mdb_unmap_begin(&b, S(2), 0x10000000, 28, 2, false); /* s2's children lose w */
	int ra = MDB_MORE, rb = MDB_MORE, steps = 0;
	while (ra == MDB_MORE || rb == MDB_MORE) {
		if (ra == MDB_MORE)
			ra = mdb_unmap_step(&a, 500);
		if (rb == MDB_MORE)
			rb = mdb_unmap_step(&b, 300);
		if (++steps % 40 == 0)
			MC();
		CHECK(steps < 10000);
	}
	MC();
	CHECK_EQ(mdbt_live_nodes(), 3);
	CHECK(mdb_active_ops_empty());
}

HOST_TEST(mdb_evict_big_t, "mdb.preempt_evict", "eviction of the page under a 10^5-node subtree, in budgeted steps")
{
	CHECK(build() == 0);
	void *page = mdb_node_page_of(mdb_lookup(S(1), 0x1000));
	size_t live = mdbt_live_nodes();
	int r, steps = 0;
	while ((r = mdb_evict_page_step(page, 1000)) == MDB_MORE) {
		size_t now = mdbt_live_nodes();
		CHECK(live - now <= 1001);
		live = now;
		if (++steps % 25 == 0)
			MC();
	}
	CHECK_EQ(r, MDB_OK);
	MC();
	CHECK(steps >= 99);
	CHECK(!mdb_lookup(S(1), 0x1000));
	CHECK(!mdb_nodes_is_page(page));
	CHECK_EQ(mdbt_live_nodes(), 0); /* the page held both roots */
}

HOST_TEST(
    mdb_preempt_flush_new_child_t, "mdb.preempt_flush_new_child",
    "a flush that reduces the top's own rights while paused: a child made from the top meanwhile ends within them")
{
	mdbt_setup(12, 21, 30, 16, 16);
	CHECK_EQ(mdb_root_create(0x100000, 0, 7), MDB_OK);
	CHECK_EQ(mdb_map(S(0), 0x100000, 12, 7, 0, S(1), 0x1000, 12, false), MDB_OK);
	for (vaddr_t i = 0; i < 64; i++)
		CHECK_EQ(mdb_map(S(1), 0x1000, 12, 7, 0, S(2), 0x10000 + (i << 12), 12, false), MDB_OK);
	struct mdb_unmap_op op;
	mdb_unmap_begin(&op, S(1), 0x1000, 12, 2, true); /* flush w, the top's own too */
	CHECK_EQ(mdb_unmap_step(&op, 8), MDB_MORE);
	/* meanwhile s1 maps its page on with all the rights it still has */
	CHECK_EQ(mdb_map(S(1), 0x1000, 12, 7, 0, S(3), 0x20000, 12, false), MDB_OK);
	while (mdb_unmap_step(&op, 8) == MDB_MORE)
		;
	MC(); /* N4: no child keeps w under a top that lost it */
	struct mdb_node_info in;
	CHECK(mdb_node_info(mdb_lookup(S(3), 0x20000), &in));
	CHECK_EQ(in.rights & 2, 0);
	CHECK(mdb_node_info(mdb_lookup(S(1), 0x1000), &in));
	CHECK_EQ(in.rights & 2, 0);
}
