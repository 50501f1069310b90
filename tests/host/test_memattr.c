/* SPDX-License-Identifier: MIT */
/* Host tests of MemoryControl's arch-independent part: sigma0's attribute table, subtrees, splits, roots, errors. */
#include <string.h>
#include "harness.h"
#include <arch/mdb_test.h>
#include <kern/memattr.h>
#include <kern/space.h>
#include <kern/thread_control.h>

#define S(i) mdbt_sp(i)
#define MC() CHECK(mdbt_check() == 0)
#define RWX 7u
#define UC 3u /* attribute indices as the host hooks give them (x86's PAT entries) */
#define WC 4u
#define WT 1u

/* The attribute of the leaf of space i at v (~0u if nothing is mapped). */
static unsigned attr_at(unsigned i, vaddr_t v)
{
	struct arch_pt_leaf l;
	unsigned hole;
	return arch_pt_lookup(S(i)->space, v, &l, &hole) ? arch_pt_leaf_attr(&l) : ~0u;
}

static int set_attr(unsigned i, vaddr_t base, unsigned shift, unsigned attr, unsigned budget)
{
	struct mdb_attr_op op;
	mdb_attr_begin(&op, S(i), base, shift, attr);
	int r;
	while ((r = mdb_attr_step(&op, budget)) == MDB_MORE)
		;
	return r;
}

HOST_TEST(memattr_table, "memattr.table",
	  "sigma0's attribute ranges merge, split, go back to default and refuse to overflow unchanged")
{
	memattr_reset();
	unsigned a;
	CHECK(memattr_uniform(0x200000, 0x200000, &a) && a == MEMATTR_DEFAULT);
	CHECK_EQ(memattr_record(0x200000, 0x201000, UC), 0);
	CHECK_EQ(memattr_record(0x201000, 0x202000, UC), 0); /* touches, same: merged */
	CHECK_EQ(memattr_ranges(), 1);
	CHECK(!memattr_uniform(0x200000, 0x200000, &a)); /* a 2 MiB block with two attributes */
	CHECK(memattr_uniform(0x201000, 0x1000, &a) && a == UC);
	CHECK_EQ(memattr_record(0x200800 & ~0xfffull, 0x201000, WC), 0); /* the first page changes */
	CHECK(memattr_uniform(0x200000, 0x1000, &a) && a == WC);
	CHECK(memattr_uniform(0x201000, 0x1000, &a) && a == UC);
	CHECK_EQ(memattr_ranges(), 2);
	CHECK_EQ(memattr_record(0x100000, 0x300000, MEMATTR_DEFAULT), 0); /* default over both */
	CHECK_EQ(memattr_ranges(), 0);
	for (unsigned i = 0; i < MEMATTR_MAX_RANGES; i++)
		CHECK_EQ(memattr_record(0x1000000 + 0x2000 * (paddr_t)i, 0x1001000 + 0x2000 * (paddr_t)i, UC), 0);
	CHECK_EQ(memattr_record(0x4000000, 0x4001000, UC), -1); /* full */
	CHECK_EQ(memattr_ranges(), MEMATTR_MAX_RANGES);
	CHECK(memattr_uniform(0x4000000, 0x1000, &a) && a == MEMATTR_DEFAULT);
	CHECK_EQ(memattr_record(0x1000000, 0x1000000 + 0x2000 * MEMATTR_MAX_RANGES, UC), 0); /* fills the gaps */
	CHECK_EQ(memattr_ranges(), 1);
	memattr_reset();
}

HOST_TEST(memattr_derived, "memattr.derived",
	  "an attribute reaches the caller's mapping and all derived ones, not its source; new maps and grants "
	  "inherit it, a map that only upgrades keeps it; default restores write-back")
{
	mdbt_setup(12, 21, 30, 64, 16);
	memattr_reset();
	CHECK_EQ(mdb_root_create(0x400000, 0, RWX), MDB_OK);
	CHECK_EQ(mdb_map(S(0), 0x400000, 12, RWX, 0, S(1), 0x10000, 12, false), MDB_OK);
	CHECK_EQ(mdb_map(S(1), 0x10000, 12, RWX, 0, S(2), 0x20000, 12, false), MDB_OK);
	CHECK_EQ(mdb_map(S(2), 0x20000, 12, RWX, 0, S(3), 0x30000, 12, false), MDB_OK);
	CHECK_EQ(set_attr(1, 0x10000, 12, UC, 128), MDB_OK);
	MC();
	CHECK_EQ(attr_at(0, 0x400000), MEMATTR_DEFAULT); /* the source keeps its own */
	CHECK_EQ(attr_at(1, 0x10000), UC);
	CHECK_EQ(attr_at(2, 0x20000), UC);
	CHECK_EQ(attr_at(3, 0x30000), UC);
	CHECK_EQ(mdb_map(S(0), 0x400000, 12, RWX, 0, S(1), 0x10000, 12, false), MDB_OK); /* upgrade: keeps its own */
	CHECK_EQ(attr_at(1, 0x10000), UC);
	CHECK_EQ(mdb_map(S(1), 0x10000, 12, RWX, 0, S(4), 0x40000, 12, false), MDB_OK); /* later map */
	CHECK_EQ(attr_at(4, 0x40000), UC);
	CHECK_EQ(mdb_map(S(3), 0x30000, 12, RWX, 0, S(5), 0x50000, 12, true), MDB_OK); /* grant */
	CHECK_EQ(attr_at(5, 0x50000), UC);
	CHECK_EQ(set_attr(1, 0x10000, 12, MEMATTR_DEFAULT, 1), MDB_OK); /* budget 1: many steps */
	CHECK_EQ(attr_at(1, 0x10000), MEMATTR_DEFAULT);
	CHECK_EQ(attr_at(4, 0x40000), MEMATTR_DEFAULT);
	CHECK_EQ(attr_at(5, 0x50000), MEMATTR_DEFAULT);
	MC();
	mdbt_teardown();
}

HOST_TEST(memattr_split, "memattr.split",
	  "an fpage inside a superpage splits it and its same-size derived mappings: only the fpage's pages change")
{
	mdbt_setup(12, 21, 30, 64, 16);
	memattr_reset();
	CHECK_EQ(mdb_root_create(0x400000, 1, RWX), MDB_OK);
	CHECK_EQ(mdb_map(S(0), 0x400000, 21, RWX, 0, S(1), 0x800000, 21, false), MDB_OK);
	CHECK_EQ(mdb_map(S(1), 0x800000, 21, RWX, 0, S(2), 0xc00000, 21, false), MDB_OK);
	CHECK_EQ(set_attr(1, 0x803000, 12, WC, 128), MDB_OK);
	MC();
	CHECK_EQ(attr_at(1, 0x803000), WC);
	CHECK_EQ(attr_at(2, 0xc03000), WC);
	CHECK_EQ(attr_at(1, 0x802000), MEMATTR_DEFAULT);
	CHECK_EQ(attr_at(2, 0xc04000), MEMATTR_DEFAULT);
	CHECK_EQ(attr_at(0, 0x403000), MEMATTR_DEFAULT);
	/* a whole superpage keeps its size */
	CHECK_EQ(mdb_root_create(0x1000000, 1, RWX), MDB_OK);
	CHECK_EQ(set_attr(0, 0x1000000, 21, WT, 128), MDB_OK);
	struct arch_pt_leaf l;
	unsigned hole;
	CHECK(arch_pt_lookup(S(0)->space, 0x1000000, &l, &hole) && l.level == 1 && arch_pt_leaf_attr(&l) == WT);
	MC();
	mdbt_teardown();
}

/* What another thread does while the op is preempted: a new derived mapping. */
static unsigned restart_round;
static void map_meanwhile(void)
{
	if (restart_round++ == 2)
		mdb_map(S(1), 0x10000, 12, RWX, 0, S(6), 0x60000, 12, false);
}

HOST_TEST(memattr_restart, "memattr.restart",
	  "a change of the database between two steps restarts the current mapping: nothing derived is missed")
{
	mdbt_setup(12, 21, 30, 64, 16);
	memattr_reset();
	CHECK_EQ(mdb_root_create(0x400000, 0, RWX), MDB_OK);
	CHECK_EQ(mdb_map(S(0), 0x400000, 12, RWX, 0, S(1), 0x10000, 12, false), MDB_OK);
	for (unsigned i = 2; i < 6; i++)
		CHECK_EQ(mdb_map(S(1), 0x10000, 12, RWX, 0, S(i), 0x10000 * i, 12, false), MDB_OK);
	struct mdb_attr_op op;
	mdb_attr_begin(&op, S(1), 0x10000, 12, UC);
	restart_round = 0;
	int r;
	while ((r = mdb_attr_step(&op, 1)) == MDB_MORE)
		map_meanwhile();
	CHECK_EQ(r, MDB_OK);
	for (unsigned i = 2; i < 7; i++)
		CHECK_EQ(attr_at(i, 0x10000 * i), UC);
	MC();
	mdbt_teardown();
}

HOST_TEST(memattr_roots, "memattr.roots",
	  "a root created lazily after sigma0 set an attribute gets it; a mixed 2 MiB block gets no superpage root")
{
	mdbt_setup(12, 21, 30, 64, 16);
	memattr_reset();
	CHECK_EQ(memattr_record(0x403000, 0x404000, UC), 0);
	CHECK_EQ(mdb_root_create(0x400000, 1, RWX), MDB_EINVAL); /* mixed: 4 KiB roots instead */
	CHECK_EQ(mdb_root_create(0x403000, 0, RWX), MDB_OK);
	CHECK_EQ(mdb_root_create(0x404000, 0, RWX), MDB_OK);
	CHECK_EQ(attr_at(0, 0x403000), UC);
	CHECK_EQ(attr_at(0, 0x404000), MEMATTR_DEFAULT);
	CHECK_EQ(memattr_record(0x800000, 0xa00000, WC), 0);
	CHECK_EQ(mdb_root_create(0x800000, 1, RWX), MDB_OK);
	CHECK_EQ(attr_at(0, 0x800000), WC);
	/* evicted (removed with its subtree) and created again: still WC, and so are rebuilt children */
	mdb_unmap(S(0), 0x800000, 21, RWX, true);
	CHECK_EQ(attr_at(0, 0x800000), ~0u);
	CHECK_EQ(mdb_root_create(0x800000, 1, RWX), MDB_OK);
	CHECK_EQ(mdb_map(S(0), 0x800000, 21, RWX, 0, S(1), 0x800000, 21, false), MDB_OK);
	CHECK_EQ(attr_at(1, 0x900000), WC);
	MC();
	memattr_reset();
	mdbt_teardown();
}

static word_t array_mr(const void *ctx, unsigned i) { return ((const word_t *)ctx)[i]; }

HOST_TEST(
    memattr_errors, "memattr.errors",
    "MemoryControl: no privilege (1), control bits above k, a nil fpage and unknown attributes (5) change nothing")
{
	static struct space dummy; /* validation fails before the space is used */
	const word_t attrs[4] = {4, 5, 6, 0}, good[4] = {4, 4, 4, 4};
	word_t mrs[64] = {0}, err = 0;
	mrs[0] = l4_fpage_log2(0x10000, 12);
	CHECK_EQ(memory_control(&dummy, false, 0, array_mr, mrs, good, &err), 0);
	CHECK_EQ(err, TC_ERR_NO_PRIVILEGE);
	err = 0;
	CHECK_EQ(memory_control(&dummy, true, 0x40, array_mr, mrs, good, &err), 0);
	CHECK_EQ(err, TC_ERR_INVALID_PARAM);
	err = 0;
	mrs[1] = L4_NILPAGE;
	CHECK_EQ(memory_control(&dummy, true, 1, array_mr, mrs, good, &err), 0);
	CHECK_EQ(err, TC_ERR_INVALID_PARAM);
	err = 0;
	mrs[1] = l4_fpage_log2(0x20000, 12) | 2; /* attribute 2 is 6: not an x86 value */
	CHECK_EQ(memory_control(&dummy, true, 1, array_mr, mrs, attrs, &err), 0);
	CHECK_EQ(err, TC_ERR_INVALID_PARAM);
	const word_t big[4] = {9, 0, 0, ~0ull};
	err = 0;
	mrs[1] = l4_fpage_log2(0x20000, 12) | 3;
	CHECK_EQ(memory_control(&dummy, true, 1, array_mr, mrs, big, &err), 0);
	CHECK_EQ(err, TC_ERR_INVALID_PARAM);
}
