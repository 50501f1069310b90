/* SPDX-License-Identifier: MIT */
/* Page-fault IPC that ExchangeRegisters cancels: the thread faults again (l4test "Pagefault cancelled"). */
#include <test.h>
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/thread.h>
#include "x2.h"

#define LABEL_PF_REPORT 0x51
#define MARK 0x5a5a0000ull

static l4_threadid_t pf_main;
static volatile char pf_page[4096] __attribute__((aligned(4096)));

/* Loads MR1..MR40, touches the flushed page (its pager is pf_main), and reports
 * how many of those MRs survived the fault, the cancel and the retry. */
static void canceled_fault_thread(void)
{
	volatile l4_word_t *mr = l4_utcb();
	for (unsigned i = 1; i <= 40; i++)
		mr[i] = MARK + i;
	pf_page[8] = 0x42;
	l4_word_t kept = 0;
	for (unsigned i = 1; i <= 40; i++)
		kept += mr[i] == MARK + i;
	send_word(pf_main, LABEL_PF_REPORT, kept);
	sleep_forever();
}

static bool is_fault_at(l4_msgtag_t tag, l4_word_t addr)
{
	return !L4_IpcFailed(tag) && (tag >> 20) == ((l4_word_t)-2 << 20) >> 20 && L4_TAG_U(tag) == 2 &&
	       l4_utcb()[1] == addr;
}

USER_TEST(pagefault_canceled, "x2.pagefault.canceled",
	  "ExchangeRegisters cancels a thread's page-fault IPC: the thread re-executes the access and faults again")
{
	pf_main = L4_Myself();
	pf_page[0] = 1; /* present in our space ... */
	L4_Flush(l4_fpage_log2((l4_word_t)pf_page, 12) | L4_FULLY_ACCESSIBLE); /* ... and flushed again */
	l4_threadid_t t = new_tid(); /* a thread of our space whose pager is us */
	TEST_CHECK_EQ(L4_ThreadControl(t, pf_main, pf_main, pf_main, new_utcb()), 1);
	L4_Start_SpIp(t, new_stack(), (l4_word_t)canceled_fault_thread);
	l4_msgtag_t tag = L4_Receive(t);
	TEST_CHECK(is_fault_at(tag, (l4_word_t)&pf_page[8]));
	/* abort its receive and send: the fault IPC ends with "canceled" */
	L4_ExchangeRegisters(t, 0x6, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
	tag = L4_Receive_Timeout(t, L4_TimePeriod(200000));
	TEST_CHECK(is_fault_at(tag, (l4_word_t)&pf_page[8])); /* the same access faults again */
	(void)pf_page[8]; /* present in our space again: the reply needs no map item */
	l4_utcb()[0] = 0;
	tag = L4_Ipc(t, t, L4_TIMEOUTS(L4_ZERO_TIME, L4_TimePeriod(200000)), &(l4_threadid_t){0});
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_PF_REPORT);
	TEST_CHECK_EQ(l4_utcb()[1], 40); /* its MRs survived */
	TEST_CHECK_EQ(pf_page[8], 0x42);
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}
