/* SPDX-License-Identifier: MIT */
/* Page-fault IPC that ExchangeRegisters cancels: the thread faults again (l4test "Pagefault cancelled"). */
#include <test.h>
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/thread.h>
#include "x2.h"

#define LABEL_PF_REPORT 0x51
#define MARK 0x5a5a0000ull

static L4_ThreadId_t pf_main;
static volatile char pf_page[4096] __attribute__((aligned(4096)));

/* Loads MR1..MR40, touches the flushed page (its pager is pf_main), and reports
 * how many of those MRs survived the fault, the cancel and the retry. */
static void canceled_fault_thread(void)
{
	for (int i = 1; i <= 40; i++)
		L4_LoadMR(i, MARK + (L4_Word_t)i);
	pf_page[8] = 0x42;
	L4_Word_t kept = 0, w;
	for (int i = 1; i <= 40; i++) {
		L4_StoreMR(i, &w);
		kept += w == MARK + (L4_Word_t)i;
	}
	send_word(pf_main, LABEL_PF_REPORT, kept);
	sleep_forever();
}

static bool is_fault_at(L4_MsgTag_t tag, L4_Word_t addr)
{
	L4_Word_t mr1;
	L4_StoreMR(1, &mr1);
	return !L4_IpcFailed(tag) && msg_is_pagefault(tag) && L4_UntypedWords(tag) == 2 && mr1 == addr;
}

USER_TEST(pagefault_canceled, "x2.pagefault.canceled",
	  "ExchangeRegisters cancels a thread's page-fault IPC: the thread re-executes the access and faults again")
{
	pf_main = L4_Myself();
	pf_page[0] = 1; /* present in our space ... */
	L4_Flush(
	    L4_FpageAddRights(L4_FpageLog2((L4_Word_t)pf_page, 12), L4_FullyAccessible)); /* ... and flushed again */
	L4_ThreadId_t t = new_tid(); /* a thread of our space whose pager is us */
	TEST_CHECK_EQ(L4_ThreadControl(t, pf_main, pf_main, pf_main, (void *)new_utcb()), 1);
	L4_Start_SpIp(t, new_stack(), (L4_Word_t)canceled_fault_thread);
	L4_MsgTag_t tag = L4_Receive(t);
	TEST_CHECK(is_fault_at(tag, (L4_Word_t)&pf_page[8]));
	/* abort its receive and send: the fault IPC ends with "canceled" */
	L4_ExchangeRegisters(t, 0x6, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
	tag = L4_Receive_Timeout(t, L4_TimePeriod(200000));
	TEST_CHECK(is_fault_at(tag, (L4_Word_t)&pf_page[8])); /* the same access faults again */
	(void)pf_page[8]; /* present in our space again: the reply needs no map item */
	L4_Set_MsgTag(L4_Niltag);
	L4_ThreadId_t from;
	tag = L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, L4_TimePeriod(200000)), &from);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_PF_REPORT);
	L4_Word_t kept;
	L4_StoreMR(1, &kept);
	TEST_CHECK_EQ(kept, 40); /* its MRs survived */
	TEST_CHECK_EQ(pf_page[8], 0x42);
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1), 1);
}
