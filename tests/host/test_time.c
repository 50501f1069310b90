/* SPDX-License-Identifier: MIT */
/* Host tests of X.2 time values (kernel/core/time.c): periods, points against the clock, both c phases, passed points. */
#include "harness.h"
#include <kern/time.h>

/* A point with exponent e, bit c and mantissa m. */
static uint16_t point(unsigned e, unsigned c, unsigned m) { return (uint16_t)(0x8000 | e << 11 | c << 10 | m); }

HOST_TEST(time_period, "time.period", "periods are m * 2^e us; never is none; every m = 0 is zero")
{
	word_t us = 7;
	CHECK(!time_period_us(0, &us)); /* never */
	CHECK(time_period_us(0x0400, &us));
	CHECK_EQ(us, 0); /* zero */
	CHECK(time_period_us((uint16_t)(3 << 10 | 1000), &us));
	CHECK_EQ(us, 8000);
	CHECK(time_period_us((uint16_t)(31 << 10 | 1023), &us));
	CHECK_EQ(us, 1023ull << 31);
	CHECK(!time_period_us(point(0, 0, 5), &us)); /* a point is no period */
	word_t at = 0;
	CHECK(time_expiry((uint16_t)(2 << 10 | 10), 1000, &at));
	CHECK_EQ(at, 1040);
	CHECK(!time_expiry(0, 1000, &at));
}

HOST_TEST(time_point_phases, "time.point.phases",
	  "a point takes the clock's high bits; c equal to the clock's bit e+10 stays in this stretch, else the next")
{
	/* e = 2: m covers bits 2..11, c is bit 12, a stretch is 4096 us. */
	word_t now = 0x5000 + 100; /* bit 12 set */
	CHECK_EQ(time_point_clock(point(2, 1, 300), now), 0x5000 + 1200); /* c = 1: this stretch, ahead */
	CHECK_EQ(time_point_clock(point(2, 0, 300), now), 0x6000 + 1200); /* c = 0: the next stretch */
	now = 0x6000 + 100; /* bit 12 clear */
	CHECK_EQ(time_point_clock(point(2, 0, 300), now), 0x6000 + 1200);
	CHECK_EQ(time_point_clock(point(2, 1, 300), now), 0x7000 + 1200);
	/* e = 0 at a carry into the high bits: 0x7ff + 1 */
	CHECK_EQ(time_point_clock(point(0, 0, 0), 0xfff), 0x1000);
	/* the largest exponent, 15: a stretch of 2^25 us */
	CHECK_EQ(time_point_clock(point(15, 1, 1), 5), (1ull << 25) + (1ull << 15));
	word_t at = 0;
	CHECK(time_expiry(point(2, 1, 300), 0x5000 + 100, &at));
	CHECK_EQ(at, 0x5000 + 1200);
}

HOST_TEST(time_point_passed, "time.point.passed", "a point already passed in this stretch expires now (a zero timeout)")
{
	word_t now = 0x5000 + 2000, at = 0;
	CHECK_EQ(time_point_clock(point(2, 1, 300), now), 0x5000 + 1200); /* behind now */
	CHECK(time_expiry(point(2, 1, 300), now, &at));
	CHECK_EQ(at, now);
	CHECK(time_expiry(point(2, 1, 500), 0x5000 + 2000, &at)); /* exactly now */
	CHECK_EQ(at, now);
}
