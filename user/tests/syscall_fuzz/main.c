/* SPDX-License-Identifier: MIT */
/* The seeded system-call fuzzer's root task: builds the fuzzer's and the victims' spaces, pages them, judges the run. */
#include <test.h>
#include <string.h>
#include <task.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/sigma0.h>
#include "fuzz.h"

/* Defaults, overridden by words of our module string: seed=N calls=N every=N
 * trace=FROM-TO (print every call in [FROM, TO)) crashes=N (random IPs and pagers
 * the fuzzer may give its own-space victim). */
#define DEFAULT_SEED 0x6d6e656d6f2d315ull
#define DEFAULT_CALLS 1000000ull
#define DEFAULT_EVERY 100000ull
#define DEFAULT_CRASHES 4
#define WATCHDOG_S 30 /* no call finished for this long: a hang */

struct fuzz_shared fz;

static unsigned next_thread = 1;
static l4_threadid_t new_tid(void) { return l4_global_id(l4_thread_no(l4_myself()) + next_thread++, 1); }

#define STACK_WORDS 8192
static l4_word_t fuzzer_stack[STACK_WORDS] __attribute__((aligned(16)));
static l4_word_t echo_stack[STACK_WORDS / 4] __attribute__((aligned(16)));
static l4_word_t lazy_stack[STACK_WORDS / 4] __attribute__((aligned(16)));
static l4_word_t helper_stack[STACK_WORDS / 4] __attribute__((aligned(16)));
#define TOP(s) ((l4_word_t) & (s)[sizeof(s) / sizeof((s)[0]) - 2])

/* Mapped wherever a page fault hits outside the image: the fuzzer's random
 * addresses all see this one zero page (nobody writes it). */
static char scratch_page[4096] __attribute__((aligned(4096)));

/* ---- the module string ------------------------------------------------------------- */

static l4_word_t parse_number(const char *s, const char **end)
{
	l4_word_t v = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, base = 16;
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f'))
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			break;
		v = v * base + d;
	}
	*end = s;
	return v;
}

static void parse_options(const char *c)
{
	fz.seed = DEFAULT_SEED;
	fz.calls = DEFAULT_CALLS;
	fz.report_every = DEFAULT_EVERY;
	fz.crash_budget = DEFAULT_CRASHES;
	for (const char *p = c; *p; p++) {
		if (p != c && p[-1] != ' ')
			continue;
		const char *e;
		if (!strncmp(p, "seed=", 5))
			fz.seed = parse_number(p + 5, &e);
		else if (!strncmp(p, "calls=", 6))
			fz.calls = parse_number(p + 6, &e);
		else if (!strncmp(p, "every=", 6))
			fz.report_every = parse_number(p + 6, &e);
		else if (!strncmp(p, "crashes=", 8))
			fz.crash_budget = parse_number(p + 8, &e);
		else if (!strncmp(p, "trace=", 6)) {
			fz.trace_from = parse_number(p + 6, &e);
			fz.trace_to = *e == '-' ? parse_number(e + 1, &e) : fz.trace_from + 1;
		}
	}
	if (!fz.seed)
		fz.seed = DEFAULT_SEED; /* xorshift's one fixed point */
	if (!fz.report_every)
		fz.report_every = DEFAULT_EVERY;
}

/* ---- spaces and threads ------------------------------------------------------------- */

static bool new_space(l4_threadid_t t)
{
	return l4_thread_control(t, t, l4_myself(), L4_NILTHREAD, ~0ull) == 1 &&
	       l4_space_control(t, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(UTCB_AREA, UTCB_AREA_LOG2),
				L4_NILTHREAD, NULL) == 1 &&
	       l4_thread_control(t, t, l4_myself(), l4_myself(), UTCB_AREA) == 1;
}

static bool add_thread(l4_threadid_t t, l4_threadid_t space, unsigned slot)
{
	return l4_thread_control(t, space, l4_myself(), l4_myself(), UTCB_AREA + 1024 * slot) == 1;
}

/* The start message (ABI §10.2): exactly IP and SP. */
static bool start(l4_threadid_t t, void (*fn)(void), l4_word_t sp)
{
	l4_utcb()[0] = l4_msgtag(0, 2, 0, 0);
	l4_utcb()[1] = (l4_word_t)fn;
	l4_utcb()[2] = sp;
	return !l4_ipc_failed(l4_send_timeout(t, l4_time_period(1000000)));
}

static bool delete_thread(l4_threadid_t t)
{
	return l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull) == 1;
}

/* ---- the pager ---------------------------------------------------------------------------- */

static bool ours(l4_threadid_t t) { return t == fz.fuzzer || t == fz.local_victim || t == fz.echo || t == fz.lazy; }

/* Answers one page fault of one of our threads: the image with our own page, the
 * UTCB and KIP areas (the kernel's, never faulted on legitimately) not at all,
 * anything else with the scratch page. Returns whether a reply was sent. */
static bool answer_fault(l4_threadid_t from, l4_word_t addr, l4_word_t ip)
{
	l4_word_t page = addr & ~0xfffull, src;
	fz.faults++;
	if (page >= IMAGE_START && page < IMAGE_END) {
		src = page;
		(void)*(volatile char *)src; /* present in our space before we map it */
	} else if ((page >= UTCB_AREA && page < UTCB_AREA + (1ull << UTCB_AREA_LOG2)) || page == KIP_AREA) {
		/* Only the kernel maps there. A fault from kernel code (reading a local
		 * ID's UTCB word) is answered like any other, once reported. */
		if (fz.refused_faults++ < 2)
			printf("fuzz: thread %llx faults in the UTCB or KIP area at %#llx, ip %#llx (call %llu)\n",
			       (unsigned long long)from, (unsigned long long)addr, (unsigned long long)ip,
			       (unsigned long long)fz.index);
		fz.last_refused = addr;
		if (ip < 0xffff800000000000ull)
			return false;
		src = (l4_word_t)scratch_page;
		(void)*(volatile char *)src;
	} else {
		fz.foreign_faults++;
		src = (l4_word_t)scratch_page;
		(void)*(volatile char *)src;
	}
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0, 0, 2, 0);
	mr[1] = l4_map_item_word0(page);
	mr[2] = l4_fpage_log2(src, 12) | L4_FULLY_ACCESSIBLE;
	l4_ipc(from, L4_NILTHREAD, L4_TIMEOUTS(L4_ZERO_TIME, 0), NULL);
	return true;
}

static void print_progress(l4_word_t done, l4_clock_t t0)
{
	l4_word_t us = l4_system_clock() - t0;
	printf("fuzz: %llu calls, %llu s, %llu calls/s\n", (unsigned long long)done, (unsigned long long)(us / 1000000),
	       (unsigned long long)(us ? done * 1000000 / us : 0));
}

static void print_state(void)
{
	printf("fuzz: at call %llu (%s); faults %llu (outside the image %llu, refused %llu, last refused %#llx)\n",
	       (unsigned long long)fz.index, fz.op < OP_COUNT ? fuzz_op_names[fz.op] : "?",
	       (unsigned long long)fz.faults, (unsigned long long)fz.foreign_faults,
	       (unsigned long long)fz.refused_faults, (unsigned long long)fz.last_refused);
}

/* Pages our threads and follows the fuzzer until it reports its last call.
 * Returns false on a hang (no call finished for WATCHDOG_S seconds). */
static bool run_campaign(void)
{
	l4_clock_t t0 = l4_system_clock(), last_move = t0;
	l4_word_t last_index = 0, last_fault_addr = ~0ull, same_fault = 0;
	l4_threadid_t last_fault_from = 0;
	for (;;) {
		l4_threadid_t from;
		l4_accept(L4_NILPAGE); /* the fuzzer's map items must not reach our space */
		l4_msgtag_t tag = l4_ipc(L4_NILTHREAD, L4_ANYTHREAD, L4_TIMEOUTS(0, l4_time_period(1000000)), &from);
		l4_clock_t now = l4_system_clock();
		if (fz.index != last_index) {
			last_index = fz.index;
			last_move = now;
		} else if (now - last_move > WATCHDOG_S * 1000000ull) {
			printf("fuzz: no progress for %u s\n", WATCHDOG_S);
			print_state();
			return false;
		}
		if (l4_ipc_failed(tag) || !ours(from))
			continue;
		l4_word_t *mr = l4_utcb();
		if ((tag >> 20) == ((l4_word_t)-2 << 20) >> 20 && L4_TAG_U(tag) == 2 && L4_TAG_T(tag) == 0) {
			/* a page fault (or the fuzzer's imitation of one) */
			if (from == last_fault_from && mr[1] == last_fault_addr) {
				if (++same_fault == 10000) {
					printf("fuzz: thread %llx faults at %#llx over and over (ip %#llx)\n",
					       (unsigned long long)from, (unsigned long long)mr[1],
					       (unsigned long long)mr[2]);
					print_state();
				}
			} else {
				same_fault = 0;
				last_fault_from = from;
				last_fault_addr = mr[1];
			}
			answer_fault(from, mr[1], mr[2]);
		} else if (from == fz.fuzzer && L4_TAG_LABEL(tag) == LABEL_PROGRESS && L4_TAG_U(tag) == 1) {
			print_progress(mr[1], t0);
		} else if (from == fz.fuzzer && L4_TAG_LABEL(tag) == LABEL_DONE && L4_TAG_U(tag) == 1) {
			fz.index = mr[1];
			print_progress(mr[1], t0);
			return true;
		}
		/* anything else is the fuzzer's noise: no answer */
	}
}

/* ---- the test ----------------------------------------------------------------------------------- */

static l4_threadid_t main_tid;
static void helper_thread(void)
{
	l4_utcb()[0] = l4_msgtag(LABEL_SANITY, 1, 0, 0);
	l4_utcb()[1] = 0x5a5a;
	l4_send(main_tid);
	for (;;)
		l4_receive(l4_myself()); /* never comes */
}

const char *const fuzz_op_names[OP_COUNT] = {
    [OP_IPC] = "ipc",
    [OP_LIPC] = "lipc",
    [OP_CALL_VICTIM] = "call-victim",
    [OP_UNMAP] = "unmap",
    [OP_EXREGS] = "exregs",
    [OP_EXREGS_SELF] = "exregs-self",
    [OP_SELF_JUMP] = "exregs-self-ip",
    [OP_THREAD_CONTROL] = "threadcontrol",
    [OP_SPACE_CONTROL] = "spacecontrol",
    [OP_SCHEDULE] = "schedule",
    [OP_PROCESSOR_CONTROL] = "processorcontrol",
    [OP_MEMORY_CONTROL] = "memorycontrol",
    [OP_THREAD_SWITCH] = "threadswitch",
    [OP_SYSTEM_CLOCK] = "systemclock",
    [OP_KERNEL_INTERFACE] = "kernelinterface",
    [OP_KDB] = "kdb",
    [OP_UTCB_GARBAGE] = "utcb-garbage",
    [OP_RAW] = "raw",
};

USER_TEST(campaign, "fuzz.syscalls",
	  "an unprivileged task makes N seeded random X.2 calls; the kernel survives and still works")
{
	main_tid = l4_myself();
	fz.root = l4_myself();
	fz.sigma0 = l4_sigma0_id();
	fz.fuzzer = new_tid();
	fz.local_victim = new_tid();
	fz.echo = new_tid();
	fz.lazy = new_tid();
	printf("fuzz: seed=%#llx calls=%llu (threads: fuzzer %llx, its victim %llx, echo %llx, lazy %llx)\n",
	       (unsigned long long)fz.seed, (unsigned long long)fz.calls, (unsigned long long)fz.fuzzer,
	       (unsigned long long)fz.local_victim, (unsigned long long)fz.echo, (unsigned long long)fz.lazy);

	TEST_CHECK(new_space(fz.fuzzer));
	TEST_CHECK(add_thread(fz.local_victim, fz.fuzzer, 1));
	TEST_CHECK(new_space(fz.echo));
	TEST_CHECK(add_thread(fz.lazy, fz.echo, 1));
	TEST_CHECK(start(fz.echo, echo_main, TOP(echo_stack)));
	TEST_CHECK(start(fz.lazy, lazy_main, TOP(lazy_stack)));
	TEST_CHECK(start(fz.local_victim, local_victim_main, local_victim_stack_top()));
	TEST_CHECK(start(fz.fuzzer, fuzzer_main, TOP(fuzzer_stack)));

	bool finished = run_campaign();
	printf("fuzz: calls by kind:");
	for (unsigned i = 0; i < OP_COUNT; i++)
		printf(" %s %llu (%llu ms)", fuzz_op_names[i], (unsigned long long)fz.op_count[i],
		       (unsigned long long)fz.op_time_us[i] / 1000);
	printf("\nfuzz: ipc ok %llu failed %llu, map/grant items sent %llu, victim restarts %llu (crashed on purpose "
	       "%llu), "
	       "self-jumps %llu, echo replies %llu, lazy rounds %llu, faults %llu\n",
	       (unsigned long long)fz.ipc_ok, (unsigned long long)fz.ipc_err, (unsigned long long)fz.map_items,
	       (unsigned long long)fz.victim_restarts, (unsigned long long)fz.victim_crashes,
	       (unsigned long long)fz.self_jumps, (unsigned long long)fz.echo_replies,
	       (unsigned long long)fz.lazy_rounds, (unsigned long long)fz.faults);
	for (unsigned i = 0; i < fz.findings && i < MAX_FINDINGS; i++)
		printf("fuzz: FINDING at call %llu (%s): %s\n", (unsigned long long)fz.finding[i].index,
		       fuzz_op_names[fz.finding[i].op], fz.finding[i].text);
	TEST_CHECK(finished);
	TEST_CHECK_EQ(fz.index, fz.calls);
	TEST_CHECK_EQ(fz.findings, 0);

	/* The kernel still works: the echo thread answers a call... */
	l4_utcb()[0] = l4_msgtag(LABEL_SANITY, 1, 0, 0);
	l4_utcb()[1] = 41;
	l4_accept(L4_NILPAGE);
	l4_msgtag_t tag = l4_ipc(fz.echo, fz.echo, L4_TIMEOUTS(l4_time_period(1000000), l4_time_period(1000000)), NULL);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_SANITY);
	TEST_CHECK_EQ(l4_utcb()[1], 42);
	/* ...every thread and both spaces go away... */
	TEST_CHECK(delete_thread(fz.fuzzer));
	TEST_CHECK(delete_thread(fz.local_victim));
	TEST_CHECK(delete_thread(fz.lazy));
	TEST_CHECK(delete_thread(fz.echo));
	/* ...and a new thread starts and talks to us. */
	l4_threadid_t h = new_tid();
	TEST_CHECK_EQ(l4_thread_control(h, l4_myself(), l4_myself(), l4_pager(), UTCB_AREA + 1024), 1);
	l4_start_sp_ip(h, TOP(helper_stack), (l4_word_t)helper_thread);
	tag = l4_receive_timeout(h, l4_time_period(1000000));
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], 0x5a5a);
	TEST_CHECK(delete_thread(h));
}

int main(void)
{
	parse_options(task_module_cmdline("syscall_fuzz"));
	printf("syscall fuzz: an unprivileged task issues random X.2 calls\n");
	test_run_all("fuzz");
}
