/* SPDX-License-Identifier: MIT */
/* The X.2 suite's shared helpers (x2.h). */
#include <string.h>
#include "x2.h"

static unsigned next_thread = 1; /* thread numbers above ours, never reused */
static unsigned next_slot = 1; /* UTCB slots of our space (slot 0 is ours) */

l4_threadid_t new_tid(void) { return l4_global_id(l4_thread_no(L4_Myself()) + next_thread++, 1); }
l4_word_t new_utcb(void) { return UTCB_AREA + 1024 * next_slot++; }

#define STACK_WORDS 2048
static l4_word_t stacks[8][STACK_WORDS] __attribute__((aligned(16)));
static unsigned next_stack;
/* A stack whose pages are present: threads whose pager is not sigma0 must not fault on it. */
l4_word_t new_stack(void)
{
	l4_word_t *st = stacks[next_stack++ % 8];
	memset(st, 0, sizeof stacks[0]);
	return (l4_word_t)&st[STACK_WORDS - 2];
}

void sleep_forever(void)
{
	for (;;)
		L4_Receive(L4_Myself()); /* nobody sends to us from ourselves: the X.2 way to sleep */
}

void send_word(l4_threadid_t to, l4_word_t label, l4_word_t w)
{
	l4_utcb()[0] = l4_msgtag(label, 1, 0, 0);
	l4_utcb()[1] = w;
	L4_Send(to);
}

l4_threadid_t start_local(void (*fn)(void))
{
	l4_threadid_t t = new_tid();
	if (L4_ThreadControl(t, L4_Myself(), L4_Myself(), L4_Pager(), new_utcb()) != 1)
		return L4_NILTHREAD;
	L4_Start_SpIp(t, new_stack(), (l4_word_t)fn);
	return t;
}

l4_msgtag_t serve_child(l4_threadid_t child, unsigned *faults)
{
	l4_threadid_t from;
	l4_msgtag_t tag = L4_Receive(child);
	for (;;) {
		if (L4_IpcFailed(tag))
			return tag;
		if ((tag >> 20) != ((l4_word_t)-2 << 20) >> 20)
			return tag;
		l4_word_t addr = l4_utcb()[1] & ~0xfffull;
		(*faults)++;
		(void)*(volatile char *)addr; /* present in our space before we map it */
		l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
		l4_utcb()[1] = L4_MapItemWord0(addr);
		l4_utcb()[2] = l4_fpage_log2(addr, 12) | L4_FULLY_ACCESSIBLE;
		tag = L4_Ipc(child, child, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER), &from);
	}
}

l4_threadid_t start_child(void (*fn)(void), l4_threadid_t redirector)
{
	l4_threadid_t c = new_tid();
	if (L4_ThreadControl(c, c, L4_Myself(), L4_NILTHREAD, ~0ull) != 1 ||
	    L4_SpaceControl(c, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(UTCB_AREA, 14), redirector, NULL) != 1 ||
	    L4_ThreadControl(c, c, L4_Myself(), L4_Myself(), UTCB_AREA) != 1)
		return L4_NILTHREAD;
	l4_utcb()[0] = l4_msgtag(0, 2, 0, 0); /* the start message: IP, SP */
	l4_utcb()[1] = (l4_word_t)fn;
	l4_utcb()[2] = new_stack();
	return L4_IpcFailed(L4_Send(c)) ? L4_NILTHREAD : c;
}
