/* SPDX-License-Identifier: MIT */
/* The X.2 suite's shared helpers (x2.h), written with the X.2 convenience interface. */
#include <string.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include "x2.h"

static unsigned next_thread = 1; /* thread numbers above ours, never reused */
static unsigned next_slot = 1; /* UTCB slots of our space (slot 0 is ours) */

L4_ThreadId_t new_tid(void) { return L4_GlobalId(L4_ThreadNo(L4_Myself()) + next_thread++, 1); }
L4_Word_t new_utcb(void) { return UTCB_AREA + 1024 * next_slot++; }

#define STACK_WORDS 2048
static L4_Word_t stacks[8][STACK_WORDS] __attribute__((aligned(16)));
static unsigned next_stack;
/* A stack whose pages are present: threads whose pager is not sigma0 must not fault on it. */
L4_Word_t new_stack(void)
{
	L4_Word_t *st = stacks[next_stack++ % 8];
	memset(st, 0, sizeof stacks[0]);
	return (L4_Word_t)&st[STACK_WORDS - 2];
}

void sleep_forever(void)
{
	for (;;)
		L4_Receive(L4_Myself()); /* nobody sends to us from ourselves: the X.2 way to sleep */
}

void send_word(L4_ThreadId_t to, L4_Word_t label, L4_Word_t w)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, label);
	L4_MsgAppendWord(&msg, w);
	L4_MsgLoad(&msg);
	L4_Send(to);
}

L4_ThreadId_t start_local(void (*fn)(void))
{
	L4_ThreadId_t t = new_tid();
	if (L4_ThreadControl(t, L4_Myself(), L4_Myself(), L4_Pager(), (void *)new_utcb()) != 1)
		return L4_nilthread;
	L4_Start_SpIp(t, new_stack(), (L4_Word_t)fn);
	return t;
}

L4_MsgTag_t serve_child(L4_ThreadId_t child, unsigned *faults)
{
	L4_ThreadId_t from;
	L4_MsgTag_t tag = L4_Receive(child);
	for (;;) {
		if (L4_IpcFailed(tag))
			return tag;
		if (!msg_is_pagefault(tag))
			return tag;
		L4_Word_t fault;
		L4_StoreMR(1, &fault);
		L4_Word_t addr = fault & ~0xfffull;
		(*faults)++;
		(void)*(volatile char *)addr; /* present in our space before we map it */
		L4_Msg_t msg;
		L4_MsgClear(&msg);
		L4_MsgAppendMapItem(&msg,
				    L4_MapItem(L4_FpageAddRights(L4_FpageLog2(addr, 12), L4_FullyAccessible), addr));
		L4_MsgLoad(&msg);
		tag = L4_Ipc(child, child, L4_Timeouts(L4_ZeroTime, L4_Never), &from);
	}
}

L4_ThreadId_t start_child(void (*fn)(void), L4_ThreadId_t redirector)
{
	L4_ThreadId_t c = new_tid();
	if (L4_ThreadControl(c, c, L4_Myself(), L4_nilthread, (void *)~0ull) != 1 ||
	    L4_SpaceControl(c, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), redirector, NULL) != 1 ||
	    L4_ThreadControl(c, c, L4_Myself(), L4_Myself(), (void *)UTCB_AREA) != 1)
		return L4_nilthread;
	L4_Msg_t msg; /* the start message: IP, SP */
	L4_MsgClear(&msg);
	L4_MsgAppendWord(&msg, (L4_Word_t)fn);
	L4_MsgAppendWord(&msg, new_stack());
	L4_MsgLoad(&msg);
	return L4_IpcFailed(L4_Send(c)) ? L4_nilthread : c;
}

L4_Word_t thread_state_of(L4_ThreadId_t t)
{
	L4_Word_t control = 0;
	L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, &control, NULL, NULL, NULL, NULL, NULL);
	return control;
}

bool wait_state(L4_ThreadId_t t, L4_Word_t bits)
{
	for (int i = 0; i < 100000; i++) {
		if ((thread_state_of(t) & bits) == bits)
			return true;
		L4_ThreadSwitch(t);
	}
	return false;
}
