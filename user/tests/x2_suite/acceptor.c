/* SPDX-License-Identifier: MIT */
/* Map items to a receiver that accepts no mappings: "message overflow" on both sides, as on Pistachio. */
#include <test.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include "x2.h"

#define LABEL_MAP_RESULT 0x61

static l4_threadid_t acc_main;
static volatile char acc_page[4096] __attribute__((aligned(4096)));

/* Sends a map item of acc_page to acc_main, then reports its own error word. */
static void mapping_sender(void)
{
	acc_page[0] = 1; /* present */
	volatile l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0x60, 0, 2, 0);
	mr[1] = L4_MapItemWord0((l4_word_t)acc_page);
	mr[2] = l4_fpage_log2((l4_word_t)acc_page, 12) | L4_FULLY_ACCESSIBLE;
	l4_msgtag_t tag = L4_Send(acc_main);
	send_word(acc_main, LABEL_MAP_RESULT, L4_IpcFailed(tag) ? L4_ErrorCode() : 0);
	sleep_forever();
}

USER_TEST(map_nil_window, "x2.ipc.map_nil_window",
	  "a map item to a receiver whose acceptor has no receive window fails both sides with 'message overflow' at 0")
{
	acc_main = L4_Myself();
	l4_threadid_t t = start_local(mapping_sender);
	TEST_CHECK(t != L4_NILTHREAD);
	L4_Accept(L4_NILPAGE); /* untyped words only */
	l4_msgtag_t tag = L4_Receive(t);
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (4 << 1) | 1); /* overflow, receive phase, offset 0 */
	tag = L4_Receive(t);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_MAP_RESULT);
	TEST_CHECK_EQ(l4_utcb()[1], 4 << 1); /* overflow, send phase */
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}
