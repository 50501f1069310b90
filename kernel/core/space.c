/* SPDX-License-Identifier: MIT */
/* Address spaces: creation, the X.2 KIP and UTCB areas, and kernel-allocated UTCB memory. */
#include <kern/space.h>
#include <kern/frame.h>
#include <kern/kip.h>
#include <kern/string.h>
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
