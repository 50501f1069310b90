/* SPDX-License-Identifier: MIT */
/* Kernel memory lent by the user-level kmem pager: node pages, revocation, quotas, pins (docs/kmem.md). */
#ifndef KERN_KMEM_H
#define KERN_KMEM_H

#include <kern/types.h>
#include <l4/types.h>

struct tcb;
struct space;

/*
 * Until a kmem pager is associated the kernel takes node pages from its own
 * pool, as many as it needs (pool mode). Once one is associated, at most
 * KMEM_RESERVE_PAGES node pages come from the pool (the reserve: pinned nodes
 * and a floor for the kernel's own needs); every other node page is lent.
 *
 * Invariants: kmem_pager is NULL or a live thread with a space (its space has
 * MDB_SPACE_PIN); kspace exists iff a pager was ever associated and holds
 * exactly the lent pages as 4 KiB mappings at vaddr == paddr, each a pinned
 * child of the pager's mapping; a page is lent (in the allocator, not
 * draining) iff kspace maps it.
 */
#define KMEM_RESERVE_PAGES 64
#define KMEM_PIN_FLOOR 340 /* reserve slots unpinned nodes leave alone: two lends' worth */
#define KMEM_LOW_NODES 1100 /* below this many free slots a mapper asks for memory */
#define KMEM_REQUEST_PAGES 16 /* pages asked for at a time */
#define KMEM_PIN_QUOTA_DEFAULT 16 /* pages a space may pin by request */

/* Creates the kmem thread; false when out of memory. */
bool kmem_init(void);
/* The kmem thread's TCB is t. */
bool kmem_is_thread(const struct tcb *t);
/* ThreadControl on the kmem thread: associate (pager) or dissociate (pager ==
 * the kmem thread itself). False for a pager that does not exist or has no space,
 * or a dissociation while pages are lent. */
bool kmem_associate(l4_threadid_t pager);
/* A send to the kmem thread (pin, quota): 0 or the X.2 error word. */
word_t kmem_control(struct tcb *sender);
/* Before an IPC whose message has map or grant items: when free node slots run
 * low, reclaims the caller's least recently used mappings and asks the kmem
 * pager for pages (the caller blocks in that call). */
void kmem_before_map(void);
/* A map item in the kmem pager's reply to a request of r (r->kmem_request). */
void kmem_lend_item(struct tcb *pager, l4_fpage_t snd);
/* Node memory for one mdb operation: tops the free slots up (pool pages in pool
 * mode, the reserve otherwise); false if none could be added. */
bool kmem_grow(void);
/* When a map ran out of memory or quota: reclaims from `from`; true if it freed
 * anything (the map may be retried). */
bool kmem_reclaim_for(struct space *from);
/* Evicts the nodes on revoked lent pages, in bounded steps with preemption
 * points between them if `preemptible`. Returns when none is left. */
void kmem_drain(bool preemptible);
/* A page fault at (s, va): counts a refault if its mapping had been evicted. */
void kmem_note_fault(struct space *s, vaddr_t va);
/* A map was refused: for its quota (true) or for memory (false). */
void kmem_note_denied(bool quota);
/* Writes the counters into the KIP. */
void kmem_stats_update(void);

#endif
