/* SPDX-License-Identifier: MIT */
/* Address spaces: creation, the X.2 KIP and UTCB areas, UTCB memory, and their mappings through the mdb. */
#include <kern/space.h>
#include <kern/frame.h>
#include <kern/kip.h>
#include <kern/string.h>
#include <kern/mdb.h>
#include <kern/unmap.h>
#include <kern/mdb_nodes.h>
#include <kern/trace.h>
#include <kern/kmem.h>
#include <kern/ipc.h>
#include <kern/thread.h>
#include <l4/utcb.h>
#include <arch/physmem.h>
#include <arch/layout.h>

/*
 * Node memory of the mapping database: its arena is the kernel's direct map of
 * physical memory from address 0, so a kernel pool frame is a node page at once
 * (no mapping step) and a node reference is (physical address) / 8. References
 * are 32 bits: node pages must lie below 32 GiB. Node pages come from the kernel
 * pool, or are lent by the kmem pager (kmem.c, docs/kmem.md).
 */
#define MDB_ARENA_SIZE (32ull << 30)
/* Free nodes kept in stock before each mdb operation: two levels of superpage
 * split (1 GiB -> 2 MiB -> 4 KiB) of an unmap step need 2 * 511 new nodes. */
#define MDB_NODE_RESERVE 1100

static void space_mdb_init(void)
{
	if (mdb_arena == (char *)phys_to_virt(0))
		return;
	mdb_init();
	mdb_nodes_init(phys_to_virt(0), MDB_ARENA_SIZE);
}

/* Tops the free nodes up to MDB_NODE_RESERVE; false if no more could be had
 * (the operation may still succeed with what there is). */
static bool mdb_reserve(void)
{
	while (mdb_nodes_avail() < MDB_NODE_RESERVE)
		if (!kmem_grow())
			return false;
	return true;
}

bool space_mdb_reserve(void) { return mdb_reserve(); }

_Static_assert(sizeof(struct space) <= PAGE_SIZE, "a space lives in one kernel frame");

struct space *space_create(void)
{
	space_mdb_init();
	paddr_t f = frame_alloc();
	if (!f)
		return NULL;
	struct space *s = phys_to_virt(f);
	if (!pt_create(&s->pt)) {
		frame_free(f);
		return NULL;
	}
	if (mdb_space_register(&s->mdb, s) != MDB_OK) { /* space table full */
		pt_destroy(&s->pt);
		frame_free(f);
		return NULL;
	}
	s->pinned_pages = 0;
	s->pin_quota = KMEM_PIN_QUOTA_DEFAULT;
	return s;
}

void space_destroy(struct space *s)
{
	/* Revokes everything mapped in s and everything derived from it: an Unmap
	 * with flush of the whole user space, in bounded steps with preemption
	 * points between them (unmap.c); what remains for the final sweep is
	 * nothing, or what a concurrent operation left. Started again from the
	 * top if this thread is deleted meanwhile (current->destroying). */
	current->destroying = s;
	unmap_fpage(s, l4_fpage_log2(0, MDB_USER_BITS) | L4_FULLY_ACCESSIBLE, true);
	current->destroying = NULL;
	mdb_space_delete(&s->mdb);
	mdb_space_unregister(&s->mdb);
	pt_destroy(&s->pt); /* frees the tables, side arrays and UTCB frames */
	frame_free(virt_to_phys(s));
}

void space_orphaned(struct space *s)
{
	if (s->holds)
		s->dying = true; /* the holder's space_release destroys it */
	else
		space_destroy(s);
}

void space_hold(struct space *s) { s->holds++; }

void space_release(struct space *s)
{
	if (--s->holds == 0 && s->dying)
		space_destroy(s);
}

static bool fpage_in_user(l4_fpage_t f, unsigned min_log2)
{
	unsigned sz = l4_fpage_size_log2(f);
	if (sz < min_log2 || sz >= 47)
		return false;
	l4_word_t base = l4_fpage_base(f);
	return !(base & ((1ull << sz) - 1)) && base + (1ull << sz) <= USER_TOP;
}

static bool fpages_overlap(l4_fpage_t a, l4_fpage_t b)
{
	l4_word_t ab = l4_fpage_base(a), ae = ab + (1ull << l4_fpage_size_log2(a));
	l4_word_t bb = l4_fpage_base(b), be = bb + (1ull << l4_fpage_size_log2(b));
	return ab < be && bb < ae;
}

bool space_set_areas(struct space *s, l4_fpage_t kip_area, l4_fpage_t utcb_area)
{
	if (!fpage_in_user(kip_area, 12) || !fpage_in_user(utcb_area, 12) || fpages_overlap(kip_area, utcb_area))
		return false;
	if (!pt_map(&s->pt, l4_fpage_base(kip_area), virt_to_phys(&kip), 12, L4_READABLE))
		return false;
	s->kip_area = kip_area;
	s->utcb_area = utcb_area;
	return true;
}

void *space_utcb_kernel_ptr(struct space *s, vaddr_t utcb_start)
{
	vaddr_t page = ALIGN_DOWN(utcb_start, PAGE_SIZE);
	paddr_t pa;
	unsigned sz, rights;
	if (pt_lookup(&s->pt, page, &pa, &sz, &rights)) {
		if (!frame_in_pool(pa))
			return NULL; /* not the kernel's page (cannot happen: nothing is mapped into the area) */
	} else {
		pa = frame_alloc();
		if (!pa)
			return NULL;
		if (!pt_map(&s->pt, page, pa, 12, L4_READABLE | L4_WRITABLE)) {
			frame_free(pa);
			return NULL;
		}
	}
	return (char *)phys_to_virt(pa) + (utcb_start - page);
}

const l4_word_t *space_utcb_lookup(struct space *s, vaddr_t utcb_start)
{
	vaddr_t page = ALIGN_DOWN(utcb_start, PAGE_SIZE);
	paddr_t pa;
	unsigned sz, rights;
	if (!pt_lookup(&s->pt, page, &pa, &sz, &rights) || !frame_in_pool(pa))
		return NULL;
	return (const l4_word_t *)((char *)phys_to_virt(pa) + (utcb_start - page)) + L4_UTCB_MR0_OFFSET / 8;
}

static bool area_overlaps(l4_fpage_t area, vaddr_t va, word_t size)
{
	if (area == L4_NILPAGE)
		return false;
	l4_word_t b = l4_fpage_base(area), e = b + ((word_t)1 << l4_fpage_size_log2(area));
	return va < e && b < va + size;
}

static bool area_contains(l4_fpage_t area, vaddr_t va, word_t size)
{
	if (area == L4_NILPAGE)
		return false;
	l4_word_t b = l4_fpage_base(area), e = b + ((word_t)1 << l4_fpage_size_log2(area));
	return va >= b && va + size <= e;
}

bool space_in_kernel_area(const struct space *s, vaddr_t va)
{
	return area_overlaps(s->kip_area, va, 1) || area_overlaps(s->utcb_area, va, 1);
}

/* Whether [va, va + size) is ordinary user memory of s (not its KIP or UTCB area). */
static bool mappable(const struct space *s, vaddr_t va, word_t size)
{
	return va + size <= USER_TOP && !area_overlaps(s->kip_area, va, size) && !area_overlaps(s->utcb_area, va, size);
}

/* What sigma0 holds at va without having touched it: all physical memory but
 * the kernel's own (ABI §4.4), and not where its own KIP and UTCBs are. */
static bool sigma0_may_own(const struct space *s, vaddr_t va, word_t size)
{
	if (va + size > SIGMA0_PHYS_LIMIT || !mappable(s, va, size))
		return false;
	for (word_t off = 0; off < size; off += PAGE_SIZE)
		if (frame_in_pool(va + off) || !arch_user_may_own(va + off))
			return false;
	return true;
}

/* init.c marks sigma0's space by its flag; the mdb learns it here, at sigma0's
 * first fault or map item. */
static void sigma0_sync(struct space *s)
{
	if (s->sigma0 && mdb_sigma0() != &s->mdb)
		mdb_set_sigma0(&s->mdb);
}

#define SUPER_SHIFT 21
#define GIANT_SHIFT 30

/* Whether the 1 GiB block at gb may be one root of sigma0's: all of it
 * conventional memory by the KIP (so neither boot modules nor the kernel's
 * reserved memory), none of it the kernel pool or image, and ordinary user
 * memory of sigma0. Range checks: a fault must not test 2^18 pages. */
static bool sigma0_may_own_giant(const struct space *s, vaddr_t gb)
{
	word_t size = (word_t)1 << GIANT_SHIFT;
	return gb + size <= SIGMA0_PHYS_LIMIT && mappable(s, gb, size) &&
	       memmap_range_is(kip.memdesc, l4_kip_memdesc_count(&kip), gb, gb + size, L4_MEM_CONVENTIONAL) &&
	       !frame_pool_overlaps(gb, gb + size) && arch_user_may_own(gb) && arch_user_may_own(gb + size - PAGE_SIZE);
}

/* Creates sigma0's root at the unmapped page va: 1 GiB if that block may be all
 * sigma0's, is all RAM and nothing of it is mapped (and the arch has 1 GiB
 * leaves: the install fails otherwise), else 2 MiB likewise (RAM or not, as
 * before), else 4 KiB. Returns the size created (log2) or 0. */
static unsigned sigma0_root(struct space *s, vaddr_t va, bool try_super)
{
	mdb_reserve();
	vaddr_t gb = ALIGN_DOWN(va, (word_t)1 << GIANT_SHIFT);
	if (try_super && sigma0_may_own_giant(s, gb) && mdb_root_create(gb, 2, L4_FULLY_ACCESSIBLE) == MDB_OK)
		return GIANT_SHIFT;
	vaddr_t sb = ALIGN_DOWN(va, (word_t)1 << SUPER_SHIFT);
	if (try_super && sigma0_may_own(s, sb, (word_t)1 << SUPER_SHIFT) &&
	    mdb_root_create(sb, 1, L4_FULLY_ACCESSIBLE) == MDB_OK)
		return SUPER_SHIFT;
	if (sigma0_may_own(s, va, PAGE_SIZE) && mdb_root_create(va, 0, L4_FULLY_ACCESSIBLE) == MDB_OK)
		return PAGE_SHIFT;
	return 0;
}

bool space_sigma0_fault(struct space *s, vaddr_t va)
{
	if (!s->sigma0 || va >= SIGMA0_PHYS_LIMIT)
		return false;
	sigma0_sync(s);
	return sigma0_root(s, ALIGN_DOWN(va, PAGE_SIZE), true) != 0;
}

/* sigma0 sends what it implicitly owns: creates its roots in [va, va + size)
 * where nothing is mapped yet. Linear in the size (sigma0 sends at most 1 GiB). */
static void sigma0_implicit_roots(struct space *s, vaddr_t va, word_t size)
{
	vaddr_t end = va + size > SIGMA0_PHYS_LIMIT ? SIGMA0_PHYS_LIMIT : va + size;
	for (vaddr_t v = va; v < end;) {
		paddr_t pa;
		unsigned sz, r;
		if (pt_lookup(&s->pt, v, &pa, &sz, &r)) {
			v = ALIGN_DOWN(v, (word_t)1 << sz) + ((word_t)1 << sz);
			continue;
		}
		bool super = !(v & (((word_t)1 << SUPER_SHIFT) - 1)) && end - v >= ((word_t)1 << SUPER_SHIFT);
		unsigned got = sigma0_root(s, v, super); /* a 1 GiB root may reach beyond the item: all sigma0's */
		unsigned step = got ? got : PAGE_SHIFT;
		v = ALIGN_DOWN(v, (word_t)1 << step) + ((word_t)1 << step);
	}
}

/* One mdb_map with more node memory while there is some (map is idempotent: a
 * retry upgrades what the failed attempt already mapped). Out of memory, the
 * mapper's own least recently used mappings go first; out of quota, too (its
 * quota counts them). False if it still fails: the parts done stay. */
/* Before the first point where a map item of an IPC may be preempted or block:
 * both spaces stay alive until the item ends, even if their last threads are
 * deleted meanwhile (ipc.c map_item releases them). The common map never
 * reaches a preemption point and pays nothing. */
static void hold_for_preemption(struct space *from, struct space *to, struct tcb *partner)
{
	if (!partner || current->xfer_held[0])
		return;
	current->xfer_held[0] = from;
	current->xfer_held[1] = to;
	space_hold(from);
	space_hold(to);
}

static bool map_block(struct space *from, vaddr_t src, struct space *to, vaddr_t dst, unsigned shift, unsigned rights,
		      bool grant, struct tcb *partner)
{
	/* With a partner, a destination mapping that the map replaces together
	 * with derived mappings is first removed by the bounded steps of an Unmap,
	 * with preemption points (docs/mdb.md "Costs"); the map replaces only
	 * leaves. The partner is locked only then: the common map never waits. */
	struct mdb_map_cursor cur = {0};
	for (;;) {
		mdb_reserve();
		int r = mdb_map_step(&from->mdb, src, shift, rights, src, &to->mdb, dst, shift, grant,
				     partner ? &cur : NULL);
		if (r == MDB_OK)
			return true;
		if (r == MDB_FLUSH) {
			hold_for_preemption(from, to, partner);
			ipc_lock_partner(partner);
			unmap_replaced(to, cur.base, cur.shift, true);
			if (current->xfer_abort)
				return false; /* aborted or the partner deleted while preempted */
			continue;
		}
		if (r == MDB_RESTRICT) { /* a grant with fewer rights, in steps as well */
			hold_for_preemption(from, to, partner);
			ipc_lock_partner(partner);
			uint64_t epoch = unmap_restrict_granted(from, cur.base, cur.shift, cur.mask, true);
			if (current->xfer_abort)
				return false; /* the restriction may be partial: no move then */
			mdb_map_restricted(&cur, epoch);
			continue;
		}
		if (r == MDB_ENOMEM)
			hold_for_preemption(from, to, partner); /* asking the kmem pager blocks */
		if (r == MDB_ENOMEM && kmem_grow())
			continue;
		if (r == MDB_ENOMEM && kmem_reclaim_for(from))
			continue;
		kmem_note_denied(r == MDB_EQUOTA);
		return false;
	}
}

/* The end of the area that contains va, or 0 if none does. */
static vaddr_t area_end_at(const struct space *s, vaddr_t va)
{
	if (area_contains(s->kip_area, va, 1))
		return l4_fpage_base(s->kip_area) + ((word_t)1 << l4_fpage_size_log2(s->kip_area));
	if (area_contains(s->utcb_area, va, 1))
		return l4_fpage_base(s->utcb_area) + ((word_t)1 << l4_fpage_size_log2(s->utcb_area));
	return 0;
}

/* Maps the aligned block [dst, dst + 2^shift) but none of to's KIP and UTCB area:
 * a walk from left to right that skips each area whole and maps the largest
 * aligned block that misses both. Iterative on purpose: a recursion over the
 * halvings of a 2^47 block would need more kernel stack than a thread has, and
 * any thread can send such a map item. At most ~2 * 47 blocks per area edge. */
static bool map_around_areas(struct space *from, vaddr_t src, struct space *to, vaddr_t dst, unsigned shift,
			     unsigned rights, bool grant, struct tcb *partner)
{
	const vaddr_t end = dst + ((word_t)1 << shift);
	for (vaddr_t pos = dst; pos < end;) {
		vaddr_t skip = area_end_at(to, pos);
		if (skip) {
			pos = skip < end ? skip : end;
			continue;
		}
		/* areas are 4 KiB aligned: the page at pos misses them, so s ends >= 12 */
		unsigned s = shift;
		while (s > PAGE_SHIFT && ((pos & (((word_t)1 << s) - 1)) || pos + ((word_t)1 << s) > end ||
					  !mappable(to, pos, (word_t)1 << s)))
			s--;
		if (mappable(to, pos, (word_t)1 << s) &&
		    !map_block(from, src + (pos - dst), to, pos, s, rights, grant, partner))
			return false;
		pos += (word_t)1 << s;
	}
	return true;
}

bool space_map_item(struct space *from, l4_fpage_t snd, vaddr_t hot_spot, struct space *to, l4_fpage_t window,
		    bool grant, struct tcb *partner)
{
	trace_event(TRACE_MAP, snd, window, to->mdb.id | (word_t)from->mdb.id << 24 | (word_t)grant << 48);
	struct mdb_xfer x;
	unsigned rights = l4_fpage_rights(snd);
	if (!rights || !mdb_window(l4_fpage_base(snd), l4_fpage_size_log2(snd), hot_spot, l4_fpage_base(window),
				   l4_fpage_size_log2(window), &x))
		return true;
	if (from->sigma0) {
		sigma0_sync(from);
		sigma0_implicit_roots(from, x.src, (word_t)1 << x.shift);
	}
	bool ok = map_around_areas(from, x.src, to, x.dst, x.shift, rights, grant, partner);
	kmem_drain(false); /* a mapping replaced in the kmem pager's space may have taken lent pages */
	return ok;
}
