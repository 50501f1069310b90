/* SPDX-License-Identifier: MIT */
/* mnemo's kernel-memory protocol: the kmem thread, message labels, and the counters in the KIP (docs/kmem.md). */
#ifndef MNEMO_KMEM_H
#define MNEMO_KMEM_H

#include <l4/types.h>
#include <l4/kip.h>

/* The kernel's kmem thread: the first system thread (version 1). A privileged
 * ThreadControl(kmem, kmem, nil, pager = P) makes P the kernel-memory pager, as
 * interrupts are associated (X.2 §4.5); pager = kmem itself dissociates (only
 * while nothing is lent). */
static inline l4_threadid_t mnemo_kmem_thread(const struct l4_kip *k) { return l4_global_id(l4_kip_system_base(k), 1); }

/*
 * Kernel -> kmem pager: a thread that needs kernel memory calls the pager in
 * its own name: label MNEMO_KMEM_REQUEST, MR1 pages wanted, MR2 pages lent now,
 * MR3 free node slots. The pager replies with map items of pages it owns (each
 * 4 KiB page mapped at least readable, below 32 GiB); an empty reply refuses.
 * The kernel takes each page as a node page, and makes the pager's own mapping
 * read-only while the page is lent. The pager takes a page back with an
 * ordinary Unmap of it: when the Unmap returns, the kernel has evicted every
 * mapping whose node lived there.
 *
 * Anyone -> kmem thread (a send; refused requests fail with "message
 * overflow", X.2 error 4, in the send phase):
 *  MNEMO_KMEM_PIN     MR1 an fpage of the sender's space: pins its mappings
 *                     (and their sources) within the space's pin quota.
 *  MNEMO_KMEM_QUOTA   from the kmem pager: MR1 a thread, MR2 the node quota of
 *                     its space (0: none), MR3 its pin quota in pages.
 */
#define MNEMO_KMEM_REQUEST 0xff70u /* label -9 << 4: no X.2 kernel protocol uses it */
#define MNEMO_KMEM_PIN 0x6b01u
#define MNEMO_KMEM_QUOTA 0x6b02u

/* Counters at KIP + L4_KIP_MNEMO_OFFSET, written by the kernel at every timer
 * tick and at every kernel-memory event (request, lending, revocation, pin):
 * at most one tick old. A consistent snapshot: read generation, the counters,
 * then generation again, and retry if it changed. */
struct mnemo_kmem_stats {
	l4_word_t magic; /* MNEMO_KMEM_STATS_MAGIC */
	l4_word_t generation; /* counts the kernel's updates */
	l4_word_t nodes_used; /* live mapping-database nodes */
	l4_word_t nodes_free; /* free node slots */
	l4_word_t lent_pages; /* node pages lent by the kmem pager, in use */
	l4_word_t reserve_pages; /* node pages from the kernel's own reserve */
	l4_word_t pinned_nodes; /* nodes pinned (kernel memory, kmem pager, requests) */
	l4_word_t revoked_pages; /* lent pages taken back */
	l4_word_t evicted_nodes; /* mappings evicted (revocation and reclaim) */
	l4_word_t reclaimed_nodes; /* of those: by reclaim (a space's LRU) */
	l4_word_t refaults; /* page faults on an address whose mapping was evicted */
	l4_word_t requests; /* kernel-memory requests sent to the kmem pager */
	l4_word_t quota_denials; /* maps refused for a space's quota */
	l4_word_t nomem_denials; /* maps that failed for want of memory */
	l4_word_t pinned_evicted; /* pinned mappings evicted: never, by design */
};
#define MNEMO_KMEM_STATS_MAGIC 0x6b6d656d73746174ull /* "kmemstat" */
_Static_assert(sizeof(struct mnemo_kmem_stats) <= L4_KIP_SIZE - L4_KIP_MNEMO_OFFSET, "counters fit the KIP");

static inline const volatile struct mnemo_kmem_stats *mnemo_kmem_stats(const struct l4_kip *k)
{
	return (const volatile struct mnemo_kmem_stats *)k->mnemo;
}

#endif
