/* SPDX-License-Identifier: MIT */
/* The tasks of the persistent world: counters, a checksumming writer, a pager and its client, a growing ballast. */
#include <l4/ipc.h>
#include <l4/space.h>
#include "world.h"

/* No globals here: everything a task keeps is in its DATA pages or on its stack. */
extern char _start[], _end[];

static void broken(enum broken what, l4_word_t value)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(LABEL_BROKEN, 2, 0, 0);
	mr[1] = what, mr[2] = value;
	l4_send(param(PARAM_PAGER));
}

/* d[0] counts, d[1] == 3 * d[0] + 1 always between two rounds: a checkpoint
 * that took memory and registers at different instants would break it. */
void counter_main(void)
{
	volatile l4_word_t *d = (volatile l4_word_t *)DATA;
	if (!d[0] && !d[1])
		d[1] = 1;
	for (;;) {
		l4_word_t v = d[0];
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
	volatile l4_word_t *h = (volatile l4_word_t *)DATA, *slot = (volatile l4_word_t *)(DATA + PAGE);
	for (;;) {
		l4_word_t n = h[0];
		if (n == W_SLOTS) {
			l4_word_t sum = 0;
			for (l4_word_t i = 0; i < W_SLOTS; i++)
				sum += slot[i];
			if (sum != h[1])
				broken(BROKEN_WRITER, h[2]);
			h[2] = h[2] + 1;
			h[3] = h[3] + 1;
			h[1] = 0;
			h[0] = 0;
			continue;
		}
		l4_word_t v = mix64(h[2] << 32 | n);
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
	volatile l4_word_t *rec = (volatile l4_word_t *)DATA;
	l4_threadid_t q = param(PARAM_PEER);
	for (;;) {
		l4_threadid_t from;
		l4_msgtag_t tag = l4_wait(&from);
		l4_word_t *mr = l4_utcb();
		if (l4_ipc_failed(tag) || from != q || (tag >> 20) != (((l4_word_t)-2 << 20) >> 20))
			continue;
		l4_word_t addr = mr[1] & ~(PAGE - 1), j = (addr - QREG) / PAGE;
		bool write = (tag >> 16) & 2;
		if (addr >= ((l4_word_t)_start & ~(PAGE - 1)) && addr < (l4_word_t)_end && !write) {
			(void)*(volatile char *)addr; /* the image: ours, read-only */
			mr[0] = l4_msgtag(0, 0, 2, 0);
			mr[1] = l4_map_item_word0(addr);
			mr[2] = l4_fpage_log2(addr, 12) | L4_READABLE | L4_EXECUTABLE;
			l4_send_timeout(from, L4_ZERO_TIME);
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
		volatile l4_word_t *own = (volatile l4_word_t *)rec[j];
		l4_word_t v = *own;
		if (write)
			*own = v; /* our own write right first: our pager may have to copy the page */
		mr = l4_utcb();
		mr[0] = l4_msgtag(0, 0, 2, 0);
		mr[1] = l4_map_item_word0(addr);
		mr[2] = l4_fpage_log2(rec[j], 12) | L4_FULLY_ACCESSIBLE;
		l4_send_timeout(from, L4_ZERO_TIME);
	}
}

/* Q: one counter per page, with the same invariant as the counters. */
void client_main(void)
{
	for (l4_word_t round = 0;; round++) {
		volatile l4_word_t *q = (volatile l4_word_t *)(QREG + (round % Q_PAGES) * PAGE);
		l4_word_t v = q[0];
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
	volatile l4_word_t *b = (volatile l4_word_t *)DATA;
	for (;;) {
		l4_word_t pages = b[0] + param(PARAM_STEP);
		if (pages > BALLAST_MAX)
			pages = BALLAST_MAX;
		for (l4_word_t i = 1; i < pages; i++)
			b[i * 512] = b[i * 512] + 1;
		b[0] = pages;
		l4_sleep(l4_time_period(1000));
	}
}

/* The bench's only task: writes word 0 of the first MR1 pages of its data with
 * MR2 when R asks, then waits for the next request. Nothing else moves. */
void filler_main(void)
{
	volatile l4_word_t *d = (volatile l4_word_t *)DATA;
	l4_threadid_t r = param(PARAM_PAGER);
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0, 0, 0, 0);
	for (;;) {
		l4_msgtag_t tag = l4_call(r);
		mr = l4_utcb();
		if (l4_ipc_failed(tag) || L4_TAG_LABEL(tag) != LABEL_FILL)
			continue;
		l4_word_t n = mr[1] < FILL_MAX ? mr[1] : FILL_MAX, v = mr[2];
		for (l4_word_t i = 0; i < n; i++)
			d[i * 512] = v;
		mr = l4_utcb();
		mr[0] = l4_msgtag(0, 0, 0, 0);
	}
}
