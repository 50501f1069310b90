/* SPDX-License-Identifier: MIT */
/* The mdb suite: mappings through the mapping database, seen from the root task: sigma0 pages, Unmap, Flush, access bits. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <l4/schedule.h>
#include <l4/kip.h>
#include <x2msg.h>

#define UTCB_AREA 0xBF000000ull
#define KIP_AREA 0xBFF00000ull
#define PAGE 4096ul
#define SUPER (2ul << 20)
#define LABEL_MAP 0x31 /* to the server: map page mr[1] into our receive window */

/*
 * The root task's image (and BSS) is at physical == virtual addresses, so a
 * page flushed from our space comes back as the same frame when it is touched
 * again (sigma0 maps page faults idempotently). Every test uses its own
 * buffers: tests run in whatever order the linker put them.
 *
 * The tests run in `tester`, a second thread of the root task's space whose
 * pager is the main thread. The main thread (sigma0 knows it as the owner of
 * everything the space touches) counts the tester's page faults (pf_count) and
 * resolves them by touching the page itself (its own pager is sigma0; we share
 * the space), or, for the alias page, by mapping the source page again. It also
 * serves LABEL_MAP (a map item from our space into our space, so that one of
 * our mappings is derived from another: the only way to see access bits, as a
 * query reports those of derived mappings, never the caller's own) and
 * LABEL_GET (a sigma0 request on the tester's behalf).
 */
static volatile unsigned long pf_count, area_faults; /* area_faults: in our KIP/UTCB area */
static volatile L4_Word_t alias_src, alias_dst; /* faults at alias_dst are re-mapped from alias_src */
static L4_ThreadId_t server, tester;
static L4_Word_t tester_stack[4096] __attribute__((aligned(16)));
#define LABEL_GET 0x32

/* A map item of our page src; the hot spot picks where it lands in a larger window. */
static void reply_map(L4_Word_t src, L4_Word_t hot_spot, unsigned rights)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendMapItem(&msg, L4_MapItem(L4_FpageAddRights(L4_FpageLog2(src, 12), rights), hot_spot));
	L4_MsgLoad(&msg);
}

static __attribute__((noreturn)) void serve(void)
{
	L4_ThreadId_t from;
	L4_MsgTag_t tag = L4_Wait(&from);
	for (;;) {
		L4_Word_t mr1, mr2;
		L4_StoreMR(1, &mr1);
		L4_StoreMR(2, &mr2);
		if (L4_IpcFailed(tag)) {
			tag = L4_Wait(&from);
			continue;
		}
		if (msg_is_pagefault(tag)) {
			L4_Word_t addr = mr1 & ~(PAGE - 1);
			unsigned access = (unsigned)L4_Label(tag) & 7;
			pf_count++;
			if ((addr >= UTCB_AREA && addr < UTCB_AREA + (1ul << 18)) || addr == KIP_AREA) {
				area_faults++;
				tag = L4_Wait(&from); /* nothing to map there: no reply */
				continue;
			}
			if (alias_dst && addr == alias_dst) {
				reply_map(alias_src, addr, L4_FullyAccessible); /* window: all of it */
			} else {
				if (access & L4_Writable)
					__atomic_fetch_add((volatile L4_Word_t *)addr, 0, __ATOMIC_SEQ_CST);
				else
					(void)*(volatile char *)addr;
				L4_Set_MsgTag(L4_Niltag);
			}
		} else if (L4_Label(tag) == LABEL_MAP) {
			reply_map(mr1, mr1, (unsigned)mr2);
		} else if (L4_Label(tag) == LABEL_GET) {
			/* sigma0's thread from the KIP (nil); the attributes word 0, as before */
			L4_Fpage_t got = L4_Sigma0_GetPage_RcvWindow(L4_nilthread, (L4_Fpage_t){.raw = mr1},
								     (L4_Fpage_t){.raw = mr2});
			L4_Accept(L4_MapGrantItems(L4_Nilpage));
			L4_Set_MsgTag(msg_tag(0, 1, 0));
			L4_LoadMR(1, got.raw);
		} else {
			L4_Set_MsgTag(L4_Niltag);
		}
		tag = L4_ReplyWait(from, &from);
	}
}

/* sigma0's answer to a request for fpage into window (asked by the server). */
static L4_Fpage_t get_page(L4_Fpage_t fpage, L4_Fpage_t window)
{
	L4_Set_MsgTag(msg_tag(LABEL_GET, 2, 0));
	L4_LoadMR(1, fpage.raw);
	L4_LoadMR(2, window.raw);
	L4_MsgTag_t tag = L4_Call(server);
	L4_Fpage_t got = L4_Nilpage;
	if (!L4_IpcFailed(tag))
		L4_StoreMR(1, &got.raw);
	return got;
}

/* Has the server map our page src (rights) into our page dst. */
static bool map_local(L4_Word_t src, L4_Word_t dst, unsigned rights)
{
	L4_Accept(L4_MapGrantItems(L4_FpageLog2(dst, 12)));
	L4_Set_MsgTag(msg_tag(LABEL_MAP, 2, 0));
	L4_LoadMR(1, src);
	L4_LoadMR(2, rights);
	L4_MsgTag_t tag = L4_Call(server);
	L4_Accept(L4_MapGrantItems(L4_Nilpage));
	return !L4_IpcFailed(tag) && L4_TypedWords(tag) == 2;
}

static L4_Fpage_t fp(const void *p, unsigned log2, unsigned rights)
{
	return L4_FpageAddRights(L4_FpageLog2((L4_Word_t)p, (int)log2), rights);
}

static void touch_read(const void *p) { (void)*(const volatile char *)p; }
static void touch_write(void *p, char v) { *(volatile char *)p = v; }

/* ---- sigma0 pages into windows ------------------------------------------------------ */

USER_TEST(get4k, "mdb.sigma0.page4k", "a 4 KiB page from sigma0 lands in a receive window and is usable")
{
	const L4_Word_t where = 0x50000000;
	L4_Fpage_t got = get_page(L4_FpageAddRights(L4_FpageLog2(~0ull, 12), 7), L4_FpageLog2(where, 12));
	TEST_CHECK(!L4_IsNilFpage(got));
	TEST_CHECK_EQ(L4_SizeLog2(got), 12);
	unsigned long c0 = pf_count;
	*(volatile L4_Word_t *)where = 0x1234;
	TEST_CHECK_EQ(*(volatile L4_Word_t *)where, 0x1234);
	TEST_CHECK_EQ(pf_count, c0); /* mapped by the reply, no fault */
}

static char super_a[SUPER] __attribute__((aligned(SUPER)));

USER_TEST(get2m, "mdb.sigma0.super2m", "a 2 MiB page from sigma0 maps all 512 pages without faults")
{
	L4_Fpage_t got = get_page(fp(super_a, 21, 7), fp(super_a, 21, 0));
	TEST_CHECK_EQ(L4_Address(got), (L4_Word_t)super_a);
	TEST_CHECK_EQ(L4_SizeLog2(got), 21);
	unsigned long c0 = pf_count;
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		((volatile L4_Word_t *)(super_a + i * PAGE))[1] = i * 3 + 1;
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		TEST_CHECK_EQ(((volatile L4_Word_t *)(super_a + i * PAGE))[1], i * 3 + 1);
	TEST_CHECK_EQ(pf_count, c0);
}

/* ---- Unmap with flush of our own mappings ------------------------------------------ */

static char flush_pg[PAGE] __attribute__((aligned(PAGE)));

USER_TEST(flush_self, "mdb.flush.self",
	  "Flush of our own page: the next touch faults, sigma0 maps the same frame again")
{
	memcpy(flush_pg, "survives a flush", 17);
	unsigned long c0 = pf_count;
	touch_read(flush_pg);
	TEST_CHECK_EQ(pf_count, c0);
	L4_Fpage_t r = L4_Flush(fp(flush_pg, 12, 7));
	TEST_CHECK_EQ(L4_Address(r), (L4_Word_t)flush_pg);
	TEST_CHECK_EQ(L4_SizeLog2(r), 12);
	TEST_CHECK_EQ(pf_count, c0);
	touch_read(flush_pg);
	TEST_CHECK_EQ(pf_count, c0 + 1);
	TEST_CHECK(memcmp(flush_pg, "survives a flush", 17) == 0);
	touch_write(flush_pg + 100, 1);
	TEST_CHECK_EQ(pf_count, c0 + 1);
}

static char wr_pg[PAGE] __attribute__((aligned(PAGE)));

USER_TEST(flush_write, "mdb.flush.write", "flushing only the write right: reads go on, the next write faults once")
{
	touch_write(wr_pg, 5);
	unsigned long c0 = pf_count;
	L4_Flush(fp(wr_pg, 12, L4_Writable));
	touch_read(wr_pg);
	touch_read(wr_pg + 2000);
	TEST_CHECK_EQ(pf_count, c0);
	touch_write(wr_pg + 8, 6);
	TEST_CHECK_EQ(pf_count, c0 + 1); /* the fault went to our pager, whose write had sigma0 re-map rw */
	touch_write(wr_pg + 16, 7);
	TEST_CHECK_EQ(pf_count, c0 + 1);
	TEST_CHECK_EQ(wr_pg[0], 5);
	TEST_CHECK_EQ(wr_pg[8], 6);
}

static char super_b[SUPER] __attribute__((aligned(SUPER)));

USER_TEST(super_partial, "mdb.flush.super_4k", "a 4 KiB flush inside a 2 MiB mapping revokes only that 4 KiB")
{
	L4_Fpage_t got = get_page(fp(super_b, 21, 7), fp(super_b, 21, 0));
	TEST_CHECK_EQ(L4_SizeLog2(got), 21);
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		((volatile L4_Word_t *)(super_b + i * PAGE))[0] = 0xb000 + i;
	unsigned long c0 = pf_count;
	L4_Flush(fp(super_b + 5 * PAGE, 12, 7));
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		if (i != 5)
			TEST_CHECK_EQ(((volatile L4_Word_t *)(super_b + i * PAGE))[0], 0xb000 + i);
	TEST_CHECK_EQ(pf_count, c0);
	TEST_CHECK_EQ(((volatile L4_Word_t *)(super_b + 5 * PAGE))[0], 0xb005); /* same frame again */
	TEST_CHECK_EQ(pf_count, c0 + 1);
	/* a 64 KiB flush in the middle: sixteen pages fault, one each */
	L4_Flush(fp(super_b + 64 * PAGE, 16, 7));
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		TEST_CHECK_EQ(((volatile L4_Word_t *)(super_b + i * PAGE))[0], 0xb000 + i);
	TEST_CHECK_EQ(pf_count, c0 + 17);
}

static char many[1ul << 20] __attribute__((aligned(1ul << 20)));

USER_TEST(flush_many, "mdb.flush.many", "a flush of 256 pages (many preemptible steps) revokes all; contents survive")
{
	for (unsigned i = 0; i < sizeof many / PAGE; i++)
		((volatile L4_Word_t *)(many + i * PAGE))[0] = i ^ 0x5a5a;
	unsigned long c0 = pf_count;
	L4_Flush(fp(many, 20, 7));
	for (unsigned i = 0; i < sizeof many / PAGE; i++)
		TEST_CHECK_EQ(((volatile L4_Word_t *)(many + i * PAGE))[0], i ^ 0x5a5a);
	TEST_CHECK_EQ(pf_count, c0 + 256);
}

/* ---- derived mappings: access bits and rights ------------------------------------- */

static char src_pg[PAGE] __attribute__((aligned(PAGE)));
#define DST 0x58000000ul

USER_TEST(status, "mdb.status",
	  "GetStatus of a page reports reads and writes through the mapping derived from it, and resets them")
{
	touch_write(src_pg, 1);
	TEST_CHECK(map_local((L4_Word_t)src_pg, DST, 7));
	L4_Fpage_t s = L4_GetStatus(fp(src_pg, 12, 0));
	TEST_CHECK_EQ(L4_Rights(s), 0); /* a new mapping starts with no access bits */
	TEST_CHECK_EQ(*(volatile char *)DST, 1);
	s = L4_GetStatus(fp(src_pg, 12, 0));
	TEST_CHECK(L4_WasReferenced(s));
	TEST_CHECK(!L4_WasWritten(s));
	TEST_CHECK_EQ(L4_Rights(L4_GetStatus(fp(src_pg, 12, 0))), 0); /* reset by the query */
	*(volatile char *)DST = 2;
	s = L4_GetStatus(fp(src_pg, 12, 0));
	TEST_CHECK(L4_WasWritten(s));
	TEST_CHECK_EQ(src_pg[0], 2);
	/* our own accesses to src_pg are never reported; nothing is derived from DST */
	touch_write(src_pg, 3);
	TEST_CHECK_EQ(L4_Rights(L4_GetStatus(fp(src_pg, 12, 0))), 0);
	/* a larger fpage around the source reports the same */
	*(volatile char *)DST = 4;
	s = L4_GetStatus(fp((void *)((L4_Word_t)src_pg & ~0xffffful), 20, 0));
	TEST_CHECK(L4_WasWritten(s));
	/* a leaf's own query answers 0 and still resets its bits (ABI §5.10) */
	*(volatile char *)DST = 5;
	TEST_CHECK_EQ(L4_Rights(L4_GetStatus(fp((void *)DST, 12, 0))), 0);
	TEST_CHECK_EQ(L4_Rights(L4_GetStatus(fp(src_pg, 12, 0))), 0);
	L4_Flush(fp((void *)DST, 12, 7));
}

static char rsrc_pg[PAGE] __attribute__((aligned(PAGE)));
#define RDST 0x59000000ul

USER_TEST(unmap_rights, "mdb.unmap.rights",
	  "Unmap revokes rights from the derived mapping only; a write then faults once")
{
	touch_write(rsrc_pg, 9);
	TEST_CHECK(map_local((L4_Word_t)rsrc_pg, RDST, 7));
	alias_src = (L4_Word_t)rsrc_pg, alias_dst = RDST;
	unsigned long c0 = pf_count;
	L4_UnmapFpage(fp(rsrc_pg, 12, L4_Writable));
	touch_write(rsrc_pg + 1, 10); /* our own mapping keeps its rights */
	TEST_CHECK_EQ(*(volatile char *)RDST, 9);
	TEST_CHECK_EQ(pf_count, c0);
	*(volatile char *)(RDST + 2) = 11;
	TEST_CHECK_EQ(pf_count, c0 + 1); /* re-mapped by the server from rsrc_pg */
	TEST_CHECK_EQ(rsrc_pg[2], 11);
	/* all rights: the derived mapping goes, ours stays */
	L4_UnmapFpage(fp(rsrc_pg, 12, 7));
	touch_write(rsrc_pg + 3, 12);
	TEST_CHECK_EQ(pf_count, c0 + 1);
	TEST_CHECK_EQ(*(volatile char *)(RDST + 3), 12);
	TEST_CHECK_EQ(pf_count, c0 + 2);
	/* a flush of the source takes the derived mapping with it */
	L4_Flush(fp(rsrc_pg, 12, 7));
	alias_dst = 0;
	TEST_CHECK_EQ(rsrc_pg[3], 12);
	TEST_CHECK_EQ(pf_count, c0 + 3);
	TEST_CHECK_EQ(L4_Rights(L4_GetStatus(fp(rsrc_pg, 12, 0))), 0); /* nothing derived any more */
}

/* ---- several fpages, bad fpages --------------------------------------------------- */

static char m_pg[10][PAGE] __attribute__((aligned(PAGE)));
#define MDST 0x5a000000ul

USER_TEST(many_fpages, "mdb.unmap.mrs", "ten fpages in one Unmap: MR8 and MR9 come from and go back to the UTCB")
{
	for (unsigned i = 0; i < 10; i++)
		touch_write(m_pg[i], (char)i);
	TEST_CHECK(map_local((L4_Word_t)m_pg[9], MDST, 7));
	touch_read((void *)MDST);
	L4_Fpage_t f[10];
	for (unsigned i = 0; i < 10; i++)
		f[i] = fp(m_pg[i], 12, 0);
	L4_UnmapFpages(10, f);
	for (unsigned i = 0; i < 9; i++)
		TEST_CHECK_EQ(f[i].raw, fp(m_pg[i], 12, 0).raw);
	TEST_CHECK_EQ(L4_Address(f[9]), (L4_Word_t)m_pg[9]);
	TEST_CHECK(L4_WasReferenced(f[9]));
	/* flush all ten: each faults once when touched again */
	for (unsigned i = 0; i < 10; i++)
		f[i] = fp(m_pg[i], 12, 7);
	L4_FlushFpages(10, f);
	unsigned long c0 = pf_count;
	for (unsigned i = 0; i < 10; i++)
		TEST_CHECK_EQ(m_pg[i][0], (char)i);
	TEST_CHECK_EQ(pf_count, c0 + 10);
	L4_Flush(fp((void *)MDST, 12, 7));
}

USER_TEST(bad_fpages, "mdb.unmap.bad", "nil, tiny, huge and kernel-area fpages are answered without harm")
{
	static const L4_Fpage_t bad[] = {
	    L4_Nilpage,
	    {.raw = (0x1000 & ~0x3fful) | (10u << 4) | 7}, /* 1 KiB: below the page size */
	    {.raw = (0x0000800000000000ul) | (12u << 4) | 7}, /* beyond user space */
	    {.raw = (0xffff800000000000ul) | (30u << 4) | 7}, /* kernel half */
	    {.raw = (0x0ul) | (63u << 4) | 0}, /* 2^63 (status only) */
	    {.raw = KIP_AREA | (12u << 4) | 7}, /* our KIP: the kernel's page */
	    {.raw = UTCB_AREA | (14u << 4) | 7}, /* our UTCBs: the kernel's pages */
	};
#define ARRAY_LEN (sizeof bad / sizeof bad[0])
	L4_Fpage_t f[ARRAY_LEN];
	for (unsigned i = 0; i < ARRAY_LEN; i++)
		f[i] = bad[i];
	L4_FlushFpages(ARRAY_LEN, f);
	for (unsigned i = 0; i < ARRAY_LEN; i++)
		TEST_CHECK_EQ(f[i].raw, bad[i].raw & ~7ul);
	/* the KIP and our UTCB are still there */
	TEST_CHECK_EQ(((L4_KernelInterfacePage_t *)L4_GetKernelInterface())->magic, L4_MAGIC);
	TEST_CHECK(L4_IsThreadEqual(L4_MyGlobalId(), tester)); /* our UTCB's global-ID word */
	/* control words with every k: only MR0..MRk are touched */
	for (int i = 0; i < 64; i++)
		L4_LoadMR(i, L4_Nilpage.raw | 7);
	L4_Unmap(63 | 0x80); /* bit 7 is not defined: ignored */
	for (int i = 0; i < 64; i++) {
		L4_Word_t w = ~0ul;
		L4_StoreMR(i, &w);
		TEST_CHECK_EQ(w, 0);
	}
}

/* ---- preemption between unmap steps -------------------------------------------------- */

static char long_buf[SUPER] __attribute__((aligned(SUPER)));
static volatile unsigned long spins;
static L4_Word_t spin_stack[1024] __attribute__((aligned(16)));

static void spinner(void)
{
	for (;;)
		spins++;
}

USER_TEST(long_unmaps, "mdb.unmap.preempt",
	  "200 ms of multi-step unmaps beside a spinning thread of equal priority: both progress")
{
	for (unsigned i = 0; i < SUPER / PAGE; i++) /* 512 mappings: a query of all takes several steps */
		touch_write(long_buf + i * PAGE, (char)i);
	L4_ThreadId_t t = L4_GlobalId(L4_ThreadNo(server) + 2, 1);
	TEST_CHECK_EQ(L4_ThreadControl(t, server, server, server, (void *)(UTCB_AREA + 2048)), 1);
	L4_Start_SpIp(t, (L4_Word_t)&spin_stack[1022], (L4_Word_t)spinner);
	unsigned long calls = 0, s0 = spins;
	L4_Clock_t t0 = L4_SystemClock();
	while (L4_SystemClock().raw - t0.raw < 200000) {
		L4_GetStatus(fp(long_buf, 21, 0));
		L4_UnmapFpage(fp(long_buf, 21, L4_Writable)); /* nothing derived: changes nothing */
		calls++;
	}
	unsigned long s1 = spins;
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull), 1);
	printf("  %lu query+unmap pairs of 512 pages in 200 ms; the spinner ran %lu loops\n", calls, s1 - s0);
	TEST_CHECK(calls > 10);
	TEST_CHECK(s1 > s0);
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		TEST_CHECK_EQ(long_buf[i * PAGE], (char)i);
}

/* ---- the kernel's areas ---------------------------------------------------------------- */

static volatile int area_reader_done;

static void area_reader(void)
{
	(void)*(volatile L4_Word_t *)(UTCB_AREA + 0x8000 + 512); /* a UTCB page nobody uses */
	area_reader_done = 1;
	for (;;)
		L4_Receive(L4_nilthread);
}

USER_TEST(area_fault, "mdb.area.fault", "a touch of an unused UTCB slot is an exception, not a page fault to the pager")
{
	L4_ThreadId_t t = L4_GlobalId(L4_ThreadNo(server) + 3, 1);
	unsigned long a0 = area_faults;
	TEST_CHECK_EQ(L4_ThreadControl(t, server, server, server, (void *)(UTCB_AREA + 4096)), 1);
	L4_Start_SpIp(t, (L4_Word_t)&spin_stack[1022], (L4_Word_t)area_reader);
	L4_Sleep(L4_TimePeriod(20000));
	TEST_CHECK_EQ(area_reader_done, 0); /* halted at the read (no exception handler) */
	TEST_CHECK_EQ(area_faults, a0); /* the pager never heard of it */
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull), 1);
}

static void tester_main(void) { test_run_all("mdb"); }

int main(void)
{
	printf("mdb suite: mappings, Unmap, Flush and access bits through the mapping database\n");
	server = L4_Myself();
	tester = L4_GlobalId(L4_ThreadNo(server) + 1, 1);
	if (L4_ThreadControl(tester, server, server, server, (void *)(UTCB_AREA + 1024)) != 1) {
		printf("mdb suite: cannot create the tester thread\n");
		test_run_all("mdb");
	}
	L4_Start_SpIp(tester, (L4_Word_t)&tester_stack[4094], (L4_Word_t)tester_main);
	serve();
}
