/* SPDX-License-Identifier: MIT */
/* Host tests of the Unmap system call (kernel/core/unmap.c) and of map items through space.c. */
#include <string.h>
#include "harness.h"
#include <arch/mdb_test.h>
#include <arch/ipc.h>
#include <kern/unmap.h>
#include <kern/space.h>
#include <kern/thread.h>
#include <kern/syscall.h>

extern unsigned long host_preempt_points;
extern void (*host_preempt_hook)(void);

#define RWX 7u
#define S0 mdbt_sp(0)

/* A world for sys_unmap: sigma0 (fixture space 0) owns a 2 MiB root at 2 MiB;
 * `me` (a real struct space, the caller) has it at 1 GiB; fixture space 1 has
 * 4 KiB children of me at 0x1000 + i * 4K for i < nkids. */
static struct space me;
static struct tcb me_tcb;
static l4_word_t me_utcb[64];
static struct tcb *saved_current;

static void world(unsigned nkids)
{
	mdbt_setup(12, 21, 30, 64, 64);
	memset(&me, 0, sizeof me);
	mdb_space_register(&me.mdb, &me);
	memset(&me_tcb, 0, sizeof me_tcb);
	memset(me_utcb, 0, sizeof me_utcb);
	me_tcb.space = &me;
	me_tcb.utcb = 0x7000200;
	me_tcb.utcb_k = me_utcb;
	saved_current = current;
	current = &me_tcb;
	host_preempt_hook = NULL;
	mdb_root_create(0x200000, 1, RWX);
	mdb_map(S0, 0x200000, 21, RWX, 0x200000, &me.mdb, 0x40000000, 21, false);
	for (unsigned i = 0; i < nkids; i++)
		mdb_map(&me.mdb, 0x40000000 + i * 4096ull, 12, RWX, 0, mdbt_sp(1), 0x1000 + i * 4096ull, 12, false);
}

static void world_end(void)
{
	current = saved_current;
	host_preempt_hook = NULL;
	mdbt_teardown();
}

static unsigned rights_at(struct mdb_space *ms, vaddr_t v)
{
	struct mdb_node_info in;
	struct mdb_node *n = mdb_lookup(ms, v);
	return n && mdb_node_info(n, &in) ? in.rights : 0;
}

HOST_TEST(unmap_decode, "unmap.decode",
	  "control word: k + 1 fpages, flush bit 6; results keep the fpage, rwx := access")
{
	CHECK_EQ(unmap_fpage_count(0), 1);
	CHECK_EQ(unmap_fpage_count(7), 8);
	CHECK_EQ(unmap_fpage_count(63), 64);
	CHECK_EQ(unmap_fpage_count(0x7f), 64);
	CHECK_EQ(unmap_fpage_count(~0ull), 64); /* undefined bits are ignored */
	CHECK(!unmap_flush(0x3f));
	CHECK(unmap_flush(0x40));
	CHECK(!unmap_flush(0x80));
	l4_fpage_t f = l4_fpage_log2(0x40000000, 21) | RWX;
	CHECK_EQ(unmap_result(f, 0), f & ~7ull);
	CHECK_EQ(unmap_result(f, 5), (f & ~7ull) | 5);
	CHECK_EQ(unmap_result(l4_fpage_log2(0x1000, 12), 2), l4_fpage_log2(0x1000, 12) | 2);
}

HOST_TEST(unmap_sys, "unmap.sys",
	  "sys_unmap revokes the fpage's rights from derived mappings and answers in the same MRs")
{
	world(4);
	struct trapframe tf = {0};
	mdb_pt_host_touch((struct space *)&mdbt.fake_space[1], 0x2000, L4_READABLE | L4_EXECUTABLE);
	*arch_frame_mr(&tf, 0) = l4_fpage_log2(0x40001000, 12) | L4_WRITABLE; /* kid 1 loses w */
	tf.from_spec = 0; /* k = 0, no flush */
	sys_unmap(&tf);
	CHECK_EQ(*arch_frame_mr(&tf, 0), l4_fpage_log2(0x40001000, 12) | 5); /* it was read */
	CHECK_EQ(tf.utcb, me_tcb.utcb);
	CHECK_EQ(rights_at(mdbt_sp(1), 0x2000), L4_READABLE | L4_EXECUTABLE);
	CHECK_EQ(rights_at(mdbt_sp(1), 0x1000), RWX);
	CHECK_EQ(rights_at(&me.mdb, 0x40001000), RWX); /* no flush: ours stays whole */
	CHECK_EQ(mdbt_check(), 0);
	/* flush of the 4 KiB at 0x40000000: splits our 2 MiB mapping, kid 0 goes */
	*arch_frame_mr(&tf, 0) = l4_fpage_log2(0x40000000, 12) | RWX;
	tf.from_spec = UNMAP_FLUSH;
	sys_unmap(&tf);
	CHECK_EQ(rights_at(&me.mdb, 0x40000000), 0);
	CHECK_EQ(rights_at(&me.mdb, 0x40001000), RWX);
	CHECK_EQ(rights_at(&me.mdb, 0x401ff000), RWX);
	CHECK_EQ(rights_at(mdbt_sp(1), 0x1000), 0);
	CHECK_EQ(rights_at(mdbt_sp(1), 0x3000), RWX);
	CHECK_EQ(mdbt_check(), 0);
	world_end();
}

HOST_TEST(unmap_mrs, "unmap.mrs", "fpages beyond MR7 are read from and written back to the UTCB; only MR0..MRk change")
{
	world(10);
	struct trapframe tf = {0};
	for (unsigned i = 0; i < 10; i++) {
		l4_fpage_t f = l4_fpage_log2(0x40000000 + i * 4096ull, 12); /* status queries */
		if (i < 8)
			*arch_frame_mr(&tf, i) = f;
		else
			me_utcb[i] = f;
		mdb_pt_host_touch((struct space *)&mdbt.fake_space[1], 0x1000 + i * 4096ull, i == 9 ? RWX : 0);
	}
	me_utcb[10] = 0x1234567;
	tf.from_spec = 9;
	sys_unmap(&tf);
	CHECK_EQ(me_utcb[9], l4_fpage_log2(0x40009000, 12) | RWX);
	CHECK_EQ(me_utcb[8], l4_fpage_log2(0x40008000, 12));
	CHECK_EQ(*arch_frame_mr(&tf, 7), l4_fpage_log2(0x40007000, 12));
	CHECK_EQ(me_utcb[10], 0x1234567);
	/* reset by the query */
	tf.from_spec = 9;
	sys_unmap(&tf);
	CHECK_EQ(me_utcb[9], l4_fpage_log2(0x40009000, 12));
	/* no UTCB: MR8+ are skipped, MR0-MR7 done */
	me_tcb.utcb_k = NULL;
	*arch_frame_mr(&tf, 0) = l4_fpage_log2(0x40000000, 12) | RWX;
	tf.from_spec = 63;
	sys_unmap(&tf);
	CHECK_EQ(rights_at(mdbt_sp(1), 0x1000), 0);
	CHECK_EQ(mdbt_check(), 0);
	world_end();
}

HOST_TEST(unmap_bad, "unmap.bad",
	  "nil, tiny, beyond-user and kernel-half fpages change nothing and come back without rights")
{
	world(2);
	static const l4_fpage_t bad[] = {
	    0,
	    7,
	    (0x1000 | (10u << 4) | 7),
	    (0x0000800000000000ull | (12u << 4) | 7),
	    (0xffff800000000000ull | (30u << 4) | 7),
	    (0x40000000 | (63u << 4)),
	    (0x40000000 | (2u << 4) | 7),
	};
	struct trapframe tf = {0};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		*arch_frame_mr(&tf, i) = bad[i];
	tf.from_spec = (ARRAY_SIZE(bad) - 1) | UNMAP_FLUSH;
	sys_unmap(&tf);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ(*arch_frame_mr(&tf, i), bad[i] & ~7ull);
	CHECK_EQ(rights_at(&me.mdb, 0x40000000), RWX);
	CHECK_EQ(rights_at(mdbt_sp(1), 0x1000), RWX);
	CHECK_EQ(mdbt_check(), 0);
	/* a thread without a space: answered, nothing else */
	me_tcb.space = NULL;
	*arch_frame_mr(&tf, 0) = l4_fpage_log2(0x40000000, 21) | RWX;
	tf.from_spec = UNMAP_FLUSH;
	sys_unmap(&tf);
	CHECK_EQ(*arch_frame_mr(&tf, 0), l4_fpage_log2(0x40000000, 21));
	CHECK_EQ(rights_at(&me.mdb, 0x40000000), RWX);
	world_end();
}

/* What other threads do while the unmap is preempted: map more children from
 * the range being revoked, and take some away. */
static unsigned hook_calls;
static void interleave(void)
{
	hook_calls++;
	vaddr_t v = 0x40000000 + (hook_calls % 512) * 4096ull;
	mdb_map(&me.mdb, v, 12, RWX, 0, mdbt_sp(2), 0x100000 + (hook_calls % 512) * 4096ull, 12, false);
	mdb_unmap(&me.mdb, 0x40000000 + ((hook_calls * 7) % 512) * 4096ull, 12, RWX, false);
}

HOST_TEST(unmap_preempt, "unmap.preempt",
	  "a 512-child flush yields between bounded steps; interleaved map/unmap keep the db well-formed")
{
	world(512);
	struct trapframe tf = {0};
	unsigned long p0 = host_preempt_points;
	hook_calls = 0;
	host_preempt_hook = interleave;
	*arch_frame_mr(&tf, 0) = l4_fpage_log2(0x40000000, 21) | L4_WRITABLE;
	tf.from_spec = 0;
	sys_unmap(&tf);
	host_preempt_hook = NULL;
	CHECK(host_preempt_points - p0 >= 4); /* 512 nodes at 128 units per step */
	CHECK_EQ(mdbt_check(), 0);
	for (unsigned i = 0; i < 512; i++) {
		unsigned r = rights_at(mdbt_sp(1), 0x1000 + i * 4096ull);
		CHECK(r == 0 || r == (L4_READABLE | L4_EXECUTABLE));
	}
	/* whole flush: everything goes, in steps */
	p0 = host_preempt_points;
	*arch_frame_mr(&tf, 0) = l4_fpage_log2(0x40000000, 21) | RWX;
	tf.from_spec = UNMAP_FLUSH;
	sys_unmap(&tf);
	CHECK(host_preempt_points - p0 >= 4);
	CHECK_EQ(mdbt_check(), 0);
	CHECK_EQ(mdbt_live_nodes(), 1); /* sigma0's root */
	CHECK(mdb_active_ops_empty());
	world_end();
}

static void delete_me(void) { unmap_thread_deleted(current); }

HOST_TEST(unmap_deleted, "unmap.thread_deleted",
	  "a thread deleted while preempted in Unmap leaves no op behind; the db stays well-formed")
{
	world(512);
	struct trapframe tf = {0};
	unmap_thread_deleted(&me_tcb); /* nothing in progress: no-op */
	host_preempt_hook = delete_me;
	*arch_frame_mr(&tf, 0) = l4_fpage_log2(0x40000000, 21) | RWX;
	tf.from_spec = 0;
	sys_unmap(&tf); /* on the host the "deleted" thread goes on: its op ends at once */
	host_preempt_hook = NULL;
	CHECK(mdb_active_ops_empty());
	CHECK_EQ(mdbt_check(), 0);
	unsigned left = 0;
	for (unsigned i = 0; i < 512; i++)
		left += rights_at(mdbt_sp(1), 0x1000 + i * 4096ull) != 0;
	CHECK(left > 0 && left < 512); /* stopped after the first step */
	/* the slot is free again: a full unmap works */
	*arch_frame_mr(&tf, 0) = l4_fpage_log2(0x40000000, 21) | RWX;
	sys_unmap(&tf);
	CHECK_EQ(mdbt_live_nodes(), 2);
	CHECK(mdb_active_ops_empty());
	world_end();
}

HOST_TEST(space_map_areas, "space.map_item.areas",
	  "a map item from sigma0 creates its roots and skips the receiver's KIP and UTCB areas")
{
	mdbt_setup(12, 21, 30, 64, 64);
	static struct space s0, s1;
	memset(&s0, 0, sizeof s0);
	memset(&s1, 0, sizeof s1);
	s0.sigma0 = true;
	mdb_space_register(&s0.mdb, &s0);
	mdb_space_register(&s1.mdb, &s1);
	s1.kip_area = l4_fpage_log2(0x10000, 12);
	s1.utcb_area = l4_fpage_log2(0x20000, 14);
	/* 1 MiB of sigma0's (never touched) at 0x40000000 into s1's window at 0 */
	space_map_item(&s0, l4_fpage_log2(0x40000000, 20) | RWX, 0x40000000, &s1, l4_fpage_log2(0, 20), false, NULL);
	CHECK(mdb_sigma0() == &s0.mdb);
	CHECK_EQ(rights_at(&s0.mdb, 0x40000000), RWX); /* the implicit root */
	unsigned mapped = 0;
	for (vaddr_t v = 0; v < (1u << 20); v += 4096) {
		bool area = (v >= 0x10000 && v < 0x11000) || (v >= 0x20000 && v < 0x24000);
		CHECK_EQ(rights_at(&s1.mdb, v), area ? 0 : RWX);
		mapped += !area;
	}
	CHECK_EQ(mapped, 256 - 5);
	CHECK_EQ(mdbt_check(), 0);
	/* nothing may be sent from or into the areas: a 4 KiB item at the KIP is refused */
	space_map_item(&s0, l4_fpage_log2(0x40000000, 12) | RWX, 0x40000000, &s1, l4_fpage_log2(0x10000, 12), false,
		       false);
	CHECK_EQ(rights_at(&s1.mdb, 0x10000), 0);
	/* no rights, nothing */
	space_map_item(&s0, l4_fpage_log2(0x40100000, 12), 0, &s1, l4_fpage_log2(0x200000, 12), false, NULL);
	CHECK_EQ(rights_at(&s1.mdb, 0x200000), 0);
	CHECK_EQ(mdbt_check(), 0);
	mdbt_teardown();
}
