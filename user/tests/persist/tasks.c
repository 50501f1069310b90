/* SPDX-License-Identifier: MIT */
/* The tasks of the persistent world: counters, a checksumming writer, a pager and its client, a growing ballast. */
#include <l4/ipc.h>
#include "world.h"

/* No globals here: everything a task keeps is in its DATA pages or on its stack. */
extern char _start[], _end[];

static void broken(enum broken what, L4_Word_t value)
{
	L4_Set_MsgTag(msg_tag(LABEL_BROKEN, 2, 0));
	L4_LoadMR(1, what);
	L4_LoadMR(2, value);
	L4_Send((L4_ThreadId_t){.raw = param(PARAM_PAGER)});
}

/* d[0] counts, d[1] == 3 * d[0] + 1 always between two rounds: a checkpoint
 * that took memory and registers at different instants would break it. */
void counter_main(void)
{
	volatile L4_Word_t *d = (volatile L4_Word_t *)DATA;
	if (!d[0] && !d[1])
		d[1] = 1;
	for (;;) {
		L4_Word_t v = d[0];
		if (d[1] != 3 * v + 1)
			broken(BROKEN_COUNTER, v);
		d[0] = v + 1;
		d[1] = 3 * (v + 1) + 1;
	}
}

/*
 * The writer appends records to a data set and keeps their sum in its header:
 * h[0] records, h[1] their sum, h[2] the generation, h[3] verified sets. When
 * the set is full it adds all records up again and compares: pages of the set
 * from two different checkpoints would not add up.
 */
void writer_main(void)
{
	volatile L4_Word_t *h = (volatile L4_Word_t *)DATA, *slot = (volatile L4_Word_t *)(DATA + PAGE);
	for (;;) {
		L4_Word_t n = h[0];
		if (n == W_SLOTS) {
			L4_Word_t sum = 0;
			for (L4_Word_t i = 0; i < W_SLOTS; i++)
				sum += slot[i];
			if (sum != h[1])
				broken(BROKEN_WRITER, h[2]);
			h[2] = h[2] + 1;
			h[3] = h[3] + 1;
			h[1] = 0;
			h[0] = 0;
			continue;
		}
		L4_Word_t v = mix64(h[2] << 32 | n);
		slot[n] = v;
		h[1] = h[1] + v;
		h[0] = n + 1;
	}
}

/*
 * P pages its client Q from its own pages, and keeps the records of what it
 * gave in its DATA page: rec[j] = P's address behind Q's page j (0: not given
 * yet). After a restart Q's mappings are gone; Q faults, and P maps again from
 * its records (its own pages come back from the checkpointing pager as P touches them).
 */
void pager_main(void)
{
	volatile L4_Word_t *rec = (volatile L4_Word_t *)DATA;
	L4_ThreadId_t q = {.raw = param(PARAM_PEER)};
	for (;;) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait(&from);
		if (L4_IpcFailed(tag) || L4_IsThreadNotEqual(from, q) || !msg_is_pagefault(tag))
			continue;
		L4_Word_t addr = msg_mr(1) & ~(PAGE - 1), j = (addr - QREG) / PAGE;
		bool write = L4_Label(tag) & L4_Writable;
		if (addr >= ((L4_Word_t)_start & ~(PAGE - 1)) && addr < (L4_Word_t)_end && !write) {
			(void)*(volatile char *)addr; /* the image: ours, read-only */
			msg_reply_map(from, addr, addr, L4_Readable | L4_eXecutable);
			continue;
		}
		if (addr >= STACK_TOP - STACK_PAGES * PAGE && addr < STACK_TOP) {
			j = Q_PAGES + (addr - (STACK_TOP - STACK_PAGES * PAGE)) / PAGE;
		} else if (addr < QREG || j >= Q_PAGES) {
			broken(BROKEN_PAGER, addr);
			continue;
		}
		if (!rec[j])
			rec[j] = DATA + PAGE * (1 + j); /* Q's stack: P_Q_STACK */
		volatile L4_Word_t *own = (volatile L4_Word_t *)rec[j];
		L4_Word_t v = *own;
		if (write)
			*own = v; /* our own write right first: our pager may have to copy the page */
		msg_reply_map(from, addr, rec[j], L4_FullyAccessible);
	}
}

/* Q: one counter per page, with the same invariant as the counters. */
void client_main(void)
{
	for (L4_Word_t round = 0;; round++) {
		volatile L4_Word_t *q = (volatile L4_Word_t *)(QREG + (round % Q_PAGES) * PAGE);
		L4_Word_t v = q[0];
		if (q[1] != 7 * v)
			broken(BROKEN_CLIENT, v);
		q[0] = v + 1;
		q[1] = 7 * (v + 1);
	}
}

/* B: touches PARAM_STEP more pages every round of writes, up to BALLAST_MAX:
 * the resident memory grows from checkpoint to checkpoint. */
void ballast_main(void)
{
	volatile L4_Word_t *b = (volatile L4_Word_t *)DATA;
	for (;;) {
		L4_Word_t pages = b[0] + param(PARAM_STEP);
		if (pages > BALLAST_MAX)
			pages = BALLAST_MAX;
		for (L4_Word_t i = 1; i < pages; i++)
			b[i * 512] = b[i * 512] + 1;
		b[0] = pages;
		L4_Sleep(L4_TimePeriod(1000));
	}
}

/* The bench's only task: writes word 0 of the first MR1 pages of its data with
 * MR2 when R asks, then waits for the next request. Nothing else moves. */
void filler_main(void)
{
	volatile L4_Word_t *d = (volatile L4_Word_t *)DATA;
	L4_ThreadId_t r = {.raw = param(PARAM_PAGER)};
	L4_Set_MsgTag(L4_Niltag);
	for (;;) {
		L4_MsgTag_t tag = L4_Call(r);
		if (L4_IpcFailed(tag) || L4_Label(tag) != LABEL_FILL)
			continue;
		L4_Word_t n = msg_mr(1), v = msg_mr(2);
		if (n > FILL_MAX)
			n = FILL_MAX;
		for (L4_Word_t i = 0; i < n; i++)
			d[i * 512] = v;
		L4_Set_MsgTag(L4_Niltag);
	}
}
