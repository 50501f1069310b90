/* SPDX-License-Identifier: MIT */
/* The fuzzer's victims: threads that receive its messages, reply, and send it map items back. */
#include <l4/ipc.h>
#include "fuzz.h"

#define VICTIM_STACK_WORDS 4096
static l4_word_t local_victim_stack[VICTIM_STACK_WORDS] __attribute__((aligned(16)));

l4_word_t local_victim_stack_top(void) { return (l4_word_t)&local_victim_stack[VICTIM_STACK_WORDS - 2]; }

static void accept_window(void) { l4_accept(l4_fpage_log2(WINDOW_REGION, VICTIM_WINDOW_LOG2)); }

/* A map or grant item of a page of our window region (mapped or not), placed in
 * the receiver's window at a base inside the window region too: whatever the
 * receiver's acceptor, nothing lands outside it. */
static unsigned put_item(l4_word_t *mr, unsigned i, l4_word_t *rng)
{
	l4_word_t r = rng_next(rng);
	unsigned log2 = 12 + (unsigned)(r % 5);
	l4_word_t span = 1ull << VICTIM_WINDOW_LOG2;
	l4_word_t base = (WINDOW_REGION + ((r >> 8) % span)) & ~((1ull << log2) - 1);
	l4_word_t send_base = WINDOW_REGION + ((r >> 20) % span);
	mr[i] = ((r >> 40) & 3) == 0 ? l4_grant_item_word0(send_base) : l4_map_item_word0(send_base);
	mr[i + 1] = l4_fpage_log2(base, log2) | ((r >> 44) & 7);
	return 2;
}

/* Builds the reply to a message with tag `tag`: a sanity probe from the root task
 * gets MR1 + 1; anyone else a few words and sometimes a map or grant item. */
static void build_reply(l4_msgtag_t tag, l4_word_t *rng)
{
	l4_word_t *mr = l4_utcb();
	if (L4_TAG_LABEL(tag) == LABEL_SANITY) {
		mr[0] = l4_msgtag(LABEL_SANITY, 1, 0, 0);
		mr[1] += 1;
		return;
	}
	l4_word_t r = rng_next(rng);
	unsigned u = (unsigned)(r % 9), t = 0;
	for (unsigned i = 1; i <= u; i++)
		mr[i] = rng_next(rng);
	if ((r >> 8) % 4 == 0)
		t = put_item(mr, u + 1, rng);
	mr[0] = l4_msgtag((r >> 16) & 0xffff, u, t, 0);
}

/* Receives from anyone, replies with a zero timeout, forever. */
static __attribute__((noreturn)) void echo_loop(l4_word_t *rng, volatile l4_word_t *replies)
{
	l4_threadid_t from;
	for (;;) {
		accept_window();
		l4_msgtag_t tag = l4_wait(&from);
		while (!l4_ipc_failed(tag)) {
			build_reply(tag, rng);
			(*replies)++;
			accept_window();
			tag = l4_reply_wait(from, &from);
		}
	}
}

static l4_word_t echo_rng = 0x9e3779b97f4a7c15ull, local_rng = 0xd1b54a32d192ed03ull, lazy_rng = 0x8cb92ba72f3d8dd7ull;
static volatile l4_word_t local_replies;

void echo_main(void) { echo_loop(&echo_rng, &fz.echo_replies); }
void local_victim_main(void) { echo_loop(&local_rng, &local_replies); }

/* Busy for a while, receives with a short timeout, and now and then sends the
 * fuzzer a message (with a map item) or switches to it: the fuzzer's receives
 * and send timeouts meet a partner that is sometimes there. */
void lazy_main(void)
{
	l4_threadid_t from;
	for (;;) {
		fz.lazy_rounds++;
		l4_word_t r = rng_next(&lazy_rng);
		accept_window();
		l4_msgtag_t tag =
		    l4_ipc(L4_NILTHREAD, L4_ANYTHREAD, L4_TIMEOUTS(0, l4_time_period(200 + r % 800)), &from);
		if (!l4_ipc_failed(tag)) {
			build_reply(tag, &lazy_rng);
			l4_ipc(from, L4_NILTHREAD, L4_TIMEOUTS(L4_ZERO_TIME, 0), NULL);
		}
		for (volatile unsigned spin = (unsigned)(r >> 12) % 2000; spin; spin--)
			;
		switch ((r >> 32) % 8) {
		case 0:
			build_reply(0, &lazy_rng);
			l4_ipc(fz.fuzzer, L4_NILTHREAD, L4_TIMEOUTS(l4_time_period(100 + (r >> 40) % 400), 0), NULL);
			break;
		case 1: l4_thread_switch(fz.fuzzer); break;
		}
	}
}
