/* SPDX-License-Identifier: MIT */
/* ThreadControl keeps an inactive thread's UTCB location until SpaceControl and a pager activate it (pingpong's way). */
#include <test.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include "x2.h"

#define LABEL_HELLO 0x71

static void hello_child(void)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, LABEL_HELLO);
	L4_MsgAppendWord(&msg, 0x1234);
	L4_MsgLoad(&msg);
	L4_Send(L4_Pager());
	sleep_forever();
}

/* Schedule with every word ~0 changes nothing and answers the thread's state. */
static L4_Word_t state_of(L4_ThreadId_t t)
{
	L4_Word_t old;
	return L4_Schedule(t, ~0ul, ~0ul, ~0ul, ~0ul, &old);
}

USER_TEST(activate_later, "x2.threadcontrol.activate_later",
	  "a thread created inactive with its UTCB location before SpaceControl is activated by a later ThreadControl "
	  "that gives only the pager (UtcbLocation -1)")
{
	L4_ThreadId_t me = L4_Myself(), c = new_tid();
	L4_Word_t utcb = UTCB_AREA + 1024, control;
	TEST_CHECK_EQ(L4_ThreadControl(c, c, me, L4_nilthread, (void *)utcb), 1); /* new space, no UTCB area yet */
	TEST_CHECK_EQ(
	    L4_SpaceControl(c, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread, &control), 1);
	TEST_CHECK_EQ(state_of(c), L4_SchedResult_Inactive); /* still inactive */
	TEST_CHECK_EQ(L4_ThreadControl(c, c, me, me, (void *)-1), 1); /* the pager: activates it */
	TEST_CHECK(state_of(c) > L4_SchedResult_Inactive); /* active: waits for its start message */
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendWord(&msg, (L4_Word_t)hello_child);
	L4_MsgAppendWord(&msg, new_stack());
	L4_MsgLoad(&msg);
	TEST_CHECK(!L4_IpcFailed(L4_Send(c)));
	unsigned faults = 0;
	L4_MsgTag_t tag = serve_child(c, &faults);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_HELLO);
	L4_Word_t w;
	L4_StoreMR(1, &w);
	TEST_CHECK_EQ(w, 0x1234);
	TEST_CHECK_EQ(L4_ThreadControl(c, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1), 1);
}
