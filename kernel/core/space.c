/* SPDX-License-Identifier: MIT */
/* Address spaces: creation, the X.2 KIP and UTCB areas, and kernel-allocated UTCB memory. */
#include <kern/space.h>
#include <kern/frame.h>
#include <kern/kip.h>
#include <kern/string.h>
#include <kern/mdb.h>
#include <l4/utcb.h>
#include <arch/physmem.h>
#include <arch/layout.h>

struct space *space_create(void)
{
	paddr_t f = frame_alloc();
	if (!f)
		return NULL;
	struct space *s = phys_to_virt(f);
	if (!pt_create(&s->pt)) {
		frame_free(f);
		return NULL;
	}
	return s;
}

void space_destroy(struct space *s)
{
	pt_destroy(&s->pt); /* UTCB frames are freed with the tables' leaves by the mdb later */
	frame_free(virt_to_phys(s));
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
	if (!pt_lookup(&s->pt, page, &pa, &sz, &rights)) {
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

/* Whether [va, va + size) is ordinary user memory of s (not its KIP or UTCB area). */
static bool mappable(const struct space *s, vaddr_t va, word_t size)
{
	l4_word_t kb = l4_fpage_base(s->kip_area), ke = kb + ((word_t)1 << l4_fpage_size_log2(s->kip_area));
	l4_word_t ub = l4_fpage_base(s->utcb_area), ue = ub + ((word_t)1 << l4_fpage_size_log2(s->utcb_area));
	return va + size <= USER_TOP && !(va < ke && kb < va + size) && !(va < ue && ub < va + size);
}

/* What sigma0 holds at va without having touched it: all physical memory but
 * the kernel's own (ABI §4.4). */
static bool sigma0_implicit(vaddr_t va, word_t size)
{
	for (word_t off = 0; off < size; off += PAGE_SIZE)
		if (frame_in_pool(va + off) || !arch_user_may_own(va + off))
			return false;
	return va + size <= SIGMA0_PHYS_LIMIT;
}

/* Until the mapping database is wired to the x86-64 page tables this copies
 * page-table leaves; see docs/x2-status.md. */
void space_map_item(struct space *from, l4_fpage_t snd, vaddr_t hot_spot, struct space *to, l4_fpage_t window,
		    bool grant)
{
	struct mdb_xfer x;
	unsigned rights = l4_fpage_rights(snd);
	if (!rights || !mdb_window(l4_fpage_base(snd), l4_fpage_size_log2(snd), hot_spot, l4_fpage_base(window),
				   l4_fpage_size_log2(window), &x))
		return;
	word_t size = (word_t)1 << x.shift;
	for (word_t off = 0; off < size;) {
		vaddr_t sva = x.src + off, dva = x.dst + off;
		paddr_t pa;
		unsigned sz, r;
		if (pt_lookup(&from->pt, sva, &pa, &sz, &r)) {
			sz = 12; /* a leaf of the destination never spans more than the source page */
			pa = ALIGN_DOWN(pa, PAGE_SIZE);
		} else if (from->sigma0) {
			sz = (size - off >= (1ull << 21) && !(sva & ((1ull << 21) - 1)) && !(dva & ((1ull << 21) - 1)))
				     ? 21 : 12;
			if (!sigma0_implicit(sva, (word_t)1 << sz)) {
				off += PAGE_SIZE;
				continue;
			}
			pa = sva;
			r = L4_FULLY_ACCESSIBLE;
		} else {
			off += PAGE_SIZE;
			continue;
		}
		word_t len = (word_t)1 << sz;
		if (mappable(to, dva, len) && (from != to || sva != dva)) {
			pt_map(&to->pt, dva, pa, sz, rights & r);
			if (grant && !from->sigma0)
				pt_unmap(&from->pt, sva);
		}
		off += len;
	}
}
