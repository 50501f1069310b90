/* SPDX-License-Identifier: MIT */
/* X.2 time values (§"Time"): periods and points, turned into clock values (microseconds). */
#ifndef KERN_TIME_H
#define KERN_TIME_H

#include <kern/types.h>

/* Bit 15 of a time: the point form (bits 11-14 e, bit 10 c, bits 0-9 m). */
#define TIME_POINT_BIT 0x8000u

static inline bool time_is_point(uint16_t t) { return (t & TIME_POINT_BIT) != 0; }

/* A period (bit 15 clear) in microseconds, m * 2^e; false for never (0) and for
 * points. Every period with m = 0 other than never is zero. */
static inline bool time_period_us(uint16_t t, word_t *us)
{
	if (t == 0 || time_is_point(t)) /* 0 is never */
		return false;
	*us = (word_t)(t & 0x3ff) << ((t >> 10) & 0x1f);
	return true;
}

/* The clock value a point names, read against the clock value now (X.2 §"Time"):
 * bits e..e+9 of it are m, bit e+10 is c, and the bits above are now's, plus one
 * 2^(e+10) step when now's bit e+10 differs from c. So a point lies at most
 * 2^(e+11) us ahead; with c equal to now's bit it may lie behind now (passed). */
word_t time_point_clock(uint16_t t, word_t now);

/* When a timeout that starts now expires: false for never; a period counts from
 * now, a point is its clock value, and a point already passed expires now (so it
 * acts as a zero timeout). */
bool time_expiry(uint16_t t, word_t now, word_t *at);

#endif
