/* SPDX-License-Identifier: MIT */
/* The X.2 suite's shared helpers (x2.h). */
#include <string.h>
#include "x2.h"

static unsigned next_thread = 1; /* thread numbers above ours, never reused */
static unsigned next_slot = 1; /* UTCB slots of our space (slot 0 is ours) */

l4_threadid_t new_tid(void) { return l4_global_id(l4_thread_no(l4_myself()) + next_thread++, 1); }
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
		l4_receive(l4_myself()); /* nobody sends to us from ourselves: the X.2 way to sleep */
}

void send_word(l4_threadid_t to, l4_word_t label, l4_word_t w)
{
	l4_utcb()[0] = l4_msgtag(label, 1, 0, 0);
	l4_utcb()[1] = w;
	l4_send(to);
}

l4_threadid_t start_local(void (*fn)(void))
{
	l4_threadid_t t = new_tid();
	if (l4_thread_control(t, l4_myself(), l4_myself(), l4_pager(), new_utcb()) != 1)
		return L4_NILTHREAD;
	l4_start_sp_ip(t, new_stack(), (l4_word_t)fn);
	return t;
}

l4_msgtag_t serve_child(l4_threadid_t child, unsigned *faults)
{
	l4_threadid_t from;
	l4_msgtag_t tag = l4_receive(child);
	for (;;) {
		if (l4_ipc_failed(tag))
			return tag;
		if ((tag >> 20) != ((l4_word_t)-2 << 20) >> 20)
			return tag;
		l4_word_t addr = l4_utcb()[1] & ~0xfffull;
		(*faults)++;
		(void)*(volatile char *)addr; /* present in our space before we map it */
		l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
		l4_utcb()[1] = l4_map_item_word0(addr);
		l4_utcb()[2] = l4_fpage_log2(addr, 12) | L4_FULLY_ACCESSIBLE;
		tag = l4_ipc(child, child, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER), &from);
	}
}

l4_threadid_t start_child(void (*fn)(void), l4_threadid_t redirector)
{
	l4_threadid_t c = new_tid();
	if (l4_thread_control(c, c, l4_myself(), L4_NILTHREAD, ~0ull) != 1 ||
	    l4_space_control(c, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(UTCB_AREA, 14), redirector, NULL) != 1 ||
	    l4_thread_control(c, c, l4_myself(), l4_myself(), UTCB_AREA) != 1)
		return L4_NILTHREAD;
	l4_utcb()[0] = l4_msgtag(0, 2, 0, 0); /* the start message: IP, SP */
	l4_utcb()[1] = (l4_word_t)fn;
	l4_utcb()[2] = new_stack();
	return l4_ipc_failed(l4_send(c)) ? L4_NILTHREAD : c;
}

l4_word_t thread_state_of(l4_threadid_t t)
{
	l4_word_t control = 0;
	l4_exchange_registers(t, 0, 0, 0, 0, 0, L4_NILTHREAD, &control, NULL, NULL, NULL, NULL, NULL);
	return control;
}

bool wait_state(l4_threadid_t t, l4_word_t bits)
{
	for (int i = 0; i < 100000; i++) {
		if ((thread_state_of(t) & bits) == bits)
			return true;
		l4_thread_switch(t);
	}
	return false;
}
