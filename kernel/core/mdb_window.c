/* SPDX-License-Identifier: MIT */
/* X.2 send-fpage / receive-window arithmetic for map and grant items (pure). */
#include <kern/mdb.h>

/* Normalises an fpage to user space: s = 1 is the complete address space; sizes
 * above user space are clipped to it; the base is aligned down to the size (X.2
 * ignores base bits below the size). False for nil, too small or outside. */
static bool norm(vaddr_t *base, unsigned *shift)
{
	const unsigned top = MDB_USER_BITS;
	if (*shift == 1 || *shift >= top) {
		if (*shift != 1 && *shift < 64 && (*base >> *shift) != 0)
			return false; /* the page lies above user space */
		*base = 0;
		*shift = top;
		return true;
	}
	if (*shift < 12)
		return false;
	*base = ALIGN_DOWN(*base, (word_t)1 << *shift);
	return *base + ((word_t)1 << *shift) <= ((word_t)1 << top);
}

/*
 * X.2 (map item, receive window): the smaller of send fpage and receive window
 * is transferred. If the window is smaller, the hot spot (the map item's send
 * base) selects the window-sized aligned part of the send fpage; if the fpage is
 * smaller, it lands at window base + (hot spot mod window size), aligned down
 * to the fpage size.
 */
bool mdb_window(vaddr_t snd_base, unsigned snd_shift, vaddr_t hot_spot, vaddr_t rcv_base, unsigned rcv_shift,
		struct mdb_xfer *out)
{
	if (!norm(&snd_base, &snd_shift) || !norm(&rcv_base, &rcv_shift))
		return false;
	word_t ssize = (word_t)1 << snd_shift, rsize = (word_t)1 << rcv_shift;
	if (snd_shift <= rcv_shift) {
		out->shift = snd_shift;
		out->src = snd_base;
		out->dst = rcv_base + ALIGN_DOWN(hot_spot & (rsize - 1), ssize);
	} else {
		out->shift = rcv_shift;
		out->src = snd_base + ALIGN_DOWN(hot_spot & (ssize - 1), rsize);
		out->dst = rcv_base;
	}
	return true;
}
