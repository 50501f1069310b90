/* SPDX-License-Identifier: MIT */
/* The kernel-memory pager: answers the kernel's memory requests with map items of its pool and revokes by Unmap. */
#include <kmem_pager.h>
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/kip.h>
#include <mnemo/kmem.h>
#include <x2msg.h>

#define PAGE 4096ul
#define MAX_ITEMS 31 /* 2 words each in MR1..MR62 */

void kmem_pager_prepare(struct kmem_pager *kp)
{
	if (kp->pages > KMEM_PAGER_MAX_PAGES)
		kp->pages = KMEM_PAGER_MAX_PAGES;
	for (unsigned i = 0; i < kp->pages; i++) {
		(void)*(volatile L4_Word_t *)(kp->pool + i * PAGE);
		kp->state[i] = 0;
	}
	kp->lent = kp->requests = kp->refused = kp->revoked = 0;
	if (!kp->rng)
		kp->rng = 0x9e3779b97f4a7c15ull;
}

void kmem_pager_touch(L4_Word_t lo, L4_Word_t hi)
{
	for (L4_Word_t a = lo & ~(PAGE - 1); a < hi; a += PAGE)
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
	L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(kp->pool + i * PAGE, 12), L4_FullyAccessible));
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
 * (MR1) pages as map items, each a 4 KiB fpage of the pool; none is a refusal. */
static L4_MsgTag_t answer_request(struct kmem_pager *kp)
{
	L4_Word_t want;
	unsigned n = 0;
	L4_StoreMR(1, &want);
	kp->requests++;
	if (want > MAX_ITEMS)
		want = MAX_ITEMS;
	for (unsigned i = 0; i < kp->pages && n < want; i++) {
		if (kp->state[i])
			continue;
		kp->state[i] = 1;
		kp->lent++;
		L4_MapItem_t item =
		    L4_MapItem(L4_FpageAddRights(L4_FpageLog2(kp->pool + i * PAGE, 12), L4_Readable), 0);
		L4_LoadMR((int)(1 + 2 * n), item.raw[0]);
		L4_LoadMR((int)(2 + 2 * n), item.raw[1]);
		n++;
	}
	if (!n)
		kp->refused++;
	return msg_tag(0, 0, 2 * n);
}

static L4_MsgTag_t answer_boss(struct kmem_pager *kp, L4_MsgTag_t tag)
{
	L4_Word_t a1, a2, a3;
	L4_StoreMR(1, &a1), L4_StoreMR(2, &a2), L4_StoreMR(3, &a3);
	switch (L4_Label(tag)) {
	case KMEM_PAGER_PRESSURE:
		kp->revoke_every_us = a1;
		kp->revoke_batch = a2 ? (unsigned)a2 : 1;
		return msg_tag(0, 0, 0);
	case KMEM_PAGER_QUOTA: {
		/* the kmem thread and its protocol are mnemo's own (mnemo/kmem.h); found
		 * through the KIP of our own space (a rare command: the trap is asked each time) */
		L4_ThreadId_t kmem = {.raw = mnemo_kmem_thread(L4_GetKernelInterface())};
		L4_Set_MsgTag(msg_tag(MNEMO_KMEM_QUOTA, 3, 0));
		L4_LoadMR(1, a1), L4_LoadMR(2, a2), L4_LoadMR(3, a3);
		tag = L4_Send(kmem, L4_ZeroTime);
		L4_LoadMR(1, L4_IpcFailed(tag) ? L4_ErrorCode() : 0);
		return msg_tag(0, 1, 0);
	}
	case KMEM_PAGER_STATS:
		L4_LoadMR(1, kp->lent), L4_LoadMR(2, kp->requests), L4_LoadMR(3, kp->refused),
		    L4_LoadMR(4, kp->revoked);
		return msg_tag(0, 4, 0);
	case KMEM_PAGER_REVOKE_ALL: {
		unsigned n = 0;
		for (unsigned i = 0; i < kp->pages; i++)
			if (kp->state[i]) {
				revoke(kp, i);
				n++;
			}
		L4_LoadMR(1, n);
		return msg_tag(0, 1, 0);
	}
	default: return msg_tag(0, 0, 0);
	}
}

void kmem_pager_loop(struct kmem_pager *kp)
{
	L4_Word_t next = 0; /* SystemClock time of the next revocation under pressure */
	for (;;) {
		L4_Time_t t = L4_Never;
		if (kp->revoke_every_us) {
			L4_Word_t now = L4_SystemClock().raw;
			if (!next)
				next = now + kp->revoke_every_us;
			if (now >= next) {
				for (unsigned i = 0; i < kp->revoke_batch; i++)
					revoke_random(kp);
				next = now + kp->revoke_every_us;
			}
			t = L4_TimePeriod(next - now > kp->revoke_every_us ? kp->revoke_every_us : next - now);
		} else {
			next = 0;
		}
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait(t, &from);
		if (L4_IpcFailed(tag))
			continue; /* the receive timed out: time for pressure */
		L4_MsgTag_t reply;
		if (L4_Label(tag) == MNEMO_KMEM_REQUEST)
			reply = answer_request(kp);
		else if (L4_IsThreadEqual(from, kp->boss))
			reply = answer_boss(kp, tag);
		else
			continue; /* nobody else talks to us */
		L4_Set_MsgTag(reply);
		L4_Send(from, L4_ZeroTime); /* it waits for the answer: a call */
	}
}

bool kmem_pager_command(L4_ThreadId_t kp, unsigned cmd, L4_Word_t a1, L4_Word_t a2, L4_Word_t a3, L4_Word_t res[4])
{
	L4_Set_MsgTag(msg_tag(cmd, 3, 0));
	L4_LoadMR(1, a1), L4_LoadMR(2, a2), L4_LoadMR(3, a3);
	if (L4_IpcFailed(L4_Call(kp)))
		return false;
	L4_StoreMRs(1, 4, res);
	return true;
}
