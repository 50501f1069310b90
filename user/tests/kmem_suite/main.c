/* SPDX-License-Identifier: MIT */
/* The kernel-memory suite: a workload through a depth-3 pager hierarchy while the kmem pager revokes lent pages. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/kip.h>
#include <mnemo/kmem.h>
#include <kmem_pager.h>
#include <task.h>
#include <x2msg.h>

/*
 * R (this root task) creates, each in a space of its own and running R's image:
 *  KP  the kernel-memory pager (user/lib/kmem_pager), pool KPOOL, paged by R;
 *  M   a pager, paged by R, that pages the workers from its region;
 *  W0-W2 workers paged by M: each writes and checksums WPAGES pages at WREG;
 *  H   a hostile mapper (paged by R) that maps one page to H2 as fast as it can.
 * So every worker page is a derivation chain sigma0 -> R -> M -> W (R's region
 * lies at its physical address: after an eviction R's own fault brings the same
 * frame back from sigma0). R pages everybody but the workers with its own pages
 * at the same address (all spaces share R's image frames: children write only
 * their own stacks). The workload runs without and with pressure (KP revokes a
 * random lent page every PRESSURE_US) and must give the same results; the
 * kernel's counters in the KIP show the evictions and refaults.
 */

#define PAGE 4096ul
#define NW 3
#define WPAGES 1024u
#define R_REGION 0x4000000ul /* 64 MiB: WPAGES pages per worker, at their physical address */
#define KPOOL 0x5000000ul /* 80 MiB: the kmem pager's pool */
#define KPOOL_PAGES 512u
#define HPAGE 0x5200000ul /* the hostile task's page */
#define WREG 0x40000000ul /* the workers' pages */
#define H2WIN 0x80000000ul /* where H maps into H2 */
#define H2WIN_LOG2 30
#define H_QUOTA 500 /* nodes H may make */
#define PRESSURE_US 1000 /* the timer ticks at 1 kHz: timeouts are whole ticks */
#define PRESSURE_PAGES 4
#define WORDS_PER_PAGE 8 /* words written and read per page: every 64th */
#define PASSES 16 /* read passes per run */
#define R_TIMEOUT_US 60000000

enum { KP_T, M_T, W0_T, H_T = W0_T + NW, H2_T, NKIDS };
enum {
	CMD_RUN = 0x40, /* to a worker: a1 seed, a2 previous seed (0: none) -> RES_DONE mismatches, checksum */
	CMD_START, /* to M: start thread a1 at ip a2, sp a3 */
	CMD_HOSTILE, /* to H: map until refused -> RES_DONE maps, error code */
	RES_READY = 0x50,
	RES_DONE,
};

static L4_ThreadId_t r_tid, m_tid; /* set before any child runs; read-only for them */
static volatile L4_Word_t m_faults; /* worker faults M answered: written by M only */
extern char _start[], _end[];
#define STACK_WORDS 2048
static L4_Word_t stacks[NKIDS][STACK_WORDS] __attribute__((aligned(PAGE)));
static struct kmem_pager kp = {.pool = KPOOL, .pages = KPOOL_PAGES};
static void *kip; /* the KIP, asked for once (R's, before any child runs) */

/* mnemo's kernel-memory protocol (mnemo/kmem.h): its counters in the KIP and the kmem
 * thread, whose ID the header gives as a word. */
static const volatile struct mnemo_kmem_stats *kstats(void) { return mnemo_kmem_stats(kip); }
static L4_ThreadId_t kmem_thread(void) { return (L4_ThreadId_t){.raw = mnemo_kmem_thread(kip)}; }

static L4_Word_t value(unsigned k, L4_Word_t seed, unsigned page, unsigned word)
{
	L4_Word_t x = seed ^ ((L4_Word_t)k << 40) ^ ((L4_Word_t)page << 12) ^ word;
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	x ^= x >> 27;
	return x;
}

/* ---- children ----------------------------------------------------------------------------- */

static void reply_r(unsigned label, L4_Word_t a1, L4_Word_t a2)
{
	L4_Set_MsgTag(msg_tag(label, 2, 0));
	L4_LoadMR(1, a1);
	L4_LoadMR(2, a2);
}

static void kp_main(void)
{
	/* Everything the pager will ever touch is mapped before it is associated:
	 * its code and data (R's image) and its stack. */
	kmem_pager_touch((L4_Word_t)_start, (L4_Word_t)_end);
	kmem_pager_touch((L4_Word_t)stacks[KP_T], (L4_Word_t)stacks[KP_T + 1]);
	kmem_pager_prepare(&kp);
	reply_r(RES_READY, 0, 0);
	L4_Send(r_tid);
	kmem_pager_loop(&kp);
}

/* Worker k (found from its stack) runs the workload on each command from R. */
static void worker_main(void)
{
	L4_Word_t here;
	unsigned k = (unsigned)(((L4_Word_t)&here - (L4_Word_t)stacks) / sizeof stacks[0]) - W0_T;
	volatile L4_Word_t *mem = (volatile L4_Word_t *)WREG;
	reply_r(RES_READY, k, 0);
	for (;;) {
		L4_MsgTag_t tag = L4_Call(r_tid);
		if (L4_IpcFailed(tag) || L4_Label(tag) != CMD_RUN) {
			reply_r(RES_DONE, ~0ul, 0);
			continue;
		}
		L4_Word_t seed = msg_mr(1), prev = msg_mr(2), bad = 0, sum = 0;
		for (unsigned i = 0; prev && i < WPAGES; i++)
			for (unsigned j = 0; j < WORDS_PER_PAGE; j++)
				bad += mem[i * 512 + j * 64] != value(k, prev, i, j);
		for (unsigned i = 0; i < WPAGES; i++)
			for (unsigned j = 0; j < WORDS_PER_PAGE; j++)
				mem[i * 512 + j * 64] = value(k, seed, i, j);
		for (unsigned pass = 0; pass < PASSES; pass++)
			for (unsigned i = 0; i < WPAGES; i++)
				for (unsigned j = 0; j < WORDS_PER_PAGE; j++)
					sum = sum * 31 + mem[i * 512 + j * 64];
		reply_r(RES_DONE, bad, sum);
	}
}

/* M: the workers' pager. A fault at WREG + x of worker k is answered with M's
 * page at R_REGION + k * WPAGES pages + x, read first so that M holds it (its
 * own fault goes to R); image pages likewise with M's page at that address. */
static void m_answer(L4_ThreadId_t from, L4_Word_t fault)
{
	L4_Word_t addr = fault & ~(PAGE - 1), src = 0;
	for (unsigned k = 0; k < NW; k++) {
		if (L4_IsThreadNotEqual(from, L4_GlobalId(L4_ThreadNo(r_tid) + 1 + W0_T + k, 1)))
			continue;
		if (addr >= WREG && addr < WREG + WPAGES * PAGE)
			src = R_REGION + (k * WPAGES) * PAGE + (addr - WREG);
		else if (addr >= ((L4_Word_t)_start & ~(PAGE - 1)) && addr < (L4_Word_t)_end)
			src = addr;
	}
	if (!src)
		return; /* not ours: the worker stays blocked, R's timeout reports it */
	m_faults = m_faults + 1;
	(void)*(volatile char *)src;
	msg_reply_map(from, addr, src, L4_FullyAccessible);
}

static void m_main(void)
{
	reply_r(RES_READY, 0, 0);
	L4_Send(r_tid);
	for (;;) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait(&from);
		if (L4_IpcFailed(tag))
			continue;
		if (msg_is_pagefault(tag)) {
			m_answer(from, msg_mr(1));
		} else if (L4_IsThreadEqual(from, r_tid) && L4_Label(tag) == CMD_START) {
			/* the start message (X.2 §2.4 ThreadControl: MR1 ip, MR2 sp) */
			L4_ThreadId_t t = {.raw = msg_mr(1)};
			L4_Word_t ip = msg_mr(2), sp = msg_mr(3);
			L4_Set_MsgTag(msg_tag(0, 2, 0));
			L4_LoadMR(1, ip);
			L4_LoadMR(2, sp);
			L4_Send_Timeout(t, L4_TimePeriod(R_TIMEOUT_US));
			reply_r(RES_DONE, 0, 0);
			L4_Send(r_tid);
		}
	}
}

/* H: maps its page to H2 at fresh addresses until the kernel refuses. */
static void h_main(void)
{
	L4_ThreadId_t h2 = L4_GlobalId(L4_ThreadNo(r_tid) + 1 + H2_T, 1);
	(void)*(volatile L4_Word_t *)HPAGE;
	reply_r(RES_READY, 0, 0);
	L4_Call(r_tid); /* the go */
	L4_Word_t n = 0, err = 0;
	for (; n < (1ul << (H2WIN_LOG2 - 12)); n++) {
		L4_MapItem_t item =
		    L4_MapItem(L4_FpageAddRights(L4_FpageLog2(HPAGE, 12), L4_Readable), H2WIN + n * PAGE);
		L4_Set_MsgTag(msg_tag(0, 0, 2));
		L4_LoadMR(1, item.raw[0]);
		L4_LoadMR(2, item.raw[1]);
		if (L4_IpcFailed(L4_Call(h2))) {
			err = L4_ErrorCode();
			break;
		}
	}
	reply_r(RES_DONE, n, err);
	L4_Send(r_tid);
	L4_Sleep(L4_Never);
}

static void h2_main(void)
{
	L4_ThreadId_t from;
	reply_r(RES_READY, 0, 0);
	L4_Send(r_tid);
	L4_Accept(L4_MapGrantItems(L4_FpageLog2(H2WIN, H2WIN_LOG2)));
	L4_MsgTag_t tag = L4_Wait(&from);
	for (;;) {
		L4_Accept(L4_MapGrantItems(L4_FpageLog2(H2WIN, H2WIN_LOG2)));
		L4_Set_MsgTag(L4_Niltag);
		tag = L4_IpcFailed(tag) ? L4_Wait(&from) : L4_ReplyWait(from, &from);
	}
}

/* ---- R ---------------------------------------------------------------------------------- */

struct kid {
	L4_ThreadId_t tid;
	bool have; /* a message arrived and waits in res (MR0-MR3: its tag, then its words) */
	L4_Word_t res[4];
	unsigned faults;
};
static struct kid kids[NKIDS];
static bool associated;
static unsigned kp_faults_after, wild_faults;
static L4_Word_t seeds[8], sums[8][NW], instr[8], faults[8];

static L4_Word_t res_label(int k) { return L4_Label((L4_MsgTag_t){.raw = kids[k].res[0]}); }

/* Under -icount shift=0 the TSC counts guest instructions. */
static L4_Word_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (L4_Word_t)hi << 32 | lo;
}

/* A figure for make bench: value in hundredths. */
static void bench(const char *name, const char *unit, L4_Word_t hundredths)
{
	printf("BENCH name=%s unit=%s value=%llu.%02llu reps=1 spread=0.00 min=%llu.%02llu max=%llu.%02llu\n", name,
	       unit, (unsigned long long)(hundredths / 100), (unsigned long long)(hundredths % 100),
	       (unsigned long long)(hundredths / 100), (unsigned long long)(hundredths % 100),
	       (unsigned long long)(hundredths / 100), (unsigned long long)(hundredths % 100));
}

static int kid_of(L4_ThreadId_t t)
{
	for (int k = 0; k < NKIDS; k++)
		if (L4_IsThreadEqual(kids[k].tid, t))
			return k;
	return -1;
}

/* R pages KP, M, H and H2 with its own page at the faulting address. */
static void r_serve(int k)
{
	L4_Word_t addr = msg_mr(1) & ~(PAGE - 1);
	bool image = addr >= ((L4_Word_t)_start & ~(PAGE - 1)) && addr < (L4_Word_t)_end;
	bool region = (k == M_T && addr >= R_REGION && addr < R_REGION + NW * WPAGES * PAGE) ||
		      (k == KP_T && addr >= KPOOL && addr < KPOOL + KPOOL_PAGES * PAGE) || (k == H_T && addr == HPAGE);
	kids[k].faults++;
	if (k == KP_T && associated)
		kp_faults_after++;
	if (!image && !region) {
		wild_faults++;
		printf("  %d: fault at %#llx (ip %#llx) not answered\n", k, (unsigned long long)msg_mr(1),
		       (unsigned long long)msg_mr(2));
		return;
	}
	(void)*(volatile char *)addr;
	msg_reply_map(kids[k].tid, addr, addr, L4_FullyAccessible);
}

/* Serves faults until child k has a message for R; false on a timeout. */
static bool r_wait(int k)
{
	while (!kids[k].have) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(R_TIMEOUT_US), &from);
		if (L4_IpcFailed(tag)) {
			printf("  R: no message from child %d (error %#llx)\n", k, (unsigned long long)L4_ErrorCode());
			return false;
		}
		int j = kid_of(from);
		if (j < 0)
			continue;
		if (msg_is_pagefault(tag)) {
			r_serve(j);
			continue;
		}
		kids[j].have = true;
		L4_StoreMRs(0, 4, kids[j].res);
	}
	kids[k].have = false;
	return true;
}

static bool r_send(int k, unsigned label, L4_Word_t a1, L4_Word_t a2, L4_Word_t a3)
{
	L4_Set_MsgTag(msg_tag(label, 3, 0));
	L4_LoadMR(1, a1);
	L4_LoadMR(2, a2);
	L4_LoadMR(3, a3);
	return L4_IpcSucceeded(L4_Send_Timeout(kids[k].tid, L4_TimePeriod(R_TIMEOUT_US)));
}

static bool create(int k, L4_ThreadId_t pager) { return task_create(kids[k].tid, pager, 14); }

/* Creates child k paged by R and starts it at fn. */
static bool start(int k, void (*fn)(void))
{
	memset(stacks[k], 0, sizeof stacks[k]);
	if (!create(k, L4_Myself()))
		return false;
	/* the start message (X.2 §2.4 ThreadControl: MR1 ip, MR2 sp) */
	L4_Set_MsgTag(msg_tag(0, 2, 0));
	L4_LoadMR(1, (L4_Word_t)fn);
	L4_LoadMR(2, (L4_Word_t)&stacks[k][STACK_WORDS - 2]);
	return L4_IpcSucceeded(L4_Send_Timeout(kids[k].tid, L4_TimePeriod(R_TIMEOUT_US))) && r_wait(k) &&
	       res_label(k) == RES_READY;
}

static bool up(void)
{
	static bool tried, ok;
	if (tried)
		return ok;
	tried = true;
	kip = L4_GetKernelInterface();
	r_tid = L4_Myself();
	for (int k = 0; k < NKIDS; k++)
		kids[k].tid = L4_GlobalId(L4_ThreadNo(r_tid) + 1 + k, 1);
	m_tid = kids[M_T].tid;
	if (!start(KP_T, kp_main))
		return false;
	kp.boss = r_tid;
	/* Above the workload, so that its revocations come on time, as a kmem
	 * pager's should. */
	if (L4_Set_Priority(kids[KP_T].tid, 200) == 0)
		return false;
	L4_ThreadId_t kt = kmem_thread();
	if (L4_ThreadControl(kt, kt, L4_nilthread, kids[KP_T].tid, (void *)-1) != 1) {
		printf("  cannot associate the kmem pager (error %llu)\n", (unsigned long long)L4_ErrorCode());
		return false;
	}
	associated = true;
	for (L4_Word_t a = R_REGION; a < R_REGION + NW * WPAGES * PAGE; a += PAGE)
		(void)*(volatile char *)a; /* R holds the region before anybody asks: on lent memory */
	if (!start(M_T, m_main))
		return false;
	for (int w = 0; w < NW; w++) {
		int k = W0_T + w;
		memset(stacks[k], 0, sizeof stacks[k]);
		if (!create(k, m_tid) || !r_send(M_T, CMD_START, kids[k].tid.raw, (L4_Word_t)worker_main,
						 (L4_Word_t)&stacks[k][STACK_WORDS - 2]))
			return false;
		if (!r_wait(M_T) || !r_wait(k) || res_label(k) != RES_READY)
			return false;
	}
	return ok = true;
}

/* Phase p: every worker writes with seeds[p] (after checking seeds[p - 1]). */
static bool run_phase(unsigned p, L4_Word_t *bad_out)
{
	*bad_out = 0;
	L4_Word_t t0 = rdtsc(), f0 = m_faults;
	for (int w = 0; w < NW; w++)
		if (!r_send(W0_T + w, CMD_RUN, seeds[p], p ? seeds[p - 1] : 0, 0))
			return false;
	for (int w = 0; w < NW; w++) {
		if (!r_wait(W0_T + w) || res_label(W0_T + w) != RES_DONE)
			return false;
		*bad_out += kids[W0_T + w].res[1];
		sums[p][w] = kids[W0_T + w].res[2];
	}
	instr[p] = rdtsc() - t0;
	faults[p] = m_faults - f0;
	return true;
}

static L4_Word_t expected_sum(unsigned w, L4_Word_t seed)
{
	L4_Word_t sum = 0;
	for (unsigned pass = 0; pass < PASSES; pass++)
		for (unsigned i = 0; i < WPAGES; i++)
			for (unsigned j = 0; j < WORDS_PER_PAGE; j++)
				sum = sum * 31 + value(w, seed, i, j);
	return sum;
}

static unsigned phase;
static bool set_pressure(L4_Word_t us)
{
	L4_Word_t res[4];
	return kmem_pager_command(kids[KP_T].tid, KMEM_PAGER_PRESSURE, us, PRESSURE_PAGES, 0, res);
}

/* One phase with seed `seed`, checked against the formula. */
#define RUN_PHASE(seed) \
	do { \
		L4_Word_t _bad; \
		seeds[phase] = (seed); \
		TEST_CHECK(run_phase(phase, &_bad)); \
		TEST_CHECK_EQ(_bad, 0); \
		for (unsigned _w = 0; _w < NW; _w++) \
			TEST_CHECK_EQ(sums[phase][_w], expected_sum(_w, seeds[phase])); \
		phase++; \
	} while (0)

static void print_stats(const char *when)
{
	const volatile struct mnemo_kmem_stats *s = kstats();
	printf("  kmem %s: nodes %llu used %llu free, pages %llu lent %llu reserve, %llu pinned; revoked %llu, "
	       "evicted %llu (reclaimed %llu), refaults %llu, requests %llu, denied %llu quota %llu memory\n",
	       when, (unsigned long long)s->nodes_used, (unsigned long long)s->nodes_free,
	       (unsigned long long)s->lent_pages, (unsigned long long)s->reserve_pages,
	       (unsigned long long)s->pinned_nodes, (unsigned long long)s->revoked_pages,
	       (unsigned long long)s->evicted_nodes, (unsigned long long)s->reclaimed_nodes,
	       (unsigned long long)s->refaults, (unsigned long long)s->requests, (unsigned long long)s->quota_denials,
	       (unsigned long long)s->nomem_denials);
}

/* ---- the tests ------------------------------------------------------------------------ */

USER_TEST(lends, "kmem.pager.lends", "the kmem pager is associated and lends pages the kernel asks for")
{
	TEST_CHECK(up());
	TEST_CHECK_EQ(kstats()->magic, MNEMO_KMEM_STATS_MAGIC);
	RUN_PHASE(0x1234);
	RUN_PHASE(0x1234); /* warm: the reference for the costs below */
	print_stats("after the first runs");
	TEST_CHECK(kstats()->lent_pages > 0);
	TEST_CHECK(kstats()->requests > 0);
	TEST_CHECK(kstats()->reserve_pages <= 64);
	TEST_CHECK(kp.requests > 0 && kp.lent > 0);
	/* 3 * WPAGES worker pages, each at R, M and W level */
	TEST_CHECK(kstats()->nodes_used >= 3 * NW * WPAGES);
	struct mnemo_kmem_stats snap;
	L4_Word_t gen;
	do { /* a consistent snapshot: the kernel rewrites the counters every tick */
		gen = kstats()->generation;
		memcpy(&snap, (const void *)kstats(), sizeof snap);
	} while (gen != snap.generation || gen != kstats()->generation);
	TEST_CHECK_EQ(snap.nodes_used + snap.nodes_free, (snap.lent_pages + snap.reserve_pages) * 170);
}

USER_TEST(
    pressure, "kmem.workload.pressure",
    "under revocation of 4 lent pages every millisecond the workload gives the results it gives without, every time")
{
	TEST_CHECK(up() && phase == 2);
	L4_Word_t ev0 = kstats()->evicted_nodes, rf0 = kstats()->refaults, rv0 = kstats()->revoked_pages;
	TEST_CHECK(set_pressure(PRESSURE_US));
	RUN_PHASE(seeds[1]); /* the same seed as without pressure: the same sums */
	for (unsigned w = 0; w < NW; w++)
		TEST_CHECK_EQ(sums[2][w], sums[1][w]);
	RUN_PHASE(0x5678);
	RUN_PHASE(0x9abc);
	TEST_CHECK(set_pressure(0));
	/* make bench: the same work under pressure against the warm run. */
	bench("kmem.pressure.slowdown", "percent", (instr[2] + instr[3] + instr[4]) * 10000 / (3 * instr[1]));
	printf("  instructions per run: warm %llu, under pressure %llu %llu %llu; worker faults %llu, %llu %llu %llu\n",
	       (unsigned long long)instr[1], (unsigned long long)instr[2], (unsigned long long)instr[3],
	       (unsigned long long)instr[4], (unsigned long long)faults[1], (unsigned long long)faults[2],
	       (unsigned long long)faults[3], (unsigned long long)faults[4]);
	print_stats("after three runs under pressure");
	TEST_CHECK(kstats()->revoked_pages - rv0 >= 6);
	TEST_CHECK(kstats()->evicted_nodes > ev0);
	TEST_CHECK(kstats()->refaults > rf0);
	TEST_CHECK_EQ(wild_faults, 0);
}

USER_TEST(pinned, "kmem.pinned.never_evicted", "no pinned mapping was evicted: the kmem pager never faulted again")
{
	TEST_CHECK(up());
	TEST_CHECK_EQ(kp_faults_after, 0);
	TEST_CHECK_EQ(kstats()->pinned_evicted, 0);
	TEST_CHECK(kstats()->pinned_nodes >= KPOOL_PAGES); /* its pool at least */
}

USER_TEST(revoke_all, "kmem.revoke_all",
	  "the pager takes every lent page back at once; the kernel then asks again and all works")
{
	TEST_CHECK(up() && phase == 5);
	L4_Word_t res[4];
	L4_Word_t rv0 = kstats()->revoked_pages, ev0 = kstats()->evicted_nodes, t0 = rdtsc();
	TEST_CHECK(kmem_pager_command(kids[KP_T].tid, KMEM_PAGER_REVOKE_ALL, 0, 0, 0, res));
	L4_Word_t t_revoke = rdtsc() - t0, evicted = kstats()->evicted_nodes - ev0;
	TEST_CHECK(res[0] > 0);
	/* Every page it took back was the kernel's until its Unmap returned. (The
	 * kernel may have asked again since: R's first fault after the evictions.) */
	TEST_CHECK_EQ(kstats()->revoked_pages - rv0, res[0]);
	print_stats("after taking every page back");
	L4_Word_t req0 = kstats()->requests, rf0 = kstats()->refaults;
	RUN_PHASE(0xdef0);
	TEST_CHECK(kstats()->requests > req0);
	TEST_CHECK(evicted >= NW * WPAGES && faults[5] >= NW * WPAGES);
	bench("kmem.evict.per_node", "instructions", t_revoke * 100 / evicted);
	/* The extra work of a run after everything was evicted, per worker fault:
	 * one refault rebuilds W's mapping, and M's and R's on the way as needed. */
	bench("kmem.refault.per_fault", "instructions", (instr[5] - instr[1]) * 100 / faults[5]);
	TEST_CHECK(kstats()->refaults - rf0 >= NW * WPAGES / 4); /* refaults: a lower bound (docs/kmem.md) */
}

USER_TEST(hostile, "kmem.hostile.quota",
	  "a task mapping as fast as it can is refused at its quota; the others finish their work")
{
	TEST_CHECK(up() && phase == 6);
	TEST_CHECK(start(H2_T, h2_main));
	TEST_CHECK(start(H_T, h_main));
	L4_Word_t res[4];
	TEST_CHECK(kmem_pager_command(kids[KP_T].tid, KMEM_PAGER_QUOTA, kids[H_T].tid.raw, H_QUOTA, 0, res));
	TEST_CHECK_EQ(res[0], 0);
	/* H's go, then the workers' run under pressure beside it. */
	TEST_CHECK(set_pressure(PRESSURE_US));
	L4_Set_MsgTag(msg_tag(CMD_HOSTILE, 0, 0));
	TEST_CHECK(L4_IpcSucceeded(L4_Send_Timeout(kids[H_T].tid, L4_TimePeriod(R_TIMEOUT_US))));
	L4_Word_t q0 = kstats()->quota_denials;
	RUN_PHASE(0x7777);
	TEST_CHECK(r_wait(H_T));
	TEST_CHECK(set_pressure(0));
	printf("  H made %llu maps, then error %#llx\n", (unsigned long long)kids[H_T].res[1],
	       (unsigned long long)kids[H_T].res[2]);
	TEST_CHECK(kids[H_T].res[1] >= H_QUOTA);
	TEST_CHECK_EQ(kids[H_T].res[2], 4 << 1); /* message overflow, send phase */
	TEST_CHECK(kstats()->quota_denials > q0);
	print_stats("at the end");
}

/* A pin request to the kmem thread; 0 or the IPC error code. */
static L4_Word_t pin(L4_Word_t base, int log2)
{
	L4_Set_MsgTag(msg_tag(MNEMO_KMEM_PIN, 1, 0));
	L4_LoadMR(1, L4_FpageLog2(base, log2).raw);
	return L4_IpcFailed(L4_Send_Timeout(kmem_thread(), L4_ZeroTime)) ? L4_ErrorCode() : 0;
}

USER_TEST(pin_request, "kmem.pin.request",
	  "a space pins its own mappings within its quota (16 pages): they and their sources stay when every lent page "
	  "goes; beyond the quota it is refused")
{
	TEST_CHECK(up());
	for (L4_Word_t a = R_REGION; a < R_REGION + 32 * PAGE; a += PAGE)
		(void)*(volatile char *)a; /* mapped now (evictions may have taken them) */
	L4_Word_t p0 = kstats()->pinned_nodes;
	TEST_CHECK_EQ(pin(R_REGION, 12 + 3), 0); /* 8 of R's pages, from sigma0 */
	TEST_CHECK(kstats()->pinned_nodes >= p0 + 8);
	TEST_CHECK_EQ(pin(R_REGION + 16 * PAGE, 12 + 4), 4 << 1); /* 16 more: over the quota */
	L4_Word_t res[4], rv0 = kstats()->revoked_pages;
	TEST_CHECK(kmem_pager_command(kids[KP_T].tid, KMEM_PAGER_REVOKE_ALL, 0, 0, 0, res));
	TEST_CHECK(res[0] > 0 && kstats()->revoked_pages - rv0 == res[0]);
	TEST_CHECK_EQ(kstats()->pinned_evicted, 0); /* R's pinned pages and their sources stayed */
}

int main(void)
{
	printf("kmem suite: kernel memory lent by a user-level pager, revoked under a running workload\n");
	printf("BENCH-DONE\n"); /* make bench: the figures come from the tests; a failed test fails the run */
	test_run_all("kmem");
}
