/* SPDX-License-Identifier: MIT */
/* Kernel memory lent by the user-level kmem pager: node pages, revocation, reclaim, quotas, pins, counters. */
#include <kern/kmem.h>
#include <kern/thread.h>
#include <kern/arch_thread.h>
#include <kern/space.h>
#include <kern/ipc.h>
#include <kern/mdb.h>
#include <kern/mdb_nodes.h>
#include <kern/frame.h>
#include <kern/kip.h>
#include <kern/trace.h>
#include <mnemo/kmem.h>
#include <arch/ipc.h>
#include <arch/physmem.h>

/* The node arena is the direct map from physical 0 with 32-bit references in
 * units of 8 bytes (space.c): lent pages must lie below this. */
#define KMEM_ARENA_LIMIT (32ull << 30)
#define KMEM_LEND_MAX_PAGES 1024 /* per map item: bounds the work of one item */
#define KMEM_RECLAIM_FIRST 32 /* nodes a low asker first gives up of its own */
#define KMEM_RECLAIM_BUDGET 4096
#define KMEM_DRAIN_BUDGET 128

static struct tcb *kmem_tcb;
static l4_threadid_t pager_id; /* nil: pool mode */
static struct space *kspace; /* the kernel's view of lent pages: vaddr == paddr */

static struct {
	word_t revoked_pages, reclaimed_nodes, refaults, requests, quota_denials, nomem_denials;
} count;

/* Recently evicted (space, page) keys, for counting refaults: a direct-mapped
 * table, so a collision forgets an eviction (the count can only be low). */
#define RECENT_SLOTS 16384
static uint64_t recent[RECENT_SLOTS];

static uint64_t fault_key(uint32_t space_id, vaddr_t va) { return ((uint64_t)space_id << 36 | va >> 12) + 1; }
static unsigned key_slot(uint64_t k) { return (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 50) & (RECENT_SLOTS - 1); }

static struct tcb *pager(void)
{
	struct tcb *t = pager_id != L4_NILTHREAD ? thread_lookup(pager_id) : NULL;
	return t && t->space ? t : NULL;
}

static void on_removed(struct mdb_space *ms, vaddr_t v, paddr_t pa, unsigned level)
{
	(void)v;
	(void)level;
	if (!kspace || ms != &kspace->mdb)
		return;
	struct mdb_node_page *p = phys_to_virt(pa);
	if (mdb_nodes_is_page(p)) { /* its nodes go before the Unmap that took it returns */
		mdb_nodes_drain(p);
		count.revoked_pages++;
		trace_event(TRACE_KMEM, 1, pa, p->used);
	}
}

static void on_evicted(struct mdb_space *ms, vaddr_t v, unsigned level)
{
	(void)level;
	uint64_t k = fault_key(ms->id, v);
	recent[key_slot(k)] = k;
}

bool kmem_init(void)
{
	kmem_tcb = thread_create(l4_global_id(THREAD_SYSTEM_BASE, 1), NULL, 0);
	if (!kmem_tcb)
		return false;
	kmem_tcb->name = "kmem";
	pager_id = L4_NILTHREAD;
	mdb_removed_hook = on_removed;
	mdb_evicted_hook = on_evicted;
	kmem_stats_update();
	return true;
}

bool kmem_is_thread(const struct tcb *t) { return t && t == kmem_tcb; }

/* Pins every mapping the new pager holds now (its later ones are pinned as
 * they come: MDB_SPACE_PIN). What does not fit the reserve stays unpinned. */
static void pin_space(struct space *s)
{
	struct arch_pt_leaf l;
	unsigned hole;
	for (vaddr_t v = 0; v < ((vaddr_t)1 << MDB_USER_BITS);) {
		if (!arch_pt_lookup(s, v, &l, &hole)) {
			v = ALIGN_DOWN(v, (word_t)1 << hole) + ((word_t)1 << hole);
			continue;
		}
		kmem_grow();
		mdb_pin_chain(mdb_node(l.node));
		v = l.base + ((word_t)1 << arch_pt_level_shift(l.level));
	}
}

bool kmem_associate(l4_threadid_t id)
{
	if (id == kmem_tcb->id) { /* dissociate: only with nothing lent */
		if (mdb_nodes_lent_pages)
			return false;
		pager_id = L4_NILTHREAD;
		mdb_nodes_pin_floor = 0;
		return true;
	}
	struct tcb *p = thread_lookup(id);
	if (!p || !p->space || (pager() && mdb_nodes_lent_pages && p->space != pager()->space))
		return false;
	if (!kspace) {
		if (!(kspace = space_create()))
			return false;
		kspace->mdb.flags = MDB_SPACE_PIN | MDB_SPACE_NOTIFY;
	}
	p->space->mdb.flags |= MDB_SPACE_PIN;
	pager_id = id;
	mdb_nodes_pin_floor = KMEM_PIN_FLOOR;
	pin_space(p->space);
	kmem_stats_update();
	return true;
}

bool kmem_grow(void)
{
	/* With a kmem pager the pool gives only the reserve, and only for pins:
	 * unpinned nodes live on lent pages (or in the reserve above its floor). */
	if (pager() && (mdb_nodes_reserve_pages >= KMEM_RESERVE_PAGES || mdb_nodes_free_reserve >= 2 * KMEM_PIN_FLOOR))
		return false;
	paddr_t f = frame_alloc();
	if (!f)
		return false;
	if (f + PAGE_SIZE > KMEM_ARENA_LIMIT || mdb_nodes_add_reserve_page(phys_to_virt(f)) != MDB_OK) {
		frame_free(f);
		return false;
	}
	return true;
}

static word_t mr(unsigned i) { return *arch_frame_mr(arch_user_frame(current), i); }

/* Free slots on lent pages: with a pager, ordinary nodes live there; the
 * reserve is for pins and for the moments the pager cannot answer at once. */
static size_t lent_free(void) { return mdb_nodes_free - mdb_nodes_free_reserve; }

void kmem_before_map(void)
{
	struct tcb *p = pager();
	if (!p || !current->space || current->space == p->space || lent_free() >= KMEM_LOW_NODES)
		return;
	/* The pager first; the asker's own least recently used mappings only when
	 * the pager had nothing (evicting first made a workload that fits the
	 * pager's memory thrash: docs/kmem.md). */
	current->kmsg_buf[0] = l4_msgtag(MNEMO_KMEM_REQUEST, 3, 0, 0);
	current->kmsg_buf[1] = KMEM_REQUEST_PAGES;
	current->kmsg_buf[2] = mdb_nodes_lent_pages;
	current->kmsg_buf[3] = mdb_nodes_free;
	count.requests++;
	trace_event(TRACE_KMEM, 0, KMEM_REQUEST_PAGES, mdb_nodes_free);
	current->kmem_request = true;
	ipc_kernel_call(p->id); /* the reply's map items come to kmem_lend_item */
	current->kmem_request = false;
	if (lent_free() < KMEM_LOW_NODES)
		count.reclaimed_nodes += mdb_reclaim(&current->space->mdb, KMEM_RECLAIM_FIRST, KMEM_RECLAIM_BUDGET, 2);
	kmem_stats_update();
}

/* Takes the pager's page at v as a node page; false when the reserve is full. */
static bool lend_page(struct space *ps, vaddr_t v)
{
	struct mdb_node_info in;
	if (!mdb_node_info(mdb_lookup(&ps->mdb, v), &in) || in.level || !(in.rights & L4_READABLE))
		return true; /* not a 4 KiB mapping of the pager's: skipped */
	paddr_t pa = in.paddr;
	void *page = phys_to_virt(pa);
	if (pa + PAGE_SIZE > KMEM_ARENA_LIMIT || frame_in_pool(pa) || mdb_nodes_is_page(page) ||
	    mdb_lookup(&kspace->mdb, pa))
		return true;
	if (mdb_nodes_free_reserve < 4 && !kmem_grow())
		return false; /* the pinned kernel mapping needs a reserve slot */
	if (in.rights & L4_WRITABLE) /* while lent, nobody below the kernel writes it */
		mdb_unmap(&ps->mdb, v, PAGE_SHIFT, L4_WRITABLE, true);
	if (mdb_map(&ps->mdb, v, PAGE_SHIFT, L4_READABLE, v, &kspace->mdb, pa, PAGE_SHIFT, false) != MDB_OK ||
	    !mdb_lookup(&kspace->mdb, pa))
		return false;
	mdb_nodes_add_page(page);
	trace_event(TRACE_KMEM, 2, pa, mdb_nodes_lent_pages);
	return true;
}

void kmem_lend_item(struct tcb *from, l4_fpage_t snd)
{
	struct tcb *p = pager();
	if (!p || from != p)
		return; /* only the kmem pager lends */
	unsigned shift = l4_fpage_size_log2(snd);
	if (shift < PAGE_SHIFT || shift >= MDB_USER_BITS)
		return;
	vaddr_t base = l4_fpage_base(snd) & ~(((vaddr_t)1 << shift) - 1);
	word_t pages = (word_t)1 << (shift - PAGE_SHIFT);
	if (pages > KMEM_LEND_MAX_PAGES)
		pages = KMEM_LEND_MAX_PAGES;
	for (word_t i = 0; i < pages; i++)
		if (!lend_page(p->space, base + i * PAGE_SIZE))
			break;
	kmem_stats_update();
}

bool kmem_reclaim_for(struct space *from)
{
	size_t got = mdb_reclaim(&from->mdb, KMEM_RECLAIM_FIRST, KMEM_RECLAIM_BUDGET, 2);
	count.reclaimed_nodes += got;
	kmem_stats_update();
	return got != 0;
}

void kmem_drain(bool preemptible)
{
	struct mdb_node_page *p = mdb_nodes_draining_head();
	if (likely(!p))
		return;
	uint64_t ev0 = mdb_evicted_nodes;
	for (; p; p = mdb_nodes_draining_head()) {
		int r = mdb_evict_page_step(p, KMEM_DRAIN_BUDGET);
		if (r != MDB_MORE && r != MDB_OK)
			break; /* cannot be: lent pages hold no pinned node (P6) */
		if (r == MDB_OK) { /* the page is empty: the pager may have it */
			trace_event(TRACE_KMEM, TRACE_KMEM_EVICTED, virt_to_phys(p), mdb_evicted_nodes - ev0);
			ev0 = mdb_evicted_nodes;
		}
		if (preemptible)
			arch_preempt_point();
	}
	kmem_stats_update();
}

void kmem_note_fault(struct space *s, vaddr_t va)
{
	if (likely(!mdb_evicted_nodes))
		return; /* nothing was ever evicted: no fault can be a refault */
	for (unsigned lv = 0; lv < MDB_NLEVELS; lv++) {
		uint64_t k = fault_key(s->mdb.id, ALIGN_DOWN(va, (word_t)1 << arch_pt_level_shift(lv)));
		if (recent[key_slot(k)] == k) {
			recent[key_slot(k)] = 0;
			count.refaults++;
			return;
		}
	}
}

void kmem_note_denied(bool quota)
{
	if (quota)
		count.quota_denials++;
	else
		count.nomem_denials++;
	kmem_stats_update();
}

/* ---- requests to the kmem thread ---- */

static word_t refuse(void) { return ipc_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_SEND, 0); }

/* Pins the sender's mappings in fpage f within its pin quota (in 4 KiB pages). */
static word_t pin_request(l4_fpage_t f)
{
	struct space *s = current->space;
	unsigned shift = l4_fpage_size_log2(f);
	if (!s || shift < PAGE_SHIFT || shift >= MDB_USER_BITS)
		return refuse();
	vaddr_t v = l4_fpage_base(f) & ~(((vaddr_t)1 << shift) - 1), end = v + ((vaddr_t)1 << shift);
	struct arch_pt_leaf l;
	unsigned hole;
	while (v < end) {
		if (!arch_pt_lookup(s, v, &l, &hole)) {
			v = ALIGN_DOWN(v, (word_t)1 << hole) + ((word_t)1 << hole);
			continue;
		}
		struct mdb_node *n = mdb_node(l.node);
		word_t pages = (word_t)1 << (arch_pt_level_shift(l.level) - PAGE_SHIFT);
		if (!(n->w & MDB_W_PINNED)) {
			if (s->pinned_pages + pages > s->pin_quota)
				return refuse();
			kmem_grow();
			if (mdb_pin_chain(n) != MDB_OK)
				return refuse();
			s->pinned_pages += pages;
		}
		v = l.base + ((word_t)1 << arch_pt_level_shift(l.level));
	}
	kmem_stats_update();
	return 0;
}

word_t kmem_control(struct tcb *sender)
{
	l4_msgtag_t tag = mr(0);
	unsigned label = (unsigned)(tag >> 16) & 0xffff;
	if (sender != current || L4_TAG_T(tag))
		return refuse();
	if (label == MNEMO_KMEM_PIN && L4_TAG_U(tag) >= 1)
		return pin_request(mr(1));
	if (label == MNEMO_KMEM_QUOTA && L4_TAG_U(tag) >= 3 && pager() == current) {
		struct tcb *t = thread_lookup(mr(1));
		if (!t || !t->space || t->space == current->space)
			return refuse();
		t->space->mdb.quota = mr(2);
		t->space->pin_quota = mr(3);
		return 0;
	}
	return refuse();
}

void kmem_stats_update(void)
{
	struct mnemo_kmem_stats *st = (struct mnemo_kmem_stats *)kip.mnemo;
	st->magic = MNEMO_KMEM_STATS_MAGIC;
	st->generation++;
	st->nodes_free = mdb_nodes_free;
	st->nodes_used = (mdb_nodes_lent_pages + mdb_nodes_reserve_pages) * MDB_NODES_PER_PAGE - mdb_nodes_free;
	st->lent_pages = mdb_nodes_lent_pages;
	st->reserve_pages = mdb_nodes_reserve_pages;
	st->pinned_nodes = mdb_pinned_nodes;
	st->revoked_pages = count.revoked_pages;
	st->evicted_nodes = mdb_evicted_nodes;
	st->reclaimed_nodes = count.reclaimed_nodes;
	st->refaults = count.refaults;
	st->requests = count.requests;
	st->quota_denials = count.quota_denials;
	st->nomem_denials = count.nomem_denials;
	st->pinned_evicted = mdb_evicted_pinned;
}
