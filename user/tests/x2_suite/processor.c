/* SPDX-License-Identifier: MIT */
/* ProcessorControl (X.2 §"ProcessorControl"): processor 0 from a privileged space; X.2 error codes for the rest. */
#include <test.h>
#include <l4/ipc.h>
#include <l4/misc.h>
#include <l4/thread.h>
#include "x2.h"

/* In an unprivileged space: ProcessorControl on processor 0, then report. */
static void unprivileged_processor_control(void)
{
	L4_Word_t r = L4_ProcessorControl(0, 0, 0, 0);
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, LABEL_DONE);
	L4_MsgAppendWord(&msg, r);
	L4_MsgAppendWord(&msg, r ? 0 : L4_ErrorCode());
	L4_MsgLoad(&msg);
	L4_Send(L4_Pager());
	sleep_forever();
}

/* X.2 has no call that writes the ErrorCode TCR: clearing it (so that the code read
 * after a refused call is that call's) is a raw UTCB write, the one scalar use here. */
static void clear_error_code(void) { l4_utcb()[L4_UTCB_ERROR_CODE] = 0; }

USER_TEST(
    processor_control, "x2.processorcontrol",
    "ProcessorControl accepts processor 0 from the root task, refuses processor 1 and ~0 with 'invalid parameter' "
    "and an unprivileged space with 'no privilege'")
{
	TEST_CHECK_EQ(L4_ProcessorControl(0, 0, 0, 0), 1);
	TEST_CHECK_EQ(L4_ProcessorControl(0, 1000, 100, 1), 1); /* frequencies and voltage: accepted, not applied */
	clear_error_code();
	TEST_CHECK_EQ(L4_ProcessorControl(1, 0, 0, 0), 0); /* one processor */
	TEST_CHECK_EQ(L4_ErrorCode(), 5); /* invalid parameter */
	clear_error_code();
	TEST_CHECK_EQ(L4_ProcessorControl(~0ull, 0, 0, 0), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	L4_ThreadId_t c = start_child(unprivileged_processor_control, L4_nilthread);
	TEST_CHECK(!L4_IsNilThread(c));
	unsigned faults = 0;
	L4_MsgTag_t tag = serve_child(c, &faults);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_DONE);
	L4_Word_t result, code;
	L4_StoreMR(1, &result);
	L4_StoreMR(2, &code);
	TEST_CHECK_EQ(result, 0); /* refused... */
	TEST_CHECK_EQ(code, 1); /* ...with "no privilege" */
	TEST_CHECK_EQ(L4_ThreadControl(c, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull), 1);
}
