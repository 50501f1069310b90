/* SPDX-License-Identifier: MIT */
/* The kernel-memory pager: answers the kernel's memory requests with map items of its pool and revokes by Unmap. */
#include <kmem_pager.h>
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/kip.h>
#include <l4/syscalls.h>
#include <mnemo/kmem.h>

#define PAGE 4096ul
#define MAX_ITEMS 31 /* 2 words each in MR1..MR62 */

void kmem_pager_prepare(struct kmem_pager *kp)
{
	if (kp->pages > KMEM_PAGER_MAX_PAGES)
		kp->pages = KMEM_PAGER_MAX_PAGES;
	for (unsigned i = 0; i < kp->pages; i++) {
		(void)*(volatile l4_word_t *)(kp->pool + i * PAGE);
		kp->state[i] = 0;
	}
	kp->lent = kp->requests = kp->refused = kp->revoked = 0;
	if (!kp->rng)
		kp->rng = 0x9e3779b97f4a7c15ull;
}

void kmem_pager_touch(l4_word_t lo, l4_word_t hi)
{
	for (l4_word_t a = lo & ~(PAGE - 1); a < hi; a += PAGE)
		(void)*(volatile char *)a;
}

static uint64_t next_random(struct kmem_pager *kp)
{
	kp->rng ^= kp->rng << 13;
	kp->rng ^= kp->rng >> 7;
	kp->rng ^= kp->rng << 17;
	return kp->rng;
}

/* Takes page i back: when the Unmap returns, the kernel no longer uses it. */
static void revoke(struct kmem_pager *kp, unsigned i)
{
	l4_unmap_fpage(l4_fpage_log2(kp->pool + i * PAGE, 12) | L4_FULLY_ACCESSIBLE);
	kp->state[i] = 0;
	kp->lent--;
	kp->revoked++;
}

static void revoke_random(struct kmem_pager *kp)
{
	if (!kp->lent)
		return;
	unsigned start = (unsigned)(next_random(kp) % kp->pages);
	for (unsigned k = 0; k < kp->pages; k++) {
		unsigned i = (start + k) % kp->pages;
		if (kp->state[i]) {
			revoke(kp, i);
			return;
		}
	}
}

/* The kernel asks in the name of a thread that needs memory: up to `want`
 * pages as map items, each a 4 KiB fpage of the pool; none is a refusal. */
static l4_msgtag_t answer_request(struct kmem_pager *kp, l4_word_t want)
{
	l4_word_t *mr = l4_utcb();
	unsigned n = 0;
	kp->requests++;
	if (want > MAX_ITEMS)
		want = MAX_ITEMS;
	for (unsigned i = 0; i < kp->pages && n < want; i++) {
		if (kp->state[i])
			continue;
		kp->state[i] = 1;
		kp->lent++;
		mr[1 + 2 * n] = l4_map_item_word0(0);
		mr[2 + 2 * n] = l4_fpage_log2(kp->pool + i * PAGE, 12) | L4_READABLE;
		n++;
	}
	if (!n)
		kp->refused++;
	return l4_msgtag(0, 0, 2 * n, 0);
}

static l4_msgtag_t answer_boss(struct kmem_pager *kp, l4_msgtag_t tag)
{
	l4_word_t *mr = l4_utcb();
	l4_word_t a1 = mr[1], a2 = mr[2], a3 = mr[3];
	switch (L4_TAG_LABEL(tag)) {
	case KMEM_PAGER_PRESSURE:
		kp->revoke_every_us = a1;
		kp->revoke_batch = a2 ? (unsigned)a2 : 1;
		return l4_msgtag(0, 0, 0, 0);
	case KMEM_PAGER_QUOTA:
		mr[0] = l4_msgtag(MNEMO_KMEM_QUOTA, 3, 0, 0);
		mr[1] = a1, mr[2] = a2, mr[3] = a3;
		tag = l4_send_timeout(mnemo_kmem_thread(__l4_kip), L4_ZERO_TIME);
		mr[1] = l4_ipc_failed(tag) ? L4_ErrorCode() : 0;
		return l4_msgtag(0, 1, 0, 0);
	case KMEM_PAGER_STATS:
		mr[1] = kp->lent, mr[2] = kp->requests, mr[3] = kp->refused, mr[4] = kp->revoked;
		return l4_msgtag(0, 4, 0, 0);
	case KMEM_PAGER_REVOKE_ALL: {
		unsigned n = 0;
		for (unsigned i = 0; i < kp->pages; i++)
			if (kp->state[i]) {
				revoke(kp, i);
				n++;
			}
		mr[1] = n;
		return l4_msgtag(0, 1, 0, 0);
	}
	default: return l4_msgtag(0, 0, 0, 0);
	}
}

void kmem_pager_loop(struct kmem_pager *kp)
{
	l4_word_t next = 0; /* SystemClock time of the next revocation under pressure */
	for (;;) {
		l4_time_t t = L4_NEVER;
		if (kp->revoke_every_us) {
			l4_word_t now = l4_system_clock();
			if (!next)
				next = now + kp->revoke_every_us;
			if (now >= next) {
				for (unsigned i = 0; i < kp->revoke_batch; i++)
					revoke_random(kp);
				next = now + kp->revoke_every_us;
			}
			t = l4_time_period(next - now > kp->revoke_every_us ? kp->revoke_every_us : next - now);
		} else {
			next = 0;
		}
		l4_threadid_t from;
		l4_msgtag_t tag = l4_ipc(L4_NILTHREAD, L4_ANYTHREAD, L4_TIMEOUTS(0, t), &from);
		if (l4_ipc_failed(tag))
			continue; /* the receive timed out: time for pressure */
		l4_msgtag_t reply;
		if (L4_TAG_LABEL(tag) == MNEMO_KMEM_REQUEST)
			reply = answer_request(kp, l4_utcb()[1]);
		else if (from == kp->boss)
			reply = answer_boss(kp, tag);
		else
			continue; /* nobody else talks to us */
		l4_utcb()[0] = reply;
		l4_send_timeout(from, L4_ZERO_TIME); /* it waits for the answer: a call */
	}
}

bool kmem_pager_command(l4_threadid_t kp, unsigned cmd, l4_word_t a1, l4_word_t a2, l4_word_t a3, l4_word_t res[4])
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(cmd, 3, 0, 0);
	mr[1] = a1, mr[2] = a2, mr[3] = a3;
	if (l4_ipc_failed(l4_call(kp)))
		return false;
	mr = l4_utcb();
	for (unsigned i = 0; i < 4; i++)
		res[i] = mr[1 + i];
	return true;
}
