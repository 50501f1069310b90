/* SPDX-License-Identifier: MIT */
/* Root task of scenario.kdb-kmem: lent kernel memory under the debugger, and the trace read back by a root server (and refused to others); X.2 interface only. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/kip.h>
#include <l4/kdebug.h>
#include <mnemo/kmem.h>
#include <mnemo/trace.h>
#include <kmem_pager.h>
#include <x2msg.h>

/*
 * R (this root task) starts, each in a space of its own on R's image:
 *  KP  a kmem pager (user/lib/kmem_pager) with the pool KPOOL, paged by R;
 *  U   an unprivileged thread, paged by R, that tries to read the trace.
 * R associates KP, then touches RPAGES pages of its region: sigma0's answers
 * need mapping-database nodes, the kernel asks KP, and KP lends pages. The
 * tests read back the trace records of all this through the KDB call of
 * include/mnemo/trace.h; the last one enters the kernel debugger with pages
 * lent, and the scenario types mem, dump, tree and trace there.
 * Needs the kernel options `kdb trace` (the scenario gives them): without
 * `trace` the reads find nothing and the tests fail.
 */

#define UTCB_AREA 0xBF000000ull
#define KIP_AREA 0xBFF00000ull
#define PAGE 4096ul
#define R_REGION 0x4000000ul /* R's pages, at their physical address (sigma0 maps 1:1) */
#define RPAGES 256u
#define KPOOL 0x5000000ul
#define KPOOL_PAGES 128u
#define U_QUOTA 77 /* U's node quota, shown by `mem spaces` */
#define TIMEOUT_US 20000000
#define CHUNK 512

enum { KP_T, U_T, NKIDS };
enum { RES_READY = 0x50, RES_DONE };

static L4_ThreadId_t r_tid;
static void *kip; /* the KIP: mnemo's kernel-memory counters and kmem thread are found through it */
extern char _start[], _end[];
#define STACK_WORDS 2048
static L4_Word_t stacks[NKIDS][STACK_WORDS] __attribute__((aligned(PAGE)));
static struct kmem_pager kp = {.pool = KPOOL, .pages = KPOOL_PAGES};
static struct mnemo_trace_record recs[CHUNK];
static char fresh[4][PAGE] __attribute__((aligned(PAGE))); /* untouched until a test faults on it */

static const volatile struct mnemo_kmem_stats *kstats(void) { return mnemo_kmem_stats(kip); }
static L4_Word_t label_of(L4_Word_t tag) { return L4_Label((L4_MsgTag_t){.raw = tag}); }

static void reply_r(unsigned label, L4_Word_t a1, L4_Word_t a2)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, label);
	L4_MsgAppendWord(&msg, a1);
	L4_MsgAppendWord(&msg, a2);
	L4_MsgLoad(&msg);
}

/* ---- children ---- */

static void kp_main(void)
{
	/* All it will touch is mapped before it is associated (docs/kmem.md). */
	kmem_pager_touch((L4_Word_t)_start, (L4_Word_t)_end);
	kmem_pager_touch((L4_Word_t)stacks[KP_T], (L4_Word_t)stacks[KP_T + 1]);
	kmem_pager_prepare(&kp);
	reply_r(RES_READY, 0, 0);
	L4_Send(r_tid);
	kmem_pager_loop(&kp);
}

/* U: not a root server's thread; its read must be refused and leave its buffer alone. */
static struct mnemo_trace_record u_buf[4];
static void u_main(void)
{
	memset(u_buf, 0x5a, sizeof u_buf);
	struct mnemo_trace_read r = mnemo_trace_read(u_buf, 4, 0);
	bool untouched = true;
	for (unsigned i = 0; i < sizeof u_buf; i++)
		untouched &= ((unsigned char *)u_buf)[i] == 0x5a;
	reply_r(RES_DONE, r.copied, untouched);
	L4_Send(r_tid);
	L4_Sleep(L4_Never);
}

/* ---- R ---- */

static L4_ThreadId_t kids[NKIDS];

/* R pages its children with its own page at the faulting address. */
static void r_serve(L4_ThreadId_t from)
{
	L4_Word_t addr;
	L4_StoreMR(1, &addr);
	addr &= ~(PAGE - 1);
	(void)*(volatile char *)addr;
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendMapItem(&msg, L4_MapItem(L4_FpageAddRights(L4_FpageLog2(addr, 12), L4_FullyAccessible), addr));
	L4_MsgLoad(&msg);
	L4_Reply(from);
}

/* Serves faults until child k sends a message; its words in res. */
static bool r_wait(int k, L4_Word_t res[3])
{
	for (;;) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait(L4_TimePeriod(TIMEOUT_US), &from);
		if (L4_IpcFailed(tag))
			return false;
		if (msg_is_pagefault(tag)) {
			r_serve(from);
			continue;
		}
		if (!L4_IsThreadEqual(from, kids[k]))
			continue;
		L4_StoreMRs(0, 3, res);
		return true;
	}
}

static bool start(int k, void (*fn)(void), L4_Word_t res[3])
{
	L4_ThreadId_t me = L4_Myself(), t = kids[k];
	memset(stacks[k], 0, sizeof stacks[k]);
	if (L4_ThreadControl(t, t, me, L4_nilthread, (void *)-1) != 1 ||
	    L4_SpaceControl(t, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread, NULL) != 1 ||
	    L4_ThreadControl(t, t, me, me, (void *)UTCB_AREA) != 1)
		return false;
	/* the start message: IP, SP */
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendWord(&msg, (L4_Word_t)fn);
	L4_MsgAppendWord(&msg, (L4_Word_t)&stacks[k][STACK_WORDS - 2]);
	L4_MsgLoad(&msg);
	return !L4_IpcFailed(L4_Send(t, L4_TimePeriod(TIMEOUT_US))) && r_wait(k, res);
}

/* The records since seq that match (type, a-or-any, thread-or-any), counted; the last kept in *out. */
#define ANY ((L4_Word_t)-3)
struct want {
	L4_Word_t type, kind, thread, a; /* kind: a of a kmem record (or ANY); a: argument a (or ANY) */
};
static unsigned count_records(L4_Word_t seq, struct want w, struct mnemo_trace_record *out, L4_Word_t *gap)
{
	unsigned n = 0;
	*gap = 0;
	for (;;) {
		struct mnemo_trace_read r = mnemo_trace_read(recs, CHUNK, seq);
		if (r.copied == MNEMO_TRACE_REFUSED || r.copied == MNEMO_TRACE_BADBUF)
			return 0;
		*gap += r.first - seq; /* records overwritten before they were read */
		for (L4_Word_t i = 0; i < r.copied; i++) {
			const struct mnemo_trace_record *x = &recs[i];
			if (x->type != w.type || (w.thread != ANY && x->thread != w.thread))
				continue;
			if (w.type == MNEMO_TRACE_KMEM ? (w.kind != ANY && x->a != w.kind)
						       : (w.a != ANY && x->a != w.a))
				continue;
			n++;
			if (out)
				*out = *x;
		}
		if (!r.copied)
			return n;
		seq = r.first + r.copied;
	}
}

static L4_Word_t next_seq(void) { return mnemo_trace_read(recs, 0, 0).next; }

static bool up(void)
{
	static bool tried, ok;
	if (tried)
		return ok;
	tried = true;
	r_tid = L4_Myself();
	for (int k = 0; k < NKIDS; k++)
		kids[k] = L4_GlobalId(L4_ThreadNo(r_tid) + 1 + k, 1);
	L4_Word_t res[3];
	if (!start(KP_T, kp_main, res) || label_of(res[0]) != RES_READY)
		return false;
	kp.boss = r_tid;
	if (L4_Set_Priority(kids[KP_T], 200) == 0)
		return false;
	L4_ThreadId_t kt = {.raw = mnemo_kmem_thread(kip)}; /* mnemo's kmem thread (mnemo/kmem.h), as a word */
	if (L4_ThreadControl(kt, kt, L4_nilthread, kids[KP_T], (void *)-1) != 1)
		return false;
	return ok = true;
}

static L4_Word_t seq_assoc; /* the trace before R's region was touched */

USER_TEST(events, "ktrace.read.events",
	  "a root-server thread reads back the page-fault, IPC and kernel-memory (request, lent) records it caused")
{
	struct mnemo_trace_read r0 = mnemo_trace_read(recs, 0, 0);
	TEST_CHECK_EQ(r0.copied, 0);
	TEST_CHECK_EQ(r0.on, 1); /* booted with `trace` */
	L4_Word_t seq = r0.next;
	(void)*(volatile char *)fresh[0]; /* one page fault to sigma0, at a known address */
	TEST_CHECK(up());
	seq_assoc = next_seq();
	for (L4_Word_t a = R_REGION; a < R_REGION + RPAGES * PAGE; a += PAGE)
		*(volatile L4_Word_t *)a = a; /* sigma0 maps each: nodes on lent pages */
	TEST_CHECK(kstats()->lent_pages > 0);
	L4_Word_t gap, res[4];
	/* an IPC R makes to KP */
	TEST_CHECK(kmem_pager_command(kids[KP_T], KMEM_PAGER_STATS, 0, 0, 0, res));
	TEST_CHECK(res[0] > 0); /* KP lent pages */
	struct mnemo_trace_record x;
	L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadNo(r_tid) - 2, 1);
	/* the fault on fresh[0]: the kernel's record, then the page-fault IPC to sigma0 */
	TEST_CHECK_EQ(
	    count_records(seq, (struct want){MNEMO_TRACE_PAGEFAULT, 0, r_tid.raw, (L4_Word_t)fresh[0]}, &x, &gap), 1);
	TEST_CHECK_EQ(gap, 0);
	TEST_CHECK_EQ(x.c & 3, 0); /* a read of a page not present */
	TEST_CHECK_EQ(
	    count_records(seq, (struct want){MNEMO_TRACE_PF_IPC, 0, r_tid.raw, (L4_Word_t)fresh[0]}, &x, &gap), 1);
	/* R's region: one fault per page, each answered by sigma0 */
	TEST_CHECK(count_records(seq_assoc, (struct want){MNEMO_TRACE_PAGEFAULT, 0, r_tid.raw, ANY}, NULL, &gap) >=
		   RPAGES);
	TEST_CHECK(count_records(seq_assoc, (struct want){MNEMO_TRACE_IPC, 0, s0.raw, ANY}, NULL, &gap) >= RPAGES);
	/* R's call to KP */
	TEST_CHECK(count_records(seq_assoc, (struct want){MNEMO_TRACE_IPC, 0, r_tid.raw, kids[KP_T].raw}, &x, &gap) >=
		   1);
	TEST_CHECK_EQ(label_of(x.c), KMEM_PAGER_STATS);
	/* the kernel asked KP for memory, and one lent record per page the kernel holds (none was revoked yet) */
	TEST_CHECK(count_records(seq, (struct want){MNEMO_TRACE_KMEM, MNEMO_TRACE_KMEM_REQUEST, ANY, 0}, &x, &gap) >=
		   1);
	L4_Word_t lent = kstats()->lent_pages;
	TEST_CHECK_EQ(count_records(seq, (struct want){MNEMO_TRACE_KMEM, MNEMO_TRACE_KMEM_LENT, ANY, 0}, &x, &gap),
		      lent);
	TEST_CHECK(x.b >= KPOOL && x.b < KPOOL + KPOOL_PAGES * PAGE); /* KP's pool lies at its physical address */
	TEST_CHECK_EQ(x.c, lent);
	printf("  read back from #%llu: %llu records; KP lent %llu pages\n", (unsigned long long)seq,
	       (unsigned long long)(next_seq() - seq), (unsigned long long)res[0]);
}

USER_TEST(evict, "ktrace.read.evict",
	  "KP takes every lent page back: a revoked and an evicted record for each page, with the mappings evicted")
{
	TEST_CHECK(up());
	L4_Word_t seq = next_seq(), ev0 = kstats()->evicted_nodes, res[4], gap;
	TEST_CHECK(kmem_pager_command(kids[KP_T], KMEM_PAGER_REVOKE_ALL, 0, 0, 0, res));
	L4_Word_t evicted = kstats()->evicted_nodes - ev0;
	TEST_CHECK(res[0] > 0 && evicted >= RPAGES);
	TEST_CHECK_EQ(count_records(seq, (struct want){MNEMO_TRACE_KMEM, MNEMO_TRACE_KMEM_REVOKED, ANY, 0}, NULL, &gap),
		      res[0]);
	TEST_CHECK_EQ(count_records(seq, (struct want){MNEMO_TRACE_KMEM, MNEMO_TRACE_KMEM_EVICTED, ANY, 0}, NULL, &gap),
		      res[0]);
	/* the evicted records' counts add up to the kernel's counter */
	L4_Word_t sum = 0;
	for (L4_Word_t s = seq;;) {
		struct mnemo_trace_read r = mnemo_trace_read(recs, CHUNK, s);
		for (L4_Word_t i = 0; i < r.copied; i++)
			if (recs[i].type == MNEMO_TRACE_KMEM && recs[i].a == MNEMO_TRACE_KMEM_EVICTED) {
				TEST_CHECK(recs[i].b >= KPOOL && recs[i].b < KPOOL + KPOOL_PAGES * PAGE);
				sum += recs[i].c;
			}
		if (!r.copied)
			break;
		s = r.first + r.copied;
	}
	TEST_CHECK_EQ(sum, evicted);
	/* R's pages fault again (refaults) and the kernel borrows again: lent pages for the debugger */
	L4_Word_t rf0 = kstats()->refaults;
	for (L4_Word_t a = R_REGION; a < R_REGION + RPAGES * PAGE; a += PAGE)
		TEST_CHECK_EQ(*(volatile L4_Word_t *)a, a);
	TEST_CHECK(kstats()->refaults > rf0);
	TEST_CHECK(kstats()->lent_pages > 0);
}

USER_TEST(refused, "ktrace.refused",
	  "a thread outside the root servers' spaces is refused and its buffer is untouched; a bad buffer is an error")
{
	TEST_CHECK(up());
	L4_Word_t res[4], ures[3];
	TEST_CHECK(start(U_T, u_main, ures));
	TEST_CHECK_EQ(label_of(ures[0]), RES_DONE);
	TEST_CHECK_EQ(ures[1], MNEMO_TRACE_REFUSED);
	TEST_CHECK_EQ(ures[2], 1);
	/* U's node quota, set by KP, for `mem spaces` to show */
	TEST_CHECK(kmem_pager_command(kids[KP_T], KMEM_PAGER_QUOTA, kids[U_T].raw, U_QUOTA, 0, res));
	TEST_CHECK_EQ(res[0], 0);
	/* R itself, with a buffer in kernel space */
	TEST_CHECK_EQ(mnemo_trace_read((struct mnemo_trace_record *)0xffff800000000000ul, 4, 0).copied,
		      MNEMO_TRACE_BADBUF);
}

USER_TEST(debugger, "ktrace.debugger",
	  "the kernel debugger is entered with lent pages, pinned mappings and a quota (the scenario types mem, dump, "
	  "tree, trace)")
{
	TEST_CHECK(up());
	TEST_CHECK(kstats()->lent_pages > 0 && kstats()->pinned_nodes > 0);
	printf("  kdb: R %llx, KP %llx (pool %#llx), U %llx; R's region %#llx\n",
	       (unsigned long long)L4_ThreadNo(r_tid), (unsigned long long)L4_ThreadNo(kids[KP_T]),
	       (unsigned long long)KPOOL, (unsigned long long)L4_ThreadNo(kids[U_T]), (unsigned long long)R_REGION);
	L4_KDB_Enter("kdb kmem: pages lent");
	TEST_CHECK_EQ(*(volatile L4_Word_t *)R_REGION, R_REGION); /* the debugger changed nothing */
}

int main(void)
{
	kip = L4_GetKernelInterface();
	printf("kdb kmem: the debugger and the trace with lent kernel memory\n");
	test_run_all("ktrace");
}
