/* SPDX-License-Identifier: MIT */
/* Map items to a receiver that accepts no mappings: "message overflow" on both sides, as on Pistachio. */
#include <test.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include "x2.h"

#define LABEL_MAP_RESULT 0x61

static L4_ThreadId_t acc_main;
static volatile char acc_page[4096] __attribute__((aligned(4096)));

/* Sends a map item of acc_page to acc_main, then reports its own error word. */
static void mapping_sender(void)
{
	acc_page[0] = 1; /* present */
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, 0x60);
	L4_MsgAppendMapItem(&msg,
			    L4_MapItem(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)acc_page, 12), L4_FullyAccessible),
				       (L4_Word_t)acc_page));
	L4_MsgLoad(&msg);
	L4_MsgTag_t tag = L4_Send(acc_main);
	send_word(acc_main, LABEL_MAP_RESULT, L4_IpcFailed(tag) ? L4_ErrorCode() : 0);
	sleep_forever();
}

USER_TEST(map_nil_window, "x2.ipc.map_nil_window",
	  "a map item to a receiver whose acceptor has no receive window fails both sides with 'message overflow' at 0")
{
	acc_main = L4_Myself();
	L4_ThreadId_t t = start_local(mapping_sender);
	TEST_CHECK(!L4_IsNilThread(t));
	L4_Accept(L4_UntypedWordsAcceptor); /* untyped words only */
	L4_MsgTag_t tag = L4_Receive(t);
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (4 << 1) | 1); /* overflow, receive phase, offset 0 */
	tag = L4_Receive(t);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_MAP_RESULT);
	L4_Word_t err;
	L4_StoreMR(1, &err);
	TEST_CHECK_EQ(err, 4 << 1); /* overflow, send phase */
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1), 1);
}
