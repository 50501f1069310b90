/* SPDX-License-Identifier: MIT */
/* In-guest test harness: tests register with stable IDs; the runner prints "ok ID name" lines. */
#ifndef USER_TEST_H
#define USER_TEST_H

#include <stdio.h>
#include <stdbool.h>

struct user_test {
	const char *id; /* stable ID, never reused */
	const char *name; /* what it checks */
	void (*fn)(void);
};

#define USER_TEST(ident, idstr, desc) \
	static void ident(void); \
	static const struct user_test ident##_reg \
	    __attribute__((used, section(".user_tests"), aligned(8))) = {idstr, desc, ident}; \
	static void ident(void)

extern int test_failed;
#define TEST_CHECK(cond) \
	do { \
		if (!(cond)) { \
			printf("  check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			test_failed = 1; \
			return; \
		} \
	} while (0)
#define TEST_CHECK_EQ(a, b) \
	do { \
		unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
		if (_a != _b) { \
			printf("  check failed: %s == %s (%#llx != %#llx) (%s:%d)\n", #a, #b, _a, _b, __FILE__, \
			       __LINE__); \
			test_failed = 1; \
			return; \
		} \
	} while (0)

/* Runs every registered test, checks that all of them ran, prints the summary
 * and leaves QEMU with the pass code only if everything passed. */
__attribute__((noreturn)) void test_run_all(const char *suite);

#endif
