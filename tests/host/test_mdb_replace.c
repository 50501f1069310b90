/* SPDX-License-Identifier: MIT */
/* Map over a 10^5-node destination subtree in bounded steps (pre-flush), and the cases it must leave alone. */
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include <arch/mdb_test.h>

#define S(i) mdbt_sp(i)
#define MC() CHECK(mdbt_check() == 0)
#define N 50000 /* children of s1's page in s2, each with one child in s3 */

/* root 0x100000 -> s1 0x1000 -> n x s2 -> n x s3 (2n + 2 nodes), and a second
 * root 0x200000 that gets mapped over s1's 0x1000. */
static int build(unsigned n)
{
	mdbt_setup(12, 21, 30, 2 * n / MDB_NODES_PER_PAGE + 16, 2 * n / MDB_NODES_PER_PAGE + 16);
	if (mdb_root_create(0x100000, 0, 7) || mdb_root_create(0x200000, 0, 7) ||
	    mdb_map(S(0), 0x100000, 12, 7, 0, S(1), 0x1000, 12, false))
		return -1;
	for (vaddr_t i = 0; i < n; i++) {
		vaddr_t v = 0x10000000 + (i << 12);
		if (mdb_map(S(1), 0x1000, 12, 7, 0, S(2), v, 12, false) ||
		    mdb_map(S(2), v, 12, 7, 0, S(3), v, 12, false))
			return -1;
	}
	return mdbt_live_nodes() == 2 * n + 3 ? 0 : -1;
}

/* What the kernel does (space.c): mdb_map_step; each mapping it names is flushed
 * in budgeted unmap steps, `work` called between any two steps; then it goes on.
 * Returns the number of steps, or -1; *most is the largest number of nodes one
 * step (or one mdb_map_step) removed, *flushes the number of named mappings. */
static long step_map(struct mdb_space *from, vaddr_t sb, unsigned ss, unsigned rights, struct mdb_space *to, vaddr_t rb,
		     unsigned rs, bool grant, unsigned budget, void (*work)(long), size_t *most, unsigned *flushes)
{
	struct mdb_map_cursor cur = {0};
	long steps = 0;
	*most = 0;
	*flushes = 0;
	for (;;) {
		size_t before = mdbt_live_nodes();
		int r = mdb_map_step(from, sb, ss, rights, sb, to, rb, rs, grant, &cur);
		size_t after = mdbt_live_nodes();
		size_t gone = before + 1 > after ? before + 1 - after : 0; /* removed, less the one it may make */
		*most = gone > *most ? gone : *most;
		if (r == MDB_OK)
			return steps;
		if (r != MDB_FLUSH || ++*flushes > 10)
			return -1;
		struct mdb_unmap_op op;
		mdb_unmap_begin(&op, to, cur.base, cur.shift, 7, true);
		for (;;) {
			before = mdbt_live_nodes();
			int u = mdb_unmap_step(&op, budget);
			gone = before - mdbt_live_nodes();
			*most = gone > *most ? gone : *most;
			if (u != MDB_MORE)
				break;
			if (work)
				work(++steps);
		}
	}
}

static int interleave_failed;
static void interleaved(long step)
{
	if (step % 3 == 0) /* unrelated work */
		interleave_failed |= mdb_map(S(0), 0x200000, 12, 5, 0, S(4), (vaddr_t)step << 12, 12, false);
	if (step % 5 == 0) /* removes a node the flush may be standing on */
		mdb_unmap(S(2), 0x10000000 + ((vaddr_t)(step * 397 % N) << 12), 12, 7, true);
	if (step % 25 == 0)
		interleave_failed |= mdbt_check();
}

HOST_TEST(mdb_replace_big_t, "mdb.preempt_replace",
	  "map over a 10^5-node destination subtree: mdb_map_step names it, it is flushed in budgeted steps (other "
	  "maps/unmaps in between, mdb_check every 25 steps), the map then replaces a leaf")
{
	CHECK(build(N) == 0);
	MC();
	size_t most;
	unsigned flushes;
	interleave_failed = 0;
	long steps = step_map(S(0), 0x200000, 12, 7, S(1), 0x1000, 12, false, 128, interleaved, &most, &flushes);
	CHECK(steps >= 0);
	CHECK(!interleave_failed);
	MC();
	CHECK_EQ(flushes, 1);
	CHECK(steps >= 2 * N / 128 / 2); /* really in steps */
	CHECK(most <= 129); /* no step (nor the map) removed more than its budget (+1: the top) */
	CHECK(mdbt_live_nodes() < 2 * N / 10); /* and the subtree is gone */
	struct mdb_node_info i;
	CHECK(mdb_node_info(mdb_lookup(S(1), 0x1000), &i));
	CHECK_EQ(i.paddr, 0x200000);
	CHECK(mdb_node_info(mdb_parent(mdb_lookup(S(1), 0x1000)), &i));
	CHECK_EQ(i.paddr, 0x200000); /* a child of the second root */
	CHECK(!mdb_lookup(S(2), 0x10000000));
	CHECK(!mdb_lookup(S(3), 0x10000000 + ((N - 1) << 12)));
	CHECK(mdb_active_ops_empty());
}

HOST_TEST(mdb_replace_same_t, "mdb.prep_same",
	  "mdb_map_step with flushes gives the same tree as mdb_map: replace of a subtree, of part of a superpage "
	  "with children, a grant")
{
	static char want[1 << 16];
	for (int kase = 0; kase < 3; kase++) {
		for (int prep = 0; prep < 2; prep++) {
			CHECK(build(300) == 0);
			/* a 2 MiB mapping in s5 with children in s6 on several pieces */
			CHECK(!mdb_root_create(0x400000, 1, 7));
			CHECK(!mdb_map(S(0), 0x400000, 21, 7, 0, S(5), 0x400000, 21, false));
			for (vaddr_t k = 0; k < 8; k++)
				CHECK(!mdb_map(S(5), 0x400000 + k * 0x3000, 12, 7, 0, S(6), 0x1000 * k, 12, false));
			struct mdb_space *from = S(0), *to = S(1);
			vaddr_t sb = 0x200000, rb = 0x1000;
			bool grant = false;
			if (kase == 1) /* 4 KiB over the middle of the 2 MiB mapping: split, then replace */
				to = S(5), rb = 0x403000;
			if (kase == 2) { /* a grant of s4's page over s1's subtree */
				CHECK(!mdb_map(S(0), 0x200000, 12, 7, 0, S(4), 0x9000, 12, false));
				from = S(4), sb = 0x9000, grant = true;
			}
			if (prep) {
				size_t most;
				unsigned fl;
				CHECK(step_map(from, sb, 12, 5, to, rb, 12, grant, 16, NULL, &most, &fl) >= 0);
				CHECK_EQ(fl, 1);
				MC();
				CHECK(!strcmp(mdbt_dump(), want));
			} else {
				CHECK(!mdb_map(from, sb, 12, 5, sb, to, rb, 12, grant));
				MC();
				snprintf(want, sizeof want, "%s", mdbt_dump());
			}
		}
	}
}

/* mdb_map_step names nothing and does what mdb_map does (checked by the caller). */
static int names_nothing(struct mdb_space *from, vaddr_t sb, unsigned ss, unsigned rights, struct mdb_space *to,
			 vaddr_t rb, unsigned rs, bool grant)
{
	struct mdb_map_cursor cur = {0};
	return mdb_map_step(from, sb, ss, rights, sb, to, rb, rs, grant, &cur) == MDB_OK ? 0 : -1;
}

HOST_TEST(mdb_prep_keeps_t, "mdb.prep_keeps",
	  "mdb_map_step never names a skip or upgrade destination (self, ancestor, child of the source) nor one "
	  "below an unmapped or rightless source part; their subtrees stay")
{
	CHECK(build(200) == 0);
	size_t live = mdbt_live_nodes();
	/* s1 0x1000 has 200 children: onto itself, onto its root's place, onto a child (upgrade) */
	CHECK(!names_nothing(S(1), 0x1000, 12, 7, S(1), 0x1000, 12, false));
	CHECK(!names_nothing(S(1), 0x1000, 12, 7, S(0), 0x100000, 12, false));
	CHECK(!names_nothing(S(1), 0x1000, 12, 7, S(2), 0x10000000, 12, false));
	/* a source hole over a destination subtree: left alone */
	CHECK(!names_nothing(S(1), 0x7000, 12, 7, S(1), 0x1000, 12, false));
	/* a page mapped back onto its ancestor further up (s3's onto s2's) */
	CHECK(!names_nothing(S(3), 0x10000000, 12, 7, S(2), 0x10000000, 12, false));
	/* a rightless item */
	CHECK(!names_nothing(S(0), 0x200000, 12, 0, S(1), 0x1000, 12, false));
	CHECK_EQ(mdbt_live_nodes(), live);
	MC();
	struct mdb_node_info i;
	CHECK(mdb_node_info(mdb_lookup(S(2), 0x10000000), &i));
	CHECK_EQ(i.rights, 7);
	CHECK(mdb_lookup(S(3), 0x10000000 + (199 << 12)));
}
