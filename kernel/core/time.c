/* SPDX-License-Identifier: MIT */
/* X.2 time values (§"Time"): periods and points as clock values, for IPC, xfer timeouts and Schedule. */
#include <kern/time.h>

word_t time_point_clock(uint16_t t, word_t now)
{
	unsigned e = (t >> 11) & 0xf, c = (t >> 10) & 1;
	word_t m = t & 0x3ff;
	/* The clock above bit e+10 is now's; c picks this 2^(e+10) stretch of the
	 * clock or the next one: the one whose bit e+10 equals c. */
	word_t high = now >> (e + 10);
	if ((high & 1) != c)
		high++;
	return high << (e + 10) | m << e;
}

bool time_expiry(uint16_t t, word_t now, word_t *at)
{
	if (time_is_point(t)) {
		word_t p = time_point_clock(t, now);
		*at = p > now ? p : now; /* passed: due at once */
		return true;
	}
	word_t us;
	if (!time_period_us(t, &us))
		return false;
	*at = now + us;
	return true;
}
