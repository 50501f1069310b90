/* SPDX-License-Identifier: MIT */
/* Mappings made or upgraded from nodes under a paused unmap or restriction (the A-then-B hole). */
#include <stdio.h>
#include "harness.h"
#include <arch/mdb_test.h>

#define S(i) mdbt_sp(i)
#define MC() CHECK(mdbt_check() == 0)

/* root -> s1 0x1000 (top) -> s2 0x2000 (x) -> 16 x s3: x has children, so a
 * tiny-budget op pauses inside x's subtree, x entered but not yet reduced. */
static void build(void)
{
	mdbt_setup(12, 21, 30, 16, 16);
	CHECK_EQ(mdb_root_create(0x100000, 0, 7), MDB_OK);
	CHECK_EQ(mdb_map(S(0), 0x100000, 12, 7, 0, S(1), 0x1000, 12, false), MDB_OK);
	CHECK_EQ(mdb_map(S(1), 0x1000, 12, 7, 0, S(2), 0x2000, 12, false), MDB_OK);
	for (vaddr_t i = 0; i < 16; i++)
		CHECK_EQ(mdb_map(S(2), 0x2000, 12, 7, 0, S(3), 0x10000 + (i << 12), 12, false), MDB_OK);
}

static unsigned rights_at(unsigned s, vaddr_t v)
{
	struct mdb_node_info in;
	return mdb_node_info(mdb_lookup(S(s), v), &in) ? in.rights : 0;
}

/* Runs op until it has entered x's subtree (a few units) and pauses. */
static void pause_inside(struct mdb_unmap_op *op)
{
	CHECK_EQ(mdb_unmap_step(op, 4), MDB_MORE);
	MC();
}

static void finish(struct mdb_unmap_op *op)
{
	while (mdb_unmap_step(op, 3) == MDB_MORE)
		MC();
	MC(); /* N4: no child keeps rights its parent lost */
}

HOST_TEST(mdb_paused_a_then_b_t, "mdb.paused_a_then_b",
	  "unmap of w paused inside x's subtree; A (rwx) then B (r) made from x: A ends without w")
{
	build();
	struct mdb_unmap_op op;
	mdb_unmap_begin(&op, S(1), 0x1000, 12, 2, false);
	pause_inside(&op);
	CHECK_EQ(mdb_map(S(2), 0x2000, 12, 7, 0, S(4), 0x4000, 12, false), MDB_OK); /* A */
	MC();
	CHECK_EQ(mdb_map(S(2), 0x2000, 12, 4, 0, S(5), 0x5000, 12, false), MDB_OK); /* B, now the head */
	MC();
	finish(&op);
	CHECK_EQ(rights_at(2, 0x2000), 5);
	CHECK_EQ(rights_at(4, 0x4000) & 2, 0);
	CHECK_EQ(rights_at(5, 0x5000), 4);
	CHECK_EQ(rights_at(3, 0x10000) & 2, 0);
}

HOST_TEST(mdb_paused_upgrade_t, "mdb.paused_upgrade",
	  "unmap of w paused inside x's subtree; a visited child of x upgraded to rwx, then a new r child: "
	  "both end without w")
{
	build();
	struct mdb_unmap_op op;
	mdb_unmap_begin(&op, S(1), 0x1000, 12, 2, false);
	for (int i = 0; i < 8; i++) /* well into x's child list */
		CHECK_EQ(mdb_unmap_step(&op, 2), MDB_MORE);
	MC();
	CHECK_EQ(rights_at(3, 0x1f000) & 2, 0); /* the last child made is the head: visited first */
	CHECK_EQ(mdb_map(S(2), 0x2000, 12, 7, 0, S(3), 0x1f000, 12, false), MDB_OK); /* upgrade */
	MC();
	CHECK_EQ(mdb_map(S(2), 0x2000, 12, 4, 0, S(5), 0x5000, 12, false), MDB_OK);
	MC();
	finish(&op);
	CHECK_EQ(rights_at(3, 0x1f000), 5);
	CHECK_EQ(rights_at(2, 0x2000), 5);
}

HOST_TEST(mdb_paused_flush_top_t, "mdb.paused_flush_top",
	  "flush of w paused: A (rwx) then B (r) made from the top itself; A ends without w")
{
	build();
	struct mdb_unmap_op op;
	mdb_unmap_begin(&op, S(1), 0x1000, 12, 2, true);
	pause_inside(&op);
	CHECK_EQ(mdb_map(S(1), 0x1000, 12, 7, 0, S(4), 0x4000, 12, false), MDB_OK);
	CHECK_EQ(mdb_map(S(1), 0x1000, 12, 4, 0, S(5), 0x5000, 12, false), MDB_OK);
	finish(&op);
	CHECK_EQ(rights_at(1, 0x1000), 5);
	CHECK_EQ(rights_at(4, 0x4000) & 2, 0);
}

HOST_TEST(mdb_paused_restrict_t, "mdb.paused_restrict",
	  "a grant's restriction to r paused; A (rwx) then B (r) made from the source: A ends within r")
{
	build();
	struct mdb_unmap_op op;
	mdb_restrict_begin(&op, S(1), 0x1000, 12, 4);
	pause_inside(&op);
	CHECK_EQ(mdb_map(S(1), 0x1000, 12, 7, 0, S(4), 0x4000, 12, false), MDB_OK);
	CHECK_EQ(mdb_map(S(1), 0x1000, 12, 4, 0, S(5), 0x5000, 12, false), MDB_OK);
	finish(&op);
	CHECK_EQ(rights_at(1, 0x1000), 7); /* the source keeps its rights until the grant moves it */
	CHECK_EQ(rights_at(4, 0x4000), 4);
	CHECK_EQ(rights_at(2, 0x2000), 4);
}

HOST_TEST(mdb_paused_abort_t, "mdb.paused_abort",
	  "an op aborted inside x's subtree leaves no cap: later maps from x get all of x's rights")
{
	build();
	struct mdb_unmap_op op;
	mdb_unmap_begin(&op, S(1), 0x1000, 12, 2, false);
	pause_inside(&op);
	mdb_unmap_abort(&op);
	MC();
	CHECK_EQ(mdb_map(S(2), 0x2000, 12, 7, 0, S(4), 0x4000, 12, false), MDB_OK);
	CHECK_EQ(rights_at(4, 0x4000), 7);
	/* and after a finished op: x lost w and gets it back by an upgrade; its next child gets it */
	mdb_unmap_begin(&op, S(1), 0x1000, 12, 2, false);
	finish(&op);
	CHECK_EQ(rights_at(2, 0x2000), 5);
	CHECK_EQ(mdb_map(S(1), 0x1000, 12, 7, 0, S(2), 0x2000, 12, false), MDB_OK);
	CHECK_EQ(rights_at(2, 0x2000), 7);
	CHECK_EQ(mdb_map(S(2), 0x2000, 12, 7, 0, S(5), 0x5000, 12, false), MDB_OK);
	CHECK_EQ(rights_at(5, 0x5000), 7);
	MC();
}
