/* SPDX-License-Identifier: MIT */
/* The mdb suite: mappings through the mapping database, seen from the root task: sigma0 pages, Unmap, Flush, access bits. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/sigma0.h>

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
static volatile l4_word_t alias_src, alias_dst; /* faults at alias_dst are re-mapped from alias_src */
static l4_threadid_t server, tester;
static l4_word_t tester_stack[4096] __attribute__((aligned(16)));
#define LABEL_GET 0x32

static bool is_pagefault(l4_msgtag_t tag) { return (tag & ~0xfffffull) == ((l4_word_t)-2 << 20); }

/* A map item of our page src; the hot spot picks where it lands in a larger window. */
static void reply_map(l4_word_t src, l4_word_t hot_spot, unsigned rights)
{
	l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
	l4_utcb()[1] = l4_map_item_word0(hot_spot);
	l4_utcb()[2] = l4_fpage_log2(src, 12) | rights;
}

static __attribute__((noreturn)) void serve(void)
{
	l4_threadid_t from;
	l4_msgtag_t tag = l4_wait(&from);
	for (;;) {
		l4_word_t *mr = l4_utcb();
		if (l4_ipc_failed(tag)) {
			tag = l4_wait(&from);
			continue;
		}
		if (is_pagefault(tag)) {
			l4_word_t addr = mr[1] & ~(PAGE - 1);
			unsigned access = (tag >> 16) & 7;
			pf_count++;
			if ((addr >= UTCB_AREA && addr < UTCB_AREA + (1ul << 18)) || addr == KIP_AREA) {
				area_faults++;
				tag = l4_wait(&from); /* nothing to map there: no reply */
				continue;
			}
			if (alias_dst && addr == alias_dst) {
				reply_map(alias_src, addr, L4_FULLY_ACCESSIBLE); /* window: all of it */
			} else {
				if (access & L4_WRITABLE)
					__atomic_fetch_add((volatile l4_word_t *)addr, 0, __ATOMIC_SEQ_CST);
				else
					(void)*(volatile char *)addr;
				mr[0] = 0;
			}
		} else if (L4_TAG_LABEL(tag) == LABEL_MAP) {
			reply_map(mr[1], mr[1], (unsigned)mr[2]);
		} else if (L4_TAG_LABEL(tag) == LABEL_GET) {
			l4_fpage_t got = l4_sigma0_get_page_rcv_window(mr[1], mr[2]);
			l4_accept(L4_NILPAGE);
			mr = l4_utcb();
			mr[0] = l4_msgtag(0, 1, 0, 0);
			mr[1] = got;
		} else {
			mr[0] = 0;
		}
		tag = l4_reply_wait(from, &from);
	}
}

/* sigma0's answer to a request for fpage into window (asked by the server). */
static l4_fpage_t get_page(l4_fpage_t fpage, l4_fpage_t window)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(LABEL_GET, 2, 0, 0);
	mr[1] = fpage;
	mr[2] = window;
	l4_msgtag_t tag = l4_call(server);
	return l4_ipc_failed(tag) ? L4_NILPAGE : l4_utcb()[1];
}

/* Has the server map our page src (rights) into our page dst. */
static bool map_local(l4_word_t src, l4_word_t dst, unsigned rights)
{
	l4_word_t *mr = l4_utcb();
	l4_accept(l4_fpage_log2(dst, 12));
	mr[0] = l4_msgtag(LABEL_MAP, 2, 0, 0);
	mr[1] = src;
	mr[2] = rights;
	l4_msgtag_t tag = l4_call(server);
	l4_accept(L4_NILPAGE);
	return !l4_ipc_failed(tag) && L4_TAG_T(tag) == 2;
}

static l4_fpage_t fp(const void *p, unsigned log2, unsigned rights)
{
	return l4_fpage_log2((l4_word_t)p, log2) | rights;
}

static void touch_read(const void *p) { (void)*(const volatile char *)p; }
static void touch_write(void *p, char v) { *(volatile char *)p = v; }

/* ---- sigma0 pages into windows ------------------------------------------------------ */

USER_TEST(get4k, "mdb.sigma0.page4k", "a 4 KiB page from sigma0 lands in a receive window and is usable")
{
	const l4_word_t where = 0x50000000;
	l4_fpage_t got = get_page(l4_fpage_log2(~0ull, 12) | 7, l4_fpage_log2(where, 12));
	TEST_CHECK(got != L4_NILPAGE);
	TEST_CHECK_EQ(l4_fpage_size_log2(got), 12);
	unsigned long c0 = pf_count;
	*(volatile l4_word_t *)where = 0x1234;
	TEST_CHECK_EQ(*(volatile l4_word_t *)where, 0x1234);
	TEST_CHECK_EQ(pf_count, c0); /* mapped by the reply, no fault */
}

static char super_a[SUPER] __attribute__((aligned(SUPER)));

USER_TEST(get2m, "mdb.sigma0.super2m", "a 2 MiB page from sigma0 maps all 512 pages without faults")
{
	l4_fpage_t got = get_page(fp(super_a, 21, 7), fp(super_a, 21, 0));
	TEST_CHECK_EQ(l4_fpage_base(got), (l4_word_t)super_a);
	TEST_CHECK_EQ(l4_fpage_size_log2(got), 21);
	unsigned long c0 = pf_count;
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		((volatile l4_word_t *)(super_a + i * PAGE))[1] = i * 3 + 1;
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		TEST_CHECK_EQ(((volatile l4_word_t *)(super_a + i * PAGE))[1], i * 3 + 1);
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
	l4_fpage_t r = l4_flush(fp(flush_pg, 12, 7));
	TEST_CHECK_EQ(l4_fpage_base(r), (l4_word_t)flush_pg);
	TEST_CHECK_EQ(l4_fpage_size_log2(r), 12);
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
	l4_flush(fp(wr_pg, 12, L4_WRITABLE));
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
	l4_fpage_t got = get_page(fp(super_b, 21, 7), fp(super_b, 21, 0));
	TEST_CHECK_EQ(l4_fpage_size_log2(got), 21);
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		((volatile l4_word_t *)(super_b + i * PAGE))[0] = 0xb000 + i;
	unsigned long c0 = pf_count;
	l4_flush(fp(super_b + 5 * PAGE, 12, 7));
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		if (i != 5)
			TEST_CHECK_EQ(((volatile l4_word_t *)(super_b + i * PAGE))[0], 0xb000 + i);
	TEST_CHECK_EQ(pf_count, c0);
	TEST_CHECK_EQ(((volatile l4_word_t *)(super_b + 5 * PAGE))[0], 0xb005); /* same frame again */
	TEST_CHECK_EQ(pf_count, c0 + 1);
	/* a 64 KiB flush in the middle: sixteen pages fault, one each */
	l4_flush(fp(super_b + 64 * PAGE, 16, 7));
	for (unsigned i = 0; i < SUPER / PAGE; i++)
		TEST_CHECK_EQ(((volatile l4_word_t *)(super_b + i * PAGE))[0], 0xb000 + i);
	TEST_CHECK_EQ(pf_count, c0 + 17);
}

static char many[1ul << 20] __attribute__((aligned(1ul << 20)));

USER_TEST(flush_many, "mdb.flush.many", "a flush of 256 pages (many preemptible steps) revokes all; contents survive")
{
	for (unsigned i = 0; i < sizeof many / PAGE; i++)
		((volatile l4_word_t *)(many + i * PAGE))[0] = i ^ 0x5a5a;
	unsigned long c0 = pf_count;
	l4_flush(fp(many, 20, 7));
	for (unsigned i = 0; i < sizeof many / PAGE; i++)
		TEST_CHECK_EQ(((volatile l4_word_t *)(many + i * PAGE))[0], i ^ 0x5a5a);
	TEST_CHECK_EQ(pf_count, c0 + 256);
}

/* ---- derived mappings: access bits and rights ------------------------------------- */

static char src_pg[PAGE] __attribute__((aligned(PAGE)));
#define DST 0x58000000ul

USER_TEST(status, "mdb.status",
	  "GetStatus of a page reports reads and writes through the mapping derived from it, and resets them")
{
	touch_write(src_pg, 1);
	TEST_CHECK(map_local((l4_word_t)src_pg, DST, 7));
	l4_fpage_t s = l4_get_status(fp(src_pg, 12, 0));
	TEST_CHECK_EQ(s & 7, 0); /* a new mapping starts with no access bits */
	TEST_CHECK_EQ(*(volatile char *)DST, 1);
	s = l4_get_status(fp(src_pg, 12, 0));
	TEST_CHECK(l4_was_referenced(s));
	TEST_CHECK(!l4_was_written(s));
	TEST_CHECK_EQ(l4_get_status(fp(src_pg, 12, 0)) & 7, 0); /* reset by the query */
	*(volatile char *)DST = 2;
	s = l4_get_status(fp(src_pg, 12, 0));
	TEST_CHECK(l4_was_written(s));
	TEST_CHECK_EQ(src_pg[0], 2);
	/* our own accesses to src_pg are never reported; nothing is derived from DST */
	touch_write(src_pg, 3);
	TEST_CHECK_EQ(l4_get_status(fp(src_pg, 12, 0)) & 7, 0);
	/* a larger fpage around the source reports the same */
	*(volatile char *)DST = 4;
	s = l4_get_status(fp((void *)((l4_word_t)src_pg & ~0xffffful), 20, 0));
	TEST_CHECK(l4_was_written(s));
	/* a leaf's own query answers 0 and still resets its bits (ABI §5.10) */
	*(volatile char *)DST = 5;
	TEST_CHECK_EQ(l4_get_status(fp((void *)DST, 12, 0)) & 7, 0);
	TEST_CHECK_EQ(l4_get_status(fp(src_pg, 12, 0)) & 7, 0);
	l4_flush(fp((void *)DST, 12, 7));
}

static char rsrc_pg[PAGE] __attribute__((aligned(PAGE)));
#define RDST 0x59000000ul

USER_TEST(unmap_rights, "mdb.unmap.rights",
	  "Unmap revokes rights from the derived mapping only; a write then faults once")
{
	touch_write(rsrc_pg, 9);
	TEST_CHECK(map_local((l4_word_t)rsrc_pg, RDST, 7));
	alias_src = (l4_word_t)rsrc_pg, alias_dst = RDST;
	unsigned long c0 = pf_count;
	l4_unmap_fpage(fp(rsrc_pg, 12, L4_WRITABLE));
	touch_write(rsrc_pg + 1, 10); /* our own mapping keeps its rights */
	TEST_CHECK_EQ(*(volatile char *)RDST, 9);
	TEST_CHECK_EQ(pf_count, c0);
	*(volatile char *)(RDST + 2) = 11;
	TEST_CHECK_EQ(pf_count, c0 + 1); /* re-mapped by the server from rsrc_pg */
	TEST_CHECK_EQ(rsrc_pg[2], 11);
	/* all rights: the derived mapping goes, ours stays */
	l4_unmap_fpage(fp(rsrc_pg, 12, 7));
	touch_write(rsrc_pg + 3, 12);
	TEST_CHECK_EQ(pf_count, c0 + 1);
	TEST_CHECK_EQ(*(volatile char *)(RDST + 3), 12);
	TEST_CHECK_EQ(pf_count, c0 + 2);
	/* a flush of the source takes the derived mapping with it */
	l4_flush(fp(rsrc_pg, 12, 7));
	alias_dst = 0;
	TEST_CHECK_EQ(rsrc_pg[3], 12);
	TEST_CHECK_EQ(pf_count, c0 + 3);
	TEST_CHECK_EQ(l4_get_status(fp(rsrc_pg, 12, 0)) & 7, 0); /* nothing derived any more */
}

/* ---- several fpages, bad fpages --------------------------------------------------- */

static char m_pg[10][PAGE] __attribute__((aligned(PAGE)));
#define MDST 0x5a000000ul

USER_TEST(many_fpages, "mdb.unmap.mrs", "ten fpages in one Unmap: MR8 and MR9 come from and go back to the UTCB")
{
	for (unsigned i = 0; i < 10; i++)
		touch_write(m_pg[i], (char)i);
	TEST_CHECK(map_local((l4_word_t)m_pg[9], MDST, 7));
	touch_read((void *)MDST);
	l4_fpage_t f[10];
	for (unsigned i = 0; i < 10; i++)
		f[i] = fp(m_pg[i], 12, 0);
	l4_unmap_fpages(10, f, 0);
	for (unsigned i = 0; i < 9; i++)
		TEST_CHECK_EQ(f[i], fp(m_pg[i], 12, 0));
	TEST_CHECK_EQ(l4_fpage_base(f[9]), (l4_word_t)m_pg[9]);
	TEST_CHECK(l4_was_referenced(f[9]));
	/* flush all ten: each faults once when touched again */
	for (unsigned i = 0; i < 10; i++)
		f[i] = fp(m_pg[i], 12, 7);
	l4_unmap_fpages(10, f, 1);
	unsigned long c0 = pf_count;
	for (unsigned i = 0; i < 10; i++)
		TEST_CHECK_EQ(m_pg[i][0], (char)i);
	TEST_CHECK_EQ(pf_count, c0 + 10);
	l4_flush(fp((void *)MDST, 12, 7));
}

USER_TEST(bad_fpages, "mdb.unmap.bad", "nil, tiny, huge and kernel-area fpages are answered without harm")
{
	static const l4_fpage_t bad[] = {
	    L4_NILPAGE,
	    (0x1000 & ~0x3fful) | (10u << 4) | 7, /* 1 KiB: below the page size */
	    (0x0000800000000000ul) | (12u << 4) | 7, /* beyond user space */
	    (0xffff800000000000ul) | (30u << 4) | 7, /* kernel half */
	    (0x0ul) | (63u << 4) | 0, /* 2^63 (status only) */
	    KIP_AREA | (12u << 4) | 7, /* our KIP: the kernel's page */
	    UTCB_AREA | (14u << 4) | 7, /* our UTCBs: the kernel's pages */
	};
#define ARRAY_LEN (sizeof bad / sizeof bad[0])
	l4_fpage_t f[ARRAY_LEN];
	for (unsigned i = 0; i < ARRAY_LEN; i++)
		f[i] = bad[i];
	l4_unmap_fpages(ARRAY_LEN, f, 1);
	for (unsigned i = 0; i < ARRAY_LEN; i++)
		TEST_CHECK_EQ(f[i], bad[i] & ~7ul);
	/* the KIP and our UTCB are still there */
	TEST_CHECK_EQ(__l4_kip->magic, L4_KIP_MAGIC);
	TEST_CHECK_EQ(l4_utcb()[L4_UTCB_MY_GLOBAL_ID], l4_myself());
	/* control words with every k: only MR0..MRk are touched */
	l4_word_t *mr = l4_utcb();
	for (unsigned i = 0; i < 64; i++)
		mr[i] = L4_NILPAGE | 7;
	l4_unmap(63 | 0x80); /* bit 7 is not defined: ignored */
	for (unsigned i = 0; i < 64; i++)
		TEST_CHECK_EQ(mr[i], 0);
}

/* ---- preemption between unmap steps -------------------------------------------------- */

static char long_buf[SUPER] __attribute__((aligned(SUPER)));
static volatile unsigned long spins;
static l4_word_t spin_stack[1024] __attribute__((aligned(16)));

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
	l4_threadid_t t = l4_global_id(l4_thread_no(server) + 2, 1);
	TEST_CHECK_EQ(l4_thread_control(t, server, server, server, UTCB_AREA + 2048), 1);
	l4_start_sp_ip(t, (l4_word_t)&spin_stack[1022], (l4_word_t)spinner);
	unsigned long calls = 0, s0 = spins;
	l4_clock_t t0 = l4_system_clock();
	while (l4_system_clock() - t0 < 200000) {
		l4_get_status(fp(long_buf, 21, 0));
		l4_unmap_fpage(fp(long_buf, 21, L4_WRITABLE)); /* nothing derived: changes nothing */
		calls++;
	}
	unsigned long s1 = spins;
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
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
	(void)*(volatile l4_word_t *)(UTCB_AREA + 0x8000 + 512); /* a UTCB page nobody uses */
	area_reader_done = 1;
	for (;;)
		l4_receive(L4_NILTHREAD);
}

USER_TEST(area_fault, "mdb.area.fault", "a touch of an unused UTCB slot is an exception, not a page fault to the pager")
{
	l4_threadid_t t = l4_global_id(l4_thread_no(server) + 3, 1);
	unsigned long a0 = area_faults;
	TEST_CHECK_EQ(l4_thread_control(t, server, server, server, UTCB_AREA + 4096), 1);
	l4_start_sp_ip(t, (l4_word_t)&spin_stack[1022], (l4_word_t)area_reader);
	l4_sleep(l4_time_period(20000));
	TEST_CHECK_EQ(area_reader_done, 0); /* halted at the read (no exception handler) */
	TEST_CHECK_EQ(area_faults, a0); /* the pager never heard of it */
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

static void tester_main(void) { test_run_all("mdb"); }

int main(void)
{
	printf("mdb suite: mappings, Unmap, Flush and access bits through the mapping database\n");
	server = l4_myself();
	tester = l4_global_id(l4_thread_no(server) + 1, 1);
	if (l4_thread_control(tester, server, server, server, UTCB_AREA + 1024) != 1) {
		printf("mdb suite: cannot create the tester thread\n");
		test_run_all("mdb");
	}
	l4_start_sp_ip(tester, (l4_word_t)&tester_stack[4094], (l4_word_t)tester_main);
	serve();
}
