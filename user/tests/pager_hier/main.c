/* SPDX-License-Identifier: MIT */
/* The pager-hierarchy suite: A' maps a page to A, A maps it to B, A' revokes it, B faults: every way back (X.2 interface only). */
#include <test.h>
#include <string.h>
#include <task.h>
#include <bench.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <l4/kdebug.h>
#include <mnemo/exitcode.h>
#include <mnemo/kmem.h>
#include <kmem_pager.h>
#include "world.h"

/*
 * R (this program's main thread) is the root task: it creates five threads in four
 * new spaces and drives them by commands, like user/tests/mdb_chain:
 *
 *   space A'  thread A'  external pager of A (pager library), its pages from R
 *   space A   thread A   maps A''s page on to B, answers remap requests (or refuses)
 *   space B'  thread B'  external pager of B's space (pager library), pages from R
 *   space B   thread B   accepts the page and reads it; its pager is LB, its exception handler R
 *             thread LB  B's local pager (pager library), whose own pager is B'
 *
 * R is also the trusted physical-memory server (it answers PGR_LABEL_FRAME from the
 * records of what it gave A' and B') and pages the image to A' and B'. While R waits
 * for a command's answer it serves all of that (collect()).
 *
 * Each test: A' takes a page from R, fills it with a pattern and records it for A at
 * XA; A touches it (A''s fault loop maps it from its records); B accepts it from A at
 * YB (A and B both record); B writes a marker into it; revoke() takes it away; B reads
 * it again. The test checks the path the fault took, by the pagers' counters, and the
 * page's contents, pattern and marker: only the same frame holds both.
 */

#define UTCB_AREA 0xBF000000ull
#define KIP_AREA 0xBFF00000ull
#define R_TIMEOUT_US 10000000
#define STACK_WORDS 2048
#define MARKER 0x6d61726b65720000ul

L4_ThreadId_t r_tid, tids[NROLES];
const char *const role_name[NROLES] = {"A'", "A", "B'", "B", "LB"};
static void (*const role_entry[NROLES])(void) = {ap_main, a_main, bp_main, b_main, lb_main};

struct role_state {
	bool busy, have, dead;
	L4_Word_t res[8];
	unsigned wild;
};
static struct role_state rs[NROLES];
static L4_Word_t stacks[NROLES][STACK_WORDS] __attribute__((aligned(PAGE)));
extern char _start[], _end[];

/* What R saw as B's exception handler. */
static struct {
	unsigned notes, exceptions;
	L4_Word_t note[PGR_LOST_WORDS + 1];
	L4_Word_t vector, rip;
} exc;

/* R's records of the pages it gave out (its own handout table), and its pool. */
static char r_table_mem[2 * PAGE] __attribute__((aligned(PAGE)));
static struct pgr_table *r_given;
static unsigned r_pool_next;

static int role_of(L4_ThreadId_t t)
{
	for (int k = 0; k < NROLES; k++)
		if (L4_IsThreadEqual(tids[k], t))
			return k;
	return -1;
}

/* The kernel's exception message (label -5 << 4): the label's 44 bits above the low 4 are -5. */
static bool is_exception(L4_MsgTag_t tag) { return L4_Label(tag) >> 4 == ((L4_Word_t)-5 << 20) >> 20; }

/* ---- R's services -------------------------------------------------------------------- */

static void serve_image(int k, L4_ThreadId_t from)
{
	L4_Word_t fault, ip;
	L4_StoreMR(1, &fault), L4_StoreMR(2, &ip);
	L4_Word_t addr = fault & ~(PAGE - 1);
	struct pgr_rec r;
	if (pgr_lookup(r_given, sizeof r_table_mem, from, addr, &r)) { /* a page we gave: evicted, given again */
		L4_Word_t own = pgr_src_of(&r, addr);
		(void)*(volatile char *)own;
		pgr_reply_map(0, own, r.rights, addr);
		L4_Reply(from);
		return;
	}
	if (addr < ((L4_Word_t)_start & ~(PAGE - 1)) || addr >= (L4_Word_t)_end) {
		rs[k].wild++;
		printf("  %s: fault at %#llx (ip %#llx) outside the image: not answered\n", role_name[k],
		       (unsigned long long)fault, (unsigned long long)ip);
		return;
	}
	(void)*(volatile char *)addr;
	pgr_reply_map(0, addr, L4_FullyAccessible, addr);
	L4_Reply(from);
}

/* The kmem pager (pager.evicted) runs our image on its own pool; it faults only
 * before it is associated. */
static L4_ThreadId_t kp_tid;
static struct kmem_pager kp = {.pool = KP_POOL, .pages = KP_POOL_PAGES};
static L4_Word_t kp_stack[STACK_WORDS] __attribute__((aligned(PAGE)));

static void serve_kp(L4_ThreadId_t from)
{
	L4_Word_t addr;
	L4_StoreMR(1, &addr);
	addr &= ~(PAGE - 1);
	bool image = addr >= ((L4_Word_t)_start & ~(PAGE - 1)) && addr < (L4_Word_t)_end;
	if (!image && (addr < KP_POOL || addr >= KP_POOL + KP_POOL_PAGES * PAGE))
		return;
	(void)*(volatile char *)addr;
	pgr_reply_map(0, addr, L4_FullyAccessible, addr);
	L4_Reply(from);
}

/* GIVE: a fresh page of our pool to a pager, recorded (with its fallback permission). */
static void serve_give(L4_ThreadId_t from)
{
	L4_Word_t at, flags;
	L4_StoreMR(1, &at), L4_StoreMR(2, &flags);
	L4_Word_t page = R_POOL + (L4_Word_t)r_pool_next++ * PAGE;
	(void)*(volatile char *)page; /* from sigma0, by our fault */
	struct pgr_rec r = {.flags = PGR_F_HANDOUT | ((unsigned)flags & PGR_F_FALLBACK),
			    .log2 = 12,
			    .rights = L4_FullyAccessible,
			    .dst = from,
			    .dst_addr = at & ~(PAGE - 1),
			    .src = r_tid,
			    .src_addr = page};
	if (page >= KP_POOL || !pgr_insert(r_given, &r)) {
		pgr_reply_refuse(PGR_REFUSED);
	} else {
		memset((void *)page, 0, PAGE);
		L4_Msg_t msg;
		L4_MsgClear(&msg);
		L4_Set_MsgLabel(&msg, PGR_LABEL_MAP);
		L4_MsgAppendWord(&msg, page);
		L4_MsgAppendMapItem(&msg,
				    L4_MapItem(L4_FpageAddRights(L4_FpageLog2(page, 12), L4_FullyAccessible), at));
		L4_MsgLoad(&msg);
	}
	L4_Reply(from);
}

/* B's exception IPC after a lost mapping: resume B in b_recover on a fresh stack. */
static void serve_exception(L4_ThreadId_t from)
{
	exc.exceptions++;
	L4_StoreMR(19, &exc.vector);
	L4_StoreMR(1, &exc.rip);
	printf("    R (B's exception handler): exception IPC from B, vector %llu at ip %#llx: resume B in b_recover\n",
	       (unsigned long long)exc.vector, (unsigned long long)exc.rip);
	/* the reply sets B's registers: the words it sent, with the IP (MR1) and SP (MR17) changed */
	L4_Set_MsgTag(pgr_tag(0, 19, 0));
	L4_LoadMR(1, (L4_Word_t)b_recover);
	L4_LoadMR(17, b_stack_top());
	L4_Reply(from);
}

static void note_lost(void)
{
	exc.notes++;
	L4_StoreMRs(0, PGR_LOST_WORDS + 1, exc.note);
	printf("    R (B's exception handler): lost-mapping note: thread %#llx, address %#llx, source %#llx's %#llx, "
	       "reason %llu\n",
	       (unsigned long long)exc.note[1], (unsigned long long)exc.note[2], (unsigned long long)exc.note[5],
	       (unsigned long long)exc.note[6], (unsigned long long)exc.note[8]);
}

/* Waits for role k's answer, serving everybody meanwhile. True if it answered `want`. */
static bool collect_label(int k, unsigned want)
{
	struct role_state *s = &rs[k];
	if (!s->busy)
		return false;
	while (!s->have) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait(L4_TimePeriod(R_TIMEOUT_US), &from);
		if (L4_IpcFailed(tag)) {
			printf("  %s did not answer (error %#llx)\n", role_name[k], (unsigned long long)L4_ErrorCode());
			s->dead = true;
			s->busy = false;
			return false;
		}
		int j = role_of(from);
		if (pgr_is_pagefault(tag) && L4_IsThreadEqual(from, kp_tid)) {
			serve_kp(from);
		} else if (pgr_is_pagefault(tag) && j >= 0) {
			serve_image(j, from);
		} else if (is_exception(tag) && j == B) {
			serve_exception(from);
		} else if (L4_Label(tag) == LABEL_GIVE) {
			serve_give(from);
		} else if (L4_Label(tag) == PGR_LABEL_FRAME) {
			L4_Word_t backer, backer_addr;
			L4_StoreMR(1, &backer), L4_StoreMR(2, &backer_addr);
			printf("    R (trusted memory server): frame request from %s for %#llx's page %#llx\n",
			       j >= 0 ? role_name[j] : "?", (unsigned long long)backer,
			       (unsigned long long)backer_addr);
			pgr_serve_frame(r_given, sizeof r_table_mem);
			L4_Reply(from);
		} else if (L4_Label(tag) == PGR_LABEL_LOST) {
			note_lost();
		} else if (j >= 0) {
			rs[j].have = true;
			L4_StoreMRs(0, 8, rs[j].res);
		} else {
			printf("  a message from %#llx: ignored\n", (unsigned long long)from.raw);
		}
	}
	s->have = false;
	s->busy = false;
	return L4_Label((L4_MsgTag_t){.raw = s->res[0]}) == want;
}
static bool collect(int k) { return collect_label(k, RES_OK); }

static bool post(int k, unsigned label, L4_Word_t a1, L4_Word_t a2, L4_Word_t a3)
{
	struct role_state *s = &rs[k];
	if (s->dead || s->busy)
		return false;
	L4_Set_MsgTag(pgr_tag(label, 3, 0));
	L4_LoadMR(1, a1), L4_LoadMR(2, a2), L4_LoadMR(3, a3);
	if (L4_IpcFailed(L4_Send(tids[k], L4_TimePeriod(R_TIMEOUT_US)))) {
		printf("  %s does not take commands (error %#llx)\n", role_name[k], (unsigned long long)L4_ErrorCode());
		s->dead = true;
		return false;
	}
	s->busy = true;
	return true;
}

static bool cmd(int k, unsigned label, L4_Word_t a1, L4_Word_t a2, L4_Word_t a3)
{
	return post(k, label, a1, a2, a3) && collect(k);
}
static L4_Word_t res(int k, unsigned i) { return rs[k].res[i]; }

static L4_Word_t stat(int k, enum pgr_path path) { return cmd(k, CMD_STATS, path, 0, 0) ? res(k, 1) : ~0ul; }

/* ---- the world --------------------------------------------------------------------- */

static bool create(int k)
{
	L4_ThreadId_t t = tids[k], me = r_tid;
	bool own_space = k != LB;
	if (own_space) {
		if (L4_ThreadControl(t, t, me, L4_nilthread, (void *)-1) != 1 ||
		    L4_SpaceControl(t, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread,
				    NULL) != 1 ||
		    L4_ThreadControl(t, t, me, me, (void *)UTCB_AREA) != 1)
			return false;
	} else if (L4_ThreadControl(t, tids[B], me, me, (void *)(UTCB_AREA + 1024)) != 1) {
		return false;
	}
	memset(stacks[k], 0, sizeof stacks[k]); /* present here before we page them on */
	L4_Set_MsgTag(pgr_tag(0, 2, 0)); /* the start message: IP, SP */
	L4_LoadMR(1, (L4_Word_t)role_entry[k]);
	L4_LoadMR(2, (L4_Word_t)&stacks[k][STACK_WORDS - 2]);
	if (L4_IpcFailed(L4_Send(t, L4_TimePeriod(R_TIMEOUT_US))))
		return false;
	rs[k].busy = true;
	return collect_label(k, LABEL_HELLO);
}

static bool set_pager(int k, int pager)
{
	return L4_ThreadControl(tids[k], tids[k], L4_nilthread, tids[pager], (void *)-1) == 1;
}

static bool world_up(void)
{
	static bool tried, ok;
	if (tried)
		return ok;
	tried = true;
	r_tid = L4_Myself();
	r_given = pgr_table_init(r_table_mem, sizeof r_table_mem, r_tid);
	for (int k = 0; k < NROLES; k++)
		tids[k] = L4_GlobalId(L4_ThreadNo(r_tid) + 1 + k, 1);
	memset(stacks, 0, sizeof stacks);
	for (L4_Word_t a = b_stack_top() & ~(PAGE - 1); a > b_stack_top() - STACK_WORDS * 8; a -= PAGE)
		(void)*(volatile char *)a;
	for (int k = 0; k < NROLES; k++)
		if (!create(k)) {
			printf("  cannot create %s (error %llu)\n", role_name[k], (unsigned long long)L4_ErrorCode());
			return false;
		}
	printf("  R created A' (%#llx), A (%#llx), B' (%#llx), B (%#llx) and LB (%#llx, in B's space)\n",
	       (unsigned long long)tids[AP].raw, (unsigned long long)tids[A].raw, (unsigned long long)tids[BP].raw,
	       (unsigned long long)tids[B].raw, (unsigned long long)tids[LB].raw);
	if (!set_pager(A, AP) || !set_pager(B, LB) || !set_pager(LB, BP)) {
		printf("  cannot set the pagers (error %llu)\n", (unsigned long long)L4_ErrorCode());
		return false;
	}
	printf("  pagers: A -> A', B -> LB -> B' (LB propagates to B'), A' and B' -> R; B's exception handler: R\n");
	/* the record areas: the pagers first (they own the pages), then the tasks format theirs */
	ok = cmd(AP, CMD_SETUP, 0, 0, 0) && cmd(BP, CMD_SETUP, 0, 0, 0) && cmd(A, CMD_SETUP, 0, 0, 0) &&
	     cmd(B, CMD_SETUP, 0, 0, 0);
	if (!ok)
		printf("  record areas: setup failed\n");
	return ok;
}

/* ---- the scenario ---------------------------------------------------------------------- */

struct scene {
	unsigned slot;
	L4_Word_t xa, yb, pa, r_page; /* A's, B's, A''s and R's address of the page */
};
static unsigned next_slot;

static bool set_policy(int k, unsigned policy) { return cmd(k, CMD_POLICY, policy, 0, 0); }

/* A' maps a page to A, A maps it to B, B writes the marker. */
static bool scene_setup(struct scene *s, unsigned flags)
{
	if (!world_up() || !cmd(A, CMD_WILLING, 1, 0, 0))
		return false;
	s->slot = ++next_slot;
	s->xa = XA + s->slot * PAGE, s->yb = YB + s->slot * PAGE;
	if (!cmd(AP, CMD_GIVE, s->xa, flags, s->slot))
		return false;
	s->pa = res(AP, 1), s->r_page = res(AP, 2);
	printf("  step 1: A' takes page %#llx from R (R's %#llx%s), fills it and records it for A at %#llx\n",
	       (unsigned long long)s->pa, (unsigned long long)s->r_page,
	       flags & PGR_F_FALLBACK ? ", R may hand it out again" : ", private", (unsigned long long)s->xa);
	if (!cmd(A, CMD_READ, s->xa, 0, 0) || res(A, 1) != PAT(s->slot, 0))
		return false;
	printf("  step 2: A touches %#llx: A' maps its page %#llx to A (from its records)\n", (unsigned long long)s->xa,
	       (unsigned long long)s->pa);
	if (!post(B, CMD_ACCEPT, tids[A].raw, s->yb, 0) || !cmd(A, CMD_MAP, s->xa, tids[B].raw, s->yb) || !collect(B))
		return false;
	if (!L4_IsThreadEqual(tid_of(res(B, 1)), tids[A]) || res(B, 2) != s->xa ||
	    !L4_IsThreadEqual(tid_of(res(B, 3)), tids[AP]) || res(B, 4) != s->pa) {
		printf("  B recorded source %#llx's %#llx, backer %#llx's %#llx\n", (unsigned long long)res(B, 1),
		       (unsigned long long)res(B, 2), (unsigned long long)res(B, 3), (unsigned long long)res(B, 4));
		return false;
	}
	printf("  step 3: A maps %#llx to B at %#llx; A records the handout, B records \"I access A's %#llx, "
	       "backed by A''s %#llx\"\n",
	       (unsigned long long)s->xa, (unsigned long long)s->yb, (unsigned long long)s->xa,
	       (unsigned long long)s->pa);
	if (!cmd(B, CMD_READ, s->yb, 0, 0) || res(B, 1) != PAT(s->slot, 0) ||
	    !cmd(B, CMD_WRITE, s->yb + 8, MARKER | s->slot, 0))
		return false;
	printf("  step 4: B reads the pattern at %#llx and writes the marker %#llx\n", (unsigned long long)s->yb,
	       (unsigned long long)(MARKER | s->slot));
	return ((volatile L4_Word_t *)s->r_page)[1] == (MARKER | s->slot); /* one frame everywhere */
}

/*
 * The revocation. This is the one step to swap for the kernel-eviction variant
 * (issue 6's fifth test, which needs the user-level kernel-memory pager): evicting
 * the mdb node page that holds A's and B's nodes drops the same mappings without
 * A' doing anything, and everything after this step stays the same.
 */
static bool revoke(const struct scene *s)
{
	if (!cmd(AP, CMD_REVOKE, s->xa, 0, 0))
		return false;
	printf("  step 5: A' revokes its page %#llx (Unmap): A's and B's mappings are gone, the records stay\n",
	       (unsigned long long)s->pa);
	return true;
}

/* B reads the marker back after its fault; the page must be the original frame. */
#define CHECK_CONTENTS(s) \
	do { \
		printf("  step 6: B reads %#llx and faults\n", (unsigned long long)(s).yb + 8); \
		TEST_CHECK(cmd(B, CMD_READ, (s).yb + 8, 0, 0)); \
		TEST_CHECK_EQ(res(B, 1), MARKER | (s).slot); \
		TEST_CHECK(cmd(B, CMD_READ, (s).yb + 8 * 100, 0, 0)); \
		TEST_CHECK_EQ(res(B, 1), PAT((s).slot, 100)); \
		TEST_CHECK(cmd(B, CMD_WRITE, (s).yb + 16, 0x5eed, 0)); \
		TEST_CHECK_EQ(((volatile L4_Word_t *)(s).r_page)[2], 0x5eed); \
		printf("  step 7: B's page at %#llx is the original frame again: marker, pattern, and B's new write " \
		       "reaches R's %#llx\n", \
		       (unsigned long long)(s).yb, (unsigned long long)(s).r_page); \
	} while (0)

/* ---- the tests ----------------------------------------------------------------------------- */

static char rec_mem[PAGE] __attribute__((aligned(PAGE)));

USER_TEST(
    records, "pager.records",
    "record tables: insert, replace, lookup inside 4 KiB and 2 MiB records, remove, full table, corrupt tables miss")
{
	struct pgr_table *t = pgr_table_init(rec_mem, sizeof rec_mem, L4_Myself());
	struct pgr_rec r = {.log2 = 12, .rights = 7, .dst = L4_GlobalId(1, 1), .src = L4_GlobalId(2, 1)}, got;
	TEST_CHECK(t != NULL);
	TEST_CHECK_EQ(t->capacity, 62);
	TEST_CHECK(!pgr_lookup(t, PAGE, r.dst, 0x1000, &got));
	unsigned n = 0;
	for (; n < 100; n++) { /* fill it: 4 KiB records of one space at 0x1000 * (n + 1) */
		r.dst_addr = (n + 1) * PAGE, r.src_addr = 0x7000000ul + n * PAGE;
		if (!pgr_insert(t, &r))
			break;
	}
	TEST_CHECK_EQ(n, t->capacity);
	TEST_CHECK_EQ(t->count, n);
	for (unsigned i = 0; i < n; i++) {
		TEST_CHECK(pgr_lookup(t, PAGE, r.dst, (i + 1) * PAGE + 0x123, &got));
		TEST_CHECK_EQ(got.src_addr, 0x7000000ul + i * PAGE);
		TEST_CHECK(!pgr_lookup(t, PAGE, L4_GlobalId(1, 2), (i + 1) * PAGE, &got)); /* another space */
	}
	TEST_CHECK(pgr_remove(t, r.dst, 5 * PAGE + 8));
	TEST_CHECK(!pgr_lookup(t, PAGE, r.dst, 5 * PAGE, &got));
	TEST_CHECK(!pgr_remove(t, r.dst, 5 * PAGE));
	/* a freed slot takes a 2 MiB record; a lookup anywhere inside finds it */
	struct pgr_rec big = r;
	big.log2 = 21, big.dst_addr = 0x40000000ul, big.src_addr = 0x60000000ul;
	TEST_CHECK(pgr_insert(t, &big));
	TEST_CHECK(pgr_lookup(t, PAGE, r.dst, 0x40000000ul + 300 * PAGE + 5, &got));
	TEST_CHECK_EQ(got.log2, 21);
	TEST_CHECK_EQ(pgr_src_of(&got, 0x40000000ul + 300 * PAGE), 0x60000000ul + 300 * PAGE);
	TEST_CHECK(!pgr_insert(t, &r)); /* full again: a new key has no slot */
	r.dst_addr = 7 * PAGE, r.src_addr = 0x1234000ul; /* an existing key is replaced in place */
	TEST_CHECK(pgr_insert(t, &r));
	TEST_CHECK(pgr_lookup(t, PAGE, r.dst, 7 * PAGE, &got));
	TEST_CHECK_EQ(got.src_addr, 0x1234000ul);
	TEST_CHECK(!pgr_insert(t, &(struct pgr_rec){.log2 = 12, .dst_addr = 0x1800})); /* misaligned */
	/* a reader never trusts the table: a chain that loops, an index out of range, a bad header */
	uint16_t *heads = (uint16_t *)(rec_mem + sizeof *t);
	for (unsigned b = 0; b < t->nbuckets; b++)
		heads[b] = 1;
	struct pgr_rec *slots = (struct pgr_rec *)(rec_mem + t->rec_offset);
	slots[0].next = 1; /* record 0 points at itself */
	slots[1].next = 60000;
	TEST_CHECK(!pgr_lookup(t, PAGE, tid_of(0x999), 0x1000, &got));
	uint32_t off = t->rec_offset;
	t->rec_offset = PAGE; /* records beyond the table's memory */
	TEST_CHECK(!pgr_lookup(t, PAGE, r.dst, 7 * PAGE, &got));
	t->rec_offset = off;
	t->magic = 0;
	TEST_CHECK(!pgr_lookup(t, PAGE, r.dst, 7 * PAGE, &got));
	t = pgr_table_init(rec_mem, sizeof rec_mem, L4_Myself());
	TEST_CHECK(pgr_insert(t, &big));
	t->seq |= 1; /* a writer that never finishes: the reader gives up, it does not spin */
	TEST_CHECK(!pgr_lookup(t, PAGE, r.dst, 0x40000000ul, &got));
	t->seq++;
	TEST_CHECK(pgr_lookup(t, PAGE, r.dst, 0x40000000ul, &got)); /* the same lookup, the writer done */
}

USER_TEST(rebuild_lb, "pager.rebuild_lb",
	  "B faults after A' revoked: LB rebuilds the mapping from its record by asking A")
{
	struct scene s;
	TEST_CHECK(world_up());
	TEST_CHECK(set_policy(LB, PGR_USE_SOURCE | PGR_PROPAGATE));
	TEST_CHECK(scene_setup(&s, 0));
	L4_Word_t lb0 = stat(LB, PGR_PATH_SOURCE), ap0 = stat(AP, PGR_PATH_OWN);
	TEST_CHECK(cmd(A, CMD_REMAPS, 0, 0, 0));
	L4_Word_t remaps0 = res(A, 1);
	TEST_CHECK(revoke(&s));
	CHECK_CONTENTS(s);
	TEST_CHECK_EQ(stat(LB, PGR_PATH_SOURCE), lb0 + 1);
	TEST_CHECK(cmd(A, CMD_REMAPS, 0, 0, 0));
	TEST_CHECK_EQ(res(A, 1), remaps0 + 1);
	TEST_CHECK_EQ(stat(AP, PGR_PATH_OWN), ap0 + 1); /* A lost it too: A' gave it back from its records */
}

USER_TEST(propagate_b, "pager.propagate_b",
	  "LB knows nothing of the mapping: it propagates B's fault to B', which rebuilds it from A and answers B")
{
	struct scene s;
	TEST_CHECK(world_up());
	TEST_CHECK(set_policy(LB, PGR_PROPAGATE));
	TEST_CHECK(set_policy(BP, PGR_USE_SOURCE));
	TEST_CHECK(scene_setup(&s, 0));
	L4_Word_t lb0 = stat(LB, PGR_PATH_PROPAGATED), bp0 = stat(BP, PGR_PATH_SOURCE);
	TEST_CHECK(revoke(&s));
	CHECK_CONTENTS(s);
	TEST_CHECK_EQ(stat(LB, PGR_PATH_PROPAGATED), lb0 + 1);
	TEST_CHECK_EQ(stat(BP, PGR_PATH_SOURCE), bp0 + 1);
}

USER_TEST(backer_a, "pager.backer_a",
	  "B' gets the page from A' directly, by A's handout record, without A (A refuses every request)")
{
	struct scene s;
	TEST_CHECK(world_up());
	TEST_CHECK(set_policy(LB, PGR_PROPAGATE));
	TEST_CHECK(set_policy(BP, PGR_USE_BACKER));
	TEST_CHECK(scene_setup(&s, 0));
	TEST_CHECK(cmd(A, CMD_WILLING, 0, 0, 0));
	TEST_CHECK(cmd(A, CMD_REMAPS, 0, 0, 0));
	L4_Word_t asked0 = res(A, 1) + res(A, 2), bp0 = stat(BP, PGR_PATH_BACKER);
	TEST_CHECK(revoke(&s));
	CHECK_CONTENTS(s);
	TEST_CHECK_EQ(stat(BP, PGR_PATH_BACKER), bp0 + 1);
	TEST_CHECK(cmd(A, CMD_REMAPS, 0, 0, 0));
	TEST_CHECK_EQ(res(A, 1) + res(A, 2), asked0); /* A was never asked */
	TEST_CHECK(cmd(A, CMD_WILLING, 1, 0, 0));
}

USER_TEST(refuse_exception, "pager.refuse_exception",
	  "A refuses and the records allow no fallback: B's exception handler is told which mapping is lost, "
	  "B resumes where it says; later A is willing and B gets the same page back")
{
	struct scene s;
	TEST_CHECK(world_up());
	TEST_CHECK(set_policy(LB, PGR_USE_SOURCE | PGR_USE_TRUSTED | PGR_PROPAGATE));
	TEST_CHECK(scene_setup(&s, 0));
	TEST_CHECK(cmd(A, CMD_WILLING, 0, 0, 0));
	unsigned notes0 = exc.notes, exc0 = exc.exceptions;
	L4_Word_t lost0 = stat(LB, PGR_PATH_LOST);
	TEST_CHECK(revoke(&s));
	printf("  step 6: B reads %#llx and faults; A refuses\n", (unsigned long long)s.yb + 8);
	TEST_CHECK(post(B, CMD_READ, s.yb + 8, 0, 0));
	TEST_CHECK(collect_label(B, RES_RECOVERED)); /* not RES_OK: B never read the page */
	TEST_CHECK_EQ(exc.notes, notes0 + 1);
	TEST_CHECK_EQ(exc.exceptions, exc0 + 1);
	TEST_CHECK_EQ(L4_Label((L4_MsgTag_t){.raw = exc.note[0]}), PGR_LABEL_LOST);
	TEST_CHECK_EQ(exc.note[1], tids[B].raw);
	TEST_CHECK_EQ(exc.note[2], s.yb + 8);
	TEST_CHECK_EQ(exc.note[4], L4_Readable);
	TEST_CHECK_EQ(exc.note[5], tids[A].raw);
	TEST_CHECK_EQ(exc.note[6], s.xa);
	TEST_CHECK_EQ(exc.note[7], 12 | (L4_FullyAccessible << 8));
	TEST_CHECK_EQ(exc.note[8], PGR_REFUSED);
	TEST_CHECK_EQ(exc.vector, 14); /* the kernel raised the unresolved fault as #PF */
	TEST_CHECK_EQ(exc.rip, exc.note[3]); /* at the faulting instruction */
	TEST_CHECK_EQ(stat(LB, PGR_PATH_LOST), lost0 + 1);
	printf("  step 7: B resumed in b_recover; A becomes willing, B faults again\n");
	TEST_CHECK(cmd(A, CMD_WILLING, 1, 0, 0));
	CHECK_CONTENTS(s);
}

USER_TEST(refuse_fallback, "pager.refuse_fallback",
	  "A refuses but the records allow a fallback: LB gets the same frame from the trusted memory server R")
{
	struct scene s;
	TEST_CHECK(world_up());
	TEST_CHECK(set_policy(LB, PGR_USE_SOURCE | PGR_USE_TRUSTED | PGR_PROPAGATE));
	TEST_CHECK(scene_setup(&s, PGR_F_FALLBACK));
	TEST_CHECK(cmd(A, CMD_WILLING, 0, 0, 0));
	L4_Word_t lb0 = stat(LB, PGR_PATH_TRUSTED);
	TEST_CHECK(revoke(&s));
	CHECK_CONTENTS(s);
	TEST_CHECK_EQ(stat(LB, PGR_PATH_TRUSTED), lb0 + 1);
	TEST_CHECK(cmd(A, CMD_WILLING, 1, 0, 0));
}

USER_TEST(forgotten, "pager.forgotten",
	  "A revokes and forgets its handout: the record is gone, A cannot rebuild it, B's handler is told; no hang")
{
	struct scene s;
	TEST_CHECK(world_up());
	TEST_CHECK(set_policy(LB, PGR_USE_SOURCE | PGR_PROPAGATE));
	TEST_CHECK(scene_setup(&s, 0));
	TEST_CHECK(cmd(A, CMD_FORGET, tids[B].raw, s.yb, 0));
	printf("  step 5: A revokes its handout to B and forgets it\n");
	unsigned notes0 = exc.notes;
	TEST_CHECK(post(B, CMD_READ, s.yb + 8 * 3, 0, 0));
	TEST_CHECK(collect_label(B, RES_RECOVERED));
	TEST_CHECK_EQ(exc.notes, notes0 + 1);
	TEST_CHECK_EQ(exc.note[2], s.yb + 8 * 3);
	TEST_CHECK_EQ(exc.note[5], tids[A].raw); /* B's own record still names the source */
	TEST_CHECK_EQ(exc.note[8], PGR_NO_RECORD); /* A has no record of it any more */
	TEST_CHECK_EQ(((volatile L4_Word_t *)s.r_page)[3], PAT(s.slot, 3)); /* the frame itself is untouched */
}

USER_TEST(no_rights, "pager.no_rights",
	  "A maps read-only to B: LB rebuilds it for B's read; B's write is lost at once (no rebuild-and-fault loop)")
{
	TEST_CHECK(world_up());
	TEST_CHECK(set_policy(LB, PGR_USE_SOURCE | PGR_PROPAGATE));
	TEST_CHECK(cmd(A, CMD_WILLING, 1, 0, 0));
	struct scene s = {.slot = ++next_slot};
	s.xa = XA + s.slot * PAGE, s.yb = YB + s.slot * PAGE;
	TEST_CHECK(cmd(AP, CMD_GIVE, s.xa, 0, s.slot));
	s.pa = res(AP, 1), s.r_page = res(AP, 2);
	TEST_CHECK(cmd(A, CMD_READ, s.xa, 0, 0));
	TEST_CHECK(post(B, CMD_ACCEPT, tids[A].raw, s.yb, 0));
	TEST_CHECK(cmd(A, CMD_MAP, s.xa, tids[B].raw, s.yb | L4_Readable));
	TEST_CHECK(collect(B));
	printf("  A maps %#llx read-only to B at %#llx; A' revokes it; B reads, then writes\n",
	       (unsigned long long)s.xa, (unsigned long long)s.yb);
	TEST_CHECK(revoke(&s));
	TEST_CHECK(cmd(B, CMD_READ, s.yb + 8 * 5, 0, 0));
	TEST_CHECK_EQ(res(B, 1), PAT(s.slot, 5));
	unsigned notes0 = exc.notes;
	TEST_CHECK(post(B, CMD_WRITE, s.yb + 8 * 5, 1, 0));
	TEST_CHECK(collect_label(B, RES_RECOVERED));
	TEST_CHECK_EQ(exc.notes, notes0 + 1);
	TEST_CHECK_EQ(exc.note[4], L4_Writable);
	TEST_CHECK_EQ(exc.note[7], 12 | (L4_Readable << 8));
	TEST_CHECK_EQ(exc.note[8], PGR_NO_RIGHTS);
	TEST_CHECK_EQ(((volatile L4_Word_t *)s.r_page)[5], PAT(s.slot, 5)); /* the write went nowhere */
}

/* The last test: A does not survive it. */
/* ---- the kernel evicts instead of A' revoking ------------------------------------------------- */

static void kp_main(void)
{
	kmem_pager_touch((L4_Word_t)_start, (L4_Word_t)_end); /* all it will touch, before it is associated */
	kmem_pager_prepare(&kp);
	L4_Set_MsgTag(pgr_tag(LABEL_HELLO, 0, 0));
	L4_Send(r_tid);
	kmem_pager_loop(&kp);
}

/* Starts the kmem pager in a space of its own and associates it: from now on
 * the nodes of new mappings live on pages it lends, and it can take them back. */
static bool kp_up(void)
{
	if (!L4_IsNilThread(kp_tid))
		return true;
	kp_tid = L4_GlobalId(L4_ThreadNo(r_tid) + 1 + NROLES, 1);
	/* the kmem thread is mnemo's (include/mnemo/kmem.h: its ID from the KIP, as a word) */
	L4_ThreadId_t kt = {.raw = mnemo_kmem_thread(L4_GetKernelInterface())};
	if (L4_ThreadControl(kp_tid, kp_tid, r_tid, L4_nilthread, (void *)-1) != 1 ||
	    L4_SpaceControl(kp_tid, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread, NULL) !=
		1 ||
	    L4_ThreadControl(kp_tid, kp_tid, r_tid, r_tid, (void *)UTCB_AREA) != 1)
		return false;
	memset(kp_stack, 0, sizeof kp_stack);
	L4_Set_MsgTag(pgr_tag(0, 2, 0));
	L4_LoadMR(1, (L4_Word_t)kp_main);
	L4_LoadMR(2, (L4_Word_t)&kp_stack[STACK_WORDS - 2]);
	if (L4_IpcFailed(L4_Send(kp_tid, L4_TimePeriod(R_TIMEOUT_US))))
		return false;
	for (;;) { /* its faults until its hello */
		L4_MsgTag_t tag = L4_Receive(kp_tid, L4_TimePeriod(R_TIMEOUT_US));
		if (L4_IpcFailed(tag))
			return false;
		if (!pgr_is_pagefault(tag))
			break;
		serve_kp(kp_tid);
	}
	kp.boss = r_tid;
	if (L4_ThreadControl(kt, kt, L4_nilthread, kp_tid, (void *)-1) != 1)
		return false;
	printf("  R starts a kmem pager and associates it: new mappings' nodes live on pages it lends\n");
	return true;
}

/* Module argument "picture" (make picture): the kernel debugger is entered
 * before the eviction and after the rebuild, so that the scenario can dump the
 * frame's tree. What the kernel cannot know is printed here: which of the
 * mappings are the ones evicted, and then rebuilt (A's at xa and B's at yb). */
static bool picture_mode;
static void picture_stop(const struct scene *s, bool after)
{
	if (!picture_mode)
		return;
	printf("picture: %s: A %llx at %#llx, B %llx at %#llx (frame %#llx): %s\n", after ? "after" : "before",
	       (unsigned long long)L4_ThreadNo(tids[A]), (unsigned long long)s->xa,
	       (unsigned long long)L4_ThreadNo(tids[B]), (unsigned long long)s->yb, (unsigned long long)s->r_page,
	       after ? "rebuilt" : "evicted");
	if (after)
		L4_KDB_Enter("pager_hier: picture after the rebuild");
	else
		L4_KDB_Enter("pager_hier: picture before the eviction");
}

/* The kernel's eviction in place of revoke(): the kmem pager takes back every
 * page it lent, and the kernel evicts every mapping whose node lived there:
 * A's and B's among them (made after the pager came). A' does nothing. */
static bool evict(void)
{
	L4_Word_t res4[4];
	const volatile struct mnemo_kmem_stats *st = mnemo_kmem_stats(L4_GetKernelInterface()); /* mnemo's counters */
	L4_Word_t ev0 = st->evicted_nodes;
	if (!kmem_pager_command(kp_tid, KMEM_PAGER_REVOKE_ALL, 0, 0, 0, res4))
		return false;
	printf("  step 5: the kmem pager takes its %llu lent pages back: the kernel evicts %llu mappings, A's and "
	       "B's among them; A' did nothing, the records stay\n",
	       (unsigned long long)res4[0], (unsigned long long)(st->evicted_nodes - ev0));
	return res4[0] > 0 && st->evicted_nodes > ev0;
}

USER_TEST(evicted, "pager.evicted",
	  "the kernel evicts A's and B's mappings instead of A' revoking: B's fault is rebuilt the same way, through "
	  "LB from A")
{
	struct scene s;
	TEST_CHECK(world_up() && kp_up());
	TEST_CHECK(set_policy(LB, PGR_USE_SOURCE | PGR_PROPAGATE));
	TEST_CHECK(scene_setup(&s, 0));
	L4_Word_t lb0 = stat(LB, PGR_PATH_SOURCE);
	TEST_CHECK(cmd(A, CMD_REMAPS, 0, 0, 0));
	L4_Word_t remaps0 = res(A, 1);
	picture_stop(&s, false);
	TEST_CHECK(evict());
	CHECK_CONTENTS(s);
	picture_stop(&s, true);
	TEST_CHECK_EQ(stat(LB, PGR_PATH_SOURCE), lb0 + 1);
	TEST_CHECK(cmd(A, CMD_REMAPS, 0, 0, 0));
	TEST_CHECK_EQ(res(A, 1), remaps0 + 1);
}

USER_TEST(dead_source, "pager.dead_source",
	  "A stops answering: LB gives up after its timeout and B's handler is told; A is deleted: LB gets a page "
	  "whose records allow it from the trusted server")
{
	struct scene s1, s2;
	TEST_CHECK(world_up());
	TEST_CHECK(set_policy(LB, PGR_USE_SOURCE | PGR_USE_TRUSTED | PGR_PROPAGATE));
	TEST_CHECK(scene_setup(&s1, 0));
	TEST_CHECK(scene_setup(&s2, PGR_F_FALLBACK));
	TEST_CHECK(revoke(&s1));
	TEST_CHECK(revoke(&s2));
	TEST_CHECK(cmd(A, CMD_WILLING, 2, 0, 0));
	printf("  step 6: A never answers; B reads %#llx and faults\n", (unsigned long long)s1.yb + 8);
	unsigned notes0 = exc.notes;
	TEST_CHECK(post(B, CMD_READ, s1.yb + 8, 0, 0));
	TEST_CHECK(collect_label(B, RES_RECOVERED));
	TEST_CHECK_EQ(exc.notes, notes0 + 1);
	TEST_CHECK_EQ(exc.note[2], s1.yb + 8);
	TEST_CHECK_EQ(exc.note[8], PGR_DEAD);
	TEST_CHECK_EQ(L4_ThreadControl(tids[A], L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1), 1);
	rs[A].dead = true;
	printf("  then R deletes A (its space goes with it); B faults on the second page\n");
	L4_Word_t lb0 = stat(LB, PGR_PATH_TRUSTED);
	CHECK_CONTENTS(s2);
	TEST_CHECK_EQ(stat(LB, PGR_PATH_TRUSTED), lb0 + 1);
}

/* ---- the bench (module argument "bench") ------------------------------------------------------ */
/*
 * Under QEMU -icount shift=0,sleep=off the TSC counts guest instructions, so each
 * figure is the instructions of one faulting access (the thread's own rdtsc pair
 * around it), kernel and all pagers included, from fault to restart. Format and
 * method as user/tests/bench_ipc: value = median of `reps`, spread = max - min.
 */
#define REPS 11

/* One figure: `reps` + 1 rounds of (revoke by `rk` command, timed access by role `who` at
 * addr, which must read `want`); round 0 warms up and is dropped. */
static bool bench_path(const char *name, int rk, unsigned rcmd, L4_Word_t ra, int who, L4_Word_t addr, L4_Word_t want)
{
	L4_Word_t samples[REPS];
	for (unsigned r = 0; r <= REPS; r++) {
		if (!cmd(rk, rcmd, ra, 0, 0) || !cmd(who, CMD_TIME, addr, 0, 0) || res(who, 1) != want) {
			printf("BENCH-ERROR %s: round %u read %#llx, want %#llx\n", name, r,
			       (unsigned long long)res(who, 1), (unsigned long long)want);
			return false;
		}
		if (r)
			samples[r - 1] = res(who, 2);
	}
	bench_report(name, samples, REPS, 1);
	return true;
}

static int pager_bench(void)
{
	printf("bench_pager: fault paths of the pager hierarchy; figures are guest instructions under -icount\n");
	struct scene s;
	bool ok = world_up() && set_policy(LB, PGR_USE_SOURCE | PGR_PROPAGATE) && scene_setup(&s, 0);
	const L4_Word_t mark = MARKER | s.slot;
	pgr_quiet = true; /* one image page, shared by all spaces: the pagers see it too */
	/* the direct pager: A faults, A' maps from its own records */
	ok = ok && bench_path("pager.fault.direct", AP, CMD_REVOKE, s.xa, A, s.xa, PAT(s.slot, 0));
	/* LB rebuilds from A (A keeps its page: only B's mapping is revoked, by A's Unmap) */
	ok = ok && bench_path("pager.fault.lb_rebuild", A, CMD_UNMAP, s.xa, B, s.yb + 8, mark);
	/* LB propagates to B', which maps its own page from its records */
	ok = ok && set_policy(LB, PGR_PROPAGATE) && cmd(BP, CMD_GIVE, BB, 0, 0x77) &&
	     bench_path("pager.fault.propagate", BP, CMD_REVOKE, BB, B, BB, PAT(0x77, 0));
	/* LB propagates to B', which gets A''s page from A' by A's handout record */
	ok = ok && set_policy(BP, PGR_USE_BACKER) &&
	     bench_path("pager.fault.backer", AP, CMD_REVOKE, s.xa, B, s.yb + 8, mark);
	if (!ok) {
		printf("BENCH-ERROR the pager bench could not run\n");
		bench_exit(MNEMO_EXIT_FAIL);
	}
	printf("BENCH-DONE\n");
	bench_exit(MNEMO_EXIT_PASS);
}

int main(void)
{
	const char *c = task_module_cmdline("pager_hier");
	for (; *c; c++) {
		if (!strncmp(c, " bench", 6))
			return pager_bench();
		if (!strncmp(c, " picture", 8))
			picture_mode = true;
	}
	printf("pager hierarchy suite: A' maps to A, A maps to B, A' revokes, B faults\n");
	test_run_all("pager");
}
