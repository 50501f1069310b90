/* SPDX-License-Identifier: MIT */
/* Address spaces: page tables plus the KIP and UTCB areas of X.2. */
#ifndef KERN_SPACE_H
#define KERN_SPACE_H

#include <kern/types.h>
#include <kern/pgtable.h>
#include <kern/mdb.h>

#define SPACE_UTCB_SIZE 1024 /* UtcbInfo: m = 1, a = 10 */
#define SPACE_UTCB_MR0 512 /* offset of MR0 within a UTCB */

/* Invariants: kip_area and utcb_area are either nil or valid, disjoint fpages in
 * user space; the KIP is mapped read-only at the base of kip_area; UTCB pages
 * are kernel-pool frames mapped into utcb_area as threads need them. These two
 * kinds of pages are the kernel's (pt_map): they are not in the mapping
 * database, and nothing is ever mapped into either area by map/grant. Every
 * other user mapping is an mdb leaf (docs/mdb.md); `mdb` is registered from
 * space_create to space_destroy (mdb.id valid). If sigma0 is set, mdb is the
 * mdb's sigma0 space (set at the first fault or map item of sigma0). */
struct space {
	struct arch_pgtable pt;
	l4_fpage_t kip_area, utcb_area;
	word_t threads; /* threads whose `space` is this one */
	bool sigma0; /* faults are resolved idempotently by the kernel */
	/* SpaceControl's redirector: user IPC from this space to threads outside it
	 * goes to this thread instead (0: no redirection). */
	l4_threadid_t redirector;
	/* Pages pinned at this space's request (kmem.c) and the most it may pin. */
	word_t pinned_pages, pin_quota;
	struct mdb_space mdb;
	/* Transfers preempted inside a map item that use this space (space_hold):
	 * while holds > 0 the space is not destroyed. dying: its last thread was
	 * deleted while held; the last space_release destroys it. */
	word_t holds;
	bool dying;
};

/* NULL when out of kernel memory or the mdb's space table is full. */
struct space *space_create(void);
void space_destroy(struct space *s);
/* The last thread of s was deleted: s is destroyed now, or, if a transfer
 * preempted inside a map item holds it, by that transfer's space_release. */
void space_orphaned(struct space *s);
/* A transfer that may be preempted inside a map item keeps s alive until it
 * ends (or its copier is deleted): X.2 lets ThreadControl delete the partner
 * and its space meanwhile. */
void space_hold(struct space *s);
/* Ends a hold; destroys s (bounded steps, preemption points) if it was the
 * last one and s lost its last thread meanwhile. */
void space_release(struct space *s);
/* Sets the KIP and UTCB areas and maps the KIP; false on invalid fpages. */
bool space_set_areas(struct space *s, l4_fpage_t kip_area, l4_fpage_t utcb_area);
/* Backs the UTCB at user address utcb (a UTCB start) with zeroed kernel memory;
 * returns the kernel's pointer to it, or NULL when out of memory. */
void *space_utcb_kernel_ptr(struct space *s, vaddr_t utcb_start);
/* The kernel's pointer to MR0 of the UTCB starting at utcb_start if that UTCB
 * has memory; NULL otherwise (never allocates). */
const l4_word_t *space_utcb_lookup(struct space *s, vaddr_t utcb_start);
/* Performs a map (grant: true) item: the send fpage snd of `from`, hot spot as
 * in the item, into the receive window of `to` (X.2 §4.1 map/grant items). What
 * is not mapped in `from` is skipped, as X.2 specifies. */
/* False if it stopped early for `from`'s quota or for want of kernel memory
 * (what was mapped before stays). With a partner (the blocked IPC partner of
 * the current thread), the destination mappings it replaces together with
 * derived mappings are first removed in bounded steps with preemption points
 * (docs/mdb.md "Costs"), the partner locked into the transfer before the first
 * (ipc_lock_partner; the caller restores its phase). NULL: in one go. */
struct tcb;
bool space_map_item(struct space *from, l4_fpage_t snd, vaddr_t hot_spot, struct space *to, l4_fpage_t window,
		    bool grant, struct tcb *partner);

/* Whether va lies in the KIP or UTCB area of s: only the kernel maps there, so
 * no pager can resolve a fault there. */
bool space_in_kernel_area(const struct space *s, vaddr_t va);
/* sigma0's idempotent fault at va (page-aligned, not present): creates the root
 * mapping (2 MiB where all of it may be sigma0's, else 4 KiB); false if sigma0
 * may not own va or kernel memory is exhausted. */
bool space_sigma0_fault(struct space *s, vaddr_t va);
/* Tops the mdb's free nodes up to a stock for one operation step (two levels of
 * superpage split); false if no more node memory could be had first. */
bool space_mdb_reserve(void);

/* Between two bounded pieces of kernel work (the steps of an Unmap): lets
 * pending interrupts in and reschedules if one asked for it. */
void arch_preempt_point(void);
struct tcb;
/* Forgets an Unmap that thread t left unfinished (it was preempted and is being
 * deleted); thread deletion should call it (otherwise the op's slot is found
 * stale and reclaimed at a later Unmap). */
void unmap_thread_deleted(struct tcb *t);

/* sigma0 may be handed physical addresses below this (the 40-bit physical space). */
#define SIGMA0_PHYS_LIMIT (1ull << 40)
/* Whether physical page pa may belong to sigma0 (not the kernel image). */
bool arch_user_may_own(paddr_t pa);

#endif
