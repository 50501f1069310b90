/* SPDX-License-Identifier: MIT */
/* ThreadControl keeps an inactive thread's UTCB location until SpaceControl and a pager activate it (pingpong's way). */
#include <test.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include "x2.h"

#define LABEL_HELLO 0x71

static void hello_child(void)
{
	l4_utcb()[0] = l4_msgtag(LABEL_HELLO, 1, 0, 0);
	l4_utcb()[1] = 0x1234;
	L4_Send(L4_Pager());
	sleep_forever();
}

USER_TEST(activate_later, "x2.threadcontrol.activate_later",
	  "a thread created inactive with its UTCB location before SpaceControl is activated by a later ThreadControl "
	  "that gives only the pager (UtcbLocation -1)")
{
	l4_threadid_t me = L4_Myself(), c = new_tid();
	l4_word_t utcb = UTCB_AREA + 1024;
	TEST_CHECK_EQ(L4_ThreadControl(c, c, me, L4_NILTHREAD, utcb), 1); /* new space, no UTCB area yet */
	TEST_CHECK_EQ(
	    L4_SpaceControl(c, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(UTCB_AREA, 14), L4_NILTHREAD, NULL), 1);
	TEST_CHECK_EQ(L4_Schedule(c, ~0ull, ~0ull, ~0ull, ~0ull, NULL), 2); /* still inactive */
	TEST_CHECK_EQ(L4_ThreadControl(c, c, me, me, ~0ull), 1); /* the pager: activates it */
	TEST_CHECK(L4_Schedule(c, ~0ull, ~0ull, ~0ull, ~0ull, NULL) > 2); /* active: waits for its start message */
	l4_utcb()[0] = l4_msgtag(0, 2, 0, 0);
	l4_utcb()[1] = (l4_word_t)hello_child;
	l4_utcb()[2] = new_stack();
	TEST_CHECK(!L4_IpcFailed(L4_Send(c)));
	unsigned faults = 0;
	l4_msgtag_t tag = serve_child(c, &faults);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_HELLO);
	TEST_CHECK_EQ(l4_utcb()[1], 0x1234);
	TEST_CHECK_EQ(L4_ThreadControl(c, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}
