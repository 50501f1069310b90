/* SPDX-License-Identifier: MIT */
/* Root task of scenario.kdb-kmem: lent kernel memory under the debugger, and the trace read back by a root server (and refused to others). */
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

static l4_threadid_t r_tid;
extern char _start[], _end[];
#define STACK_WORDS 2048
static l4_word_t stacks[NKIDS][STACK_WORDS] __attribute__((aligned(PAGE)));
static struct kmem_pager kp = {.pool = KPOOL, .pages = KPOOL_PAGES};
static struct mnemo_trace_record recs[CHUNK];
static char fresh[4][PAGE] __attribute__((aligned(PAGE))); /* untouched until a test faults on it */

static const volatile struct mnemo_kmem_stats *kstats(void) { return mnemo_kmem_stats(__l4_kip); }
static bool is_pagefault(l4_msgtag_t tag) { return (tag & ~0xfffffull) == ((l4_word_t)-2 << 20); }

static void reply_r(unsigned label, l4_word_t a1, l4_word_t a2)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(label, 2, 0, 0);
	mr[1] = a1, mr[2] = a2;
}

/* ---- children ---- */

static void kp_main(void)
{
	/* All it will touch is mapped before it is associated (docs/kmem.md). */
	kmem_pager_touch((l4_word_t)_start, (l4_word_t)_end);
	kmem_pager_touch((l4_word_t)stacks[KP_T], (l4_word_t)stacks[KP_T + 1]);
	kmem_pager_prepare(&kp);
	reply_r(RES_READY, 0, 0);
	l4_send(r_tid);
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
	l4_send(r_tid);
	l4_sleep(L4_NEVER);
}

/* ---- R ---- */

static l4_threadid_t kids[NKIDS];

/* R pages its children with its own page at the faulting address. */
static void r_serve(l4_threadid_t from, l4_word_t *mr)
{
	l4_word_t addr = mr[1] & ~(PAGE - 1);
	(void)*(volatile char *)addr;
	mr[0] = l4_msgtag(0, 0, 2, 0);
	mr[1] = l4_map_item_word0(addr);
	mr[2] = l4_fpage_log2(addr, 12) | L4_FULLY_ACCESSIBLE;
	l4_send_timeout(from, L4_ZERO_TIME);
}

/* Serves faults until child k sends a message; its words in res. */
static bool r_wait(int k, l4_word_t res[3])
{
	for (;;) {
		l4_threadid_t from;
		l4_msgtag_t tag = l4_ipc(L4_NILTHREAD, L4_ANYTHREAD, L4_TIMEOUTS(0, l4_time_period(TIMEOUT_US)), &from);
		if (l4_ipc_failed(tag))
			return false;
		if (is_pagefault(tag)) {
			r_serve(from, l4_utcb());
			continue;
		}
		if (from != kids[k])
			continue;
		for (unsigned i = 0; i < 3; i++)
			res[i] = l4_utcb()[i];
		return true;
	}
}

static bool start(int k, void (*fn)(void), l4_word_t res[3])
{
	l4_threadid_t me = l4_myself(), t = kids[k];
	memset(stacks[k], 0, sizeof stacks[k]);
	if (l4_thread_control(t, t, me, L4_NILTHREAD, ~0ull) != 1 ||
	    l4_space_control(t, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(UTCB_AREA, 14), L4_NILTHREAD, NULL) !=
		1 ||
	    l4_thread_control(t, t, me, me, UTCB_AREA) != 1)
		return false;
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0, 2, 0, 0);
	mr[1] = (l4_word_t)fn;
	mr[2] = (l4_word_t)&stacks[k][STACK_WORDS - 2];
	return !l4_ipc_failed(l4_send_timeout(t, l4_time_period(TIMEOUT_US))) && r_wait(k, res);
}

/* The records since seq that match (type, a-or-any, thread-or-any), counted; the last kept in *out. */
#define ANY ((l4_word_t)-3)
struct want {
	l4_word_t type, kind, thread, a; /* kind: a of a kmem record (or ANY); a: argument a (or ANY) */
};
static unsigned count_records(l4_word_t seq, struct want w, struct mnemo_trace_record *out, l4_word_t *gap)
{
	unsigned n = 0;
	*gap = 0;
	for (;;) {
		struct mnemo_trace_read r = mnemo_trace_read(recs, CHUNK, seq);
		if (r.copied == MNEMO_TRACE_REFUSED || r.copied == MNEMO_TRACE_BADBUF)
			return 0;
		*gap += r.first - seq; /* records overwritten before they were read */
		for (l4_word_t i = 0; i < r.copied; i++) {
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

static l4_word_t next_seq(void) { return mnemo_trace_read(recs, 0, 0).next; }

static bool up(void)
{
	static bool tried, ok;
	if (tried)
		return ok;
	tried = true;
	r_tid = l4_myself();
	for (int k = 0; k < NKIDS; k++)
		kids[k] = l4_global_id(l4_thread_no(r_tid) + 1 + k, 1);
	l4_word_t res[3];
	if (!start(KP_T, kp_main, res) || L4_TAG_LABEL(res[0]) != RES_READY)
		return false;
	kp.boss = (L4_ThreadId_t){.raw = r_tid};
	if (l4_set_priority(kids[KP_T], 200) == 0)
		return false;
	l4_threadid_t kt = mnemo_kmem_thread(__l4_kip);
	if (l4_thread_control(kt, kt, L4_NILTHREAD, kids[KP_T], ~0ull) != 1)
		return false;
	return ok = true;
}

static l4_word_t seq_assoc; /* the trace before R's region was touched */

USER_TEST(events, "ktrace.read.events",
	  "a root-server thread reads back the page-fault, IPC and kernel-memory (request, lent) records it caused")
{
	struct mnemo_trace_read r0 = mnemo_trace_read(recs, 0, 0);
	TEST_CHECK_EQ(r0.copied, 0);
	TEST_CHECK_EQ(r0.on, 1); /* booted with `trace` */
	l4_word_t seq = r0.next;
	(void)*(volatile char *)fresh[0]; /* one page fault to sigma0, at a known address */
	TEST_CHECK(up());
	seq_assoc = next_seq();
	for (l4_word_t a = R_REGION; a < R_REGION + RPAGES * PAGE; a += PAGE)
		*(volatile l4_word_t *)a = a; /* sigma0 maps each: nodes on lent pages */
	TEST_CHECK(kstats()->lent_pages > 0);
	l4_word_t gap, res[4];
	/* an IPC R makes to KP */
	TEST_CHECK(kmem_pager_command((L4_ThreadId_t){.raw = kids[KP_T]}, KMEM_PAGER_STATS, 0, 0, 0, res));
	TEST_CHECK(res[0] > 0); /* KP lent pages */
	struct mnemo_trace_record x;
	l4_threadid_t s0 = l4_global_id(l4_thread_no(r_tid) - 2, 1);
	/* the fault on fresh[0]: the kernel's record, then the page-fault IPC to sigma0 */
	TEST_CHECK_EQ(count_records(seq, (struct want){MNEMO_TRACE_PAGEFAULT, 0, r_tid, (l4_word_t)fresh[0]}, &x, &gap),
		      1);
	TEST_CHECK_EQ(gap, 0);
	TEST_CHECK_EQ(x.c & 3, 0); /* a read of a page not present */
	TEST_CHECK_EQ(count_records(seq, (struct want){MNEMO_TRACE_PF_IPC, 0, r_tid, (l4_word_t)fresh[0]}, &x, &gap),
		      1);
	/* R's region: one fault per page, each answered by sigma0 */
	TEST_CHECK(count_records(seq_assoc, (struct want){MNEMO_TRACE_PAGEFAULT, 0, r_tid, ANY}, NULL, &gap) >= RPAGES);
	TEST_CHECK(count_records(seq_assoc, (struct want){MNEMO_TRACE_IPC, 0, s0, ANY}, NULL, &gap) >= RPAGES);
	/* R's call to KP */
	TEST_CHECK(count_records(seq_assoc, (struct want){MNEMO_TRACE_IPC, 0, r_tid, kids[KP_T]}, &x, &gap) >= 1);
	TEST_CHECK_EQ(L4_TAG_LABEL(x.c), KMEM_PAGER_STATS);
	/* the kernel asked KP for memory, and one lent record per page the kernel holds (none was revoked yet) */
	TEST_CHECK(count_records(seq, (struct want){MNEMO_TRACE_KMEM, MNEMO_TRACE_KMEM_REQUEST, ANY, 0}, &x, &gap) >=
		   1);
	l4_word_t lent = kstats()->lent_pages;
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
	l4_word_t seq = next_seq(), ev0 = kstats()->evicted_nodes, res[4], gap;
	TEST_CHECK(kmem_pager_command((L4_ThreadId_t){.raw = kids[KP_T]}, KMEM_PAGER_REVOKE_ALL, 0, 0, 0, res));
	l4_word_t evicted = kstats()->evicted_nodes - ev0;
	TEST_CHECK(res[0] > 0 && evicted >= RPAGES);
	TEST_CHECK_EQ(count_records(seq, (struct want){MNEMO_TRACE_KMEM, MNEMO_TRACE_KMEM_REVOKED, ANY, 0}, NULL, &gap),
		      res[0]);
	TEST_CHECK_EQ(count_records(seq, (struct want){MNEMO_TRACE_KMEM, MNEMO_TRACE_KMEM_EVICTED, ANY, 0}, NULL, &gap),
		      res[0]);
	/* the evicted records' counts add up to the kernel's counter */
	l4_word_t sum = 0;
	for (l4_word_t s = seq;;) {
		struct mnemo_trace_read r = mnemo_trace_read(recs, CHUNK, s);
		for (l4_word_t i = 0; i < r.copied; i++)
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
	l4_word_t rf0 = kstats()->refaults;
	for (l4_word_t a = R_REGION; a < R_REGION + RPAGES * PAGE; a += PAGE)
		TEST_CHECK_EQ(*(volatile l4_word_t *)a, a);
	TEST_CHECK(kstats()->refaults > rf0);
	TEST_CHECK(kstats()->lent_pages > 0);
}

USER_TEST(refused, "ktrace.refused",
	  "a thread outside the root servers' spaces is refused and its buffer is untouched; a bad buffer is an error")
{
	TEST_CHECK(up());
	l4_word_t res[4], ures[3];
	TEST_CHECK(start(U_T, u_main, ures));
	TEST_CHECK_EQ(L4_TAG_LABEL(ures[0]), RES_DONE);
	TEST_CHECK_EQ(ures[1], MNEMO_TRACE_REFUSED);
	TEST_CHECK_EQ(ures[2], 1);
	/* U's node quota, set by KP, for `mem spaces` to show */
	TEST_CHECK(
	    kmem_pager_command((L4_ThreadId_t){.raw = kids[KP_T]}, KMEM_PAGER_QUOTA, kids[U_T], U_QUOTA, 0, res));
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
	       (unsigned long long)l4_thread_no(r_tid), (unsigned long long)l4_thread_no(kids[KP_T]),
	       (unsigned long long)KPOOL, (unsigned long long)l4_thread_no(kids[U_T]), (unsigned long long)R_REGION);
	L4_KDB_Enter("kdb kmem: pages lent");
	TEST_CHECK_EQ(*(volatile l4_word_t *)R_REGION, R_REGION); /* the debugger changed nothing */
}

int main(void)
{
	printf("kdb kmem: the debugger and the trace with lent kernel memory\n");
	test_run_all("ktrace");
}
