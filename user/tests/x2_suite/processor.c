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
	l4_word_t r = l4_processor_control(0, 0, 0, 0);
	l4_utcb()[0] = l4_msgtag(LABEL_DONE, 2, 0, 0);
	l4_utcb()[1] = r;
	l4_utcb()[2] = r ? 0 : L4_ErrorCode();
	l4_send(l4_pager());
	sleep_forever();
}

USER_TEST(
    processor_control, "x2.processorcontrol",
    "ProcessorControl accepts processor 0 from the root task, refuses processor 1 and ~0 with 'invalid parameter' "
    "and an unprivileged space with 'no privilege'")
{
	TEST_CHECK_EQ(l4_processor_control(0, 0, 0, 0), 1);
	TEST_CHECK_EQ(l4_processor_control(0, 1000, 100, 1), 1); /* frequencies and voltage: accepted, not applied */
	l4_utcb()[L4_UTCB_ERROR_CODE] = 0;
	TEST_CHECK_EQ(l4_processor_control(1, 0, 0, 0), 0); /* one processor */
	TEST_CHECK_EQ(L4_ErrorCode(), 5); /* invalid parameter */
	l4_utcb()[L4_UTCB_ERROR_CODE] = 0;
	TEST_CHECK_EQ(l4_processor_control(~0ull, 0, 0, 0), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	l4_threadid_t c = start_child(unprivileged_processor_control, L4_NILTHREAD);
	TEST_CHECK(c != L4_NILTHREAD);
	unsigned faults = 0;
	l4_msgtag_t tag = serve_child(c, &faults);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_DONE);
	TEST_CHECK_EQ(l4_utcb()[1], 0); /* refused... */
	TEST_CHECK_EQ(l4_utcb()[2], 1); /* ...with "no privilege" */
	TEST_CHECK_EQ(l4_thread_control(c, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}
