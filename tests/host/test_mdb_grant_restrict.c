/* SPDX-License-Identifier: MIT */
/* A grant with fewer rights over a 10^5-node subtree: restricted in bounded steps (MDB_RESTRICT), then moved. */
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include <arch/mdb_test.h>

#define S(i) mdbt_sp(i)
#define MC() CHECK(mdbt_check() == 0)
#define N 50000 /* children of s1's page in s2, each with one child in s3 */
#define SRC 0x1000 /* s1's page, granted to s4 */
#define KIDS 0x10000000 /* where s2 and s3 hold the derived pages */

/* root 0x100000 -> s1 SRC -> n x s2 -> n x s3 (2n + 2 nodes, all rwx). */
static int build(unsigned n)
{
	mdbt_setup(12, 21, 30, 2 * n / MDB_NODES_PER_PAGE + 16, 2 * n / MDB_NODES_PER_PAGE + 16);
	if (mdb_root_create(0x100000, 0, 7) || mdb_map(S(0), 0x100000, 12, 7, 0, S(1), SRC, 12, false))
		return -1;
	for (vaddr_t i = 0; i < n; i++) {
		vaddr_t v = KIDS + (i << 12);
		if (mdb_map(S(1), SRC, 12, 7, 0, S(2), v, 12, false) || mdb_map(S(2), v, 12, 7, 0, S(3), v, 12, false))
			return -1;
	}
	return mdbt_live_nodes() == 2 * n + 2 ? 0 : -1;
}

struct run {
	unsigned n, budget, check_every; /* mdbt_check after every check_every-th step */
	long steps;
	unsigned restricts;
	uint64_t move_epochs; /* mdb_epoch changes of the map steps themselves */
	int failed;
};

/* What the kernel does (space.c map_block): mdb_map_step; a named source is
 * restricted in budgeted steps with `work` between any two, then the map step
 * is called again with the link epoch read right after the last step. */
static int step_grant(struct run *r, unsigned rights, void (*work)(struct run *, long))
{
	struct mdb_map_cursor cur = {0};
	for (;;) {
		uint64_t e0 = mdb_epoch;
		int k = mdb_map_step(S(1), SRC, 12, rights, SRC, S(4), 0x5000, 12, true, &cur);
		r->move_epochs += mdb_epoch - e0;
		if (k == MDB_OK)
			return 0;
		if (k != MDB_RESTRICT || ++r->restricts > 10)
			return -1;
		struct mdb_unmap_op op;
		mdb_restrict_begin(&op, S(1), cur.base, cur.shift, cur.mask);
		while (mdb_unmap_step(&op, r->budget) == MDB_MORE) {
			++r->steps;
			if (r->steps % r->check_every == 0)
				r->failed |= mdbt_check();
			if (work)
				work(r, r->steps);
		}
		mdb_map_restricted(&cur, mdb_link_epoch);
	}
}

/* Derived mappings made and upgraded from the source meanwhile, and removals. */
static void meddle(struct run *r, long step)
{
	if (step > 3000)
		return; /* a new child of the top makes the op visit the subtree again: the meddling must end */
	if (step % 7 == 0) /* a new child of the top with all rights: goes to its head */
		r->failed |= mdb_map(S(1), SRC, 12, 7, 0, S(5), (vaddr_t)step << 12, 12, false);
	if (step % 11 == 0) /* an upgrade of a child of the top (maybe visited already) */
		r->failed |= mdb_map(S(1), SRC, 12, 7, 0, S(2), KIDS + ((vaddr_t)(step * 131 % r->n) << 12), 12, false);
	if (step % 13 == 0) /* a new grandchild below a (maybe restricted) child */
		r->failed |= mdb_map(S(2), KIDS + ((vaddr_t)(step * 17 % r->n) << 12), 12, 7, 0, S(6),
				     (vaddr_t)step << 12, 12, false);
	if (step % 5 == 0) /* removes a node the op may be standing on */
		mdb_unmap(S(2), KIDS + ((vaddr_t)(step * 397 % r->n) << 12), 12, 7, true);
}

/* Every mapping derived from s4's granted node holds rights within `mask`. */
static int subtree_within(unsigned mask, size_t *count)
{
	struct mdb_node *g = mdb_lookup(S(4), 0x5000);
	struct mdb_node_info i;
	*count = 0;
	if (!mdb_node_info(g, &i) || i.rights != mask || mdb_lookup(S(1), SRC))
		return -1;
	for (unsigned s = 2; s <= 6; s++)
		for (vaddr_t v = 0; s != 4 && v < KIDS + ((vaddr_t)N << 12); v += 0x1000) {
			if (v == 0x1000000)
				v = KIDS; /* nothing between the small and the KIDS range */
			struct mdb_node *n = mdb_lookup(S(s), v);
			if (!mdb_node_info(n, &i))
				continue;
			++*count;
			if (i.rights & ~mask)
				return -1;
		}
	return 0;
}

HOST_TEST(mdb_grant_restrict_t, "mdb.preempt_grant_restrict",
	  "a grant with fewer rights of a page with 10^5 derived mappings: restricted in 128-unit steps while the "
	  "source gets new and upgraded children and grandchildren and loses some (mdb_check every 25 steps), then "
	  "moved without restricting in the map step")
{
	CHECK(build(N) == 0);
	MC();
	CHECK(mdb_pt_host_touch(S(2)->space, KIDS + 0x3000, 6)); /* access bits a grant keeps */
	struct run r = {N, 128, 25, 0, 0, 0, 0};
	CHECK(step_grant(&r, 5, meddle) == 0);
	CHECK(!r.failed);
	MC();
	CHECK(r.restricts >= 1);
	CHECK(r.steps >= 2 * N / 128); /* really in steps */
	CHECK(r.move_epochs < 16); /* the map step moved the node, it restricted nothing */
	size_t count;
	CHECK(subtree_within(5, &count) == 0);
	CHECK(count > 2 * N - N / 3);
	struct mdb_unmap_op q; /* the access bits survived the restriction */
	mdb_unmap_begin(&q, S(4), 0x5000, 12, 0, false);
	while (mdb_unmap_step(&q, 1024) == MDB_MORE)
		;
	CHECK(q.access & 4);
	CHECK(mdb_active_ops_empty());
}

HOST_TEST(mdb_grant_restrict_small_t, "mdb.preempt_grant_restrict_check",
	  "the same with 2000 derived mappings, budgets 1..4, mdb_check after every single step; rights "
	  "x, r, rx, w: each a subset, each the same tree as the grant in one go")
{
	static const unsigned masks[] = {1, 4, 5, 2};
	for (unsigned k = 0; k < 4; k++) {
		static char want[1 << 20];
		CHECK(build(1000) == 0);
		CHECK(!mdb_map(S(1), SRC, 12, masks[k], SRC, S(4), 0x5000, 12, true));
		MC();
		snprintf(want, sizeof want, "%s", mdbt_dump());
		CHECK(build(1000) == 0);
		struct run r = {1000, 1 + k, 1, 0, 0, 0, 0};
		CHECK(step_grant(&r, masks[k], NULL) == 0);
		CHECK(!r.failed);
		MC();
		CHECK_EQ(r.restricts, 1);
		CHECK(!strcmp(mdbt_dump(), want));
		size_t count;
		CHECK(subtree_within(masks[k], &count) == 0);
		CHECK_EQ(count, 2000);
	}
}

HOST_TEST(mdb_grant_restrict_full_t, "mdb.grant_full_rights_no_restrict",
	  "a grant with all the source's rights, or of a leaf, never asks for a restriction")
{
	CHECK(build(100) == 0);
	struct run r = {100, 16, 1, 0, 0, 0, 0};
	CHECK(step_grant(&r, 7, NULL) == 0);
	CHECK_EQ(r.restricts, 0);
	MC();
	struct mdb_map_cursor cur = {0}; /* a leaf: s3's page with fewer rights */
	CHECK_EQ(mdb_map_step(S(3), KIDS, 12, 4, KIDS, S(5), 0x9000, 12, true, &cur), MDB_OK);
	MC();
}
