/* SPDX-License-Identifier: MIT */
/* Host unit-test harness: tests register with a stable ID and print "ok ID name". */
#ifndef HOST_HARNESS_H
#define HOST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

struct host_test {
	const char *id; /* stable ID, e.g. "mdb.chain"; never reused for another test */
	const char *name; /* one line saying what it checks */
	void (*fn)(void);
};

/* Registers a test in the host_tests section; main() runs them all. */
#define HOST_TEST(ident, idstr, desc) \
	static void ident(void); \
	static const struct host_test ident##_reg \
	    __attribute__((used, section("host_tests"), aligned(8))) = {idstr, desc, ident}; \
	static void ident(void)

/* A failed check fails the current test and returns from it. */
extern int host_test_failed;
#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "  check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			host_test_failed = 1; \
			return; \
		} \
	} while (0)
#define CHECK_EQ(a, b) \
	do { \
		unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
		if (_a != _b) { \
			fprintf(stderr, "  check failed: %s == %s (0x%llx != 0x%llx) (%s:%d)\n", #a, #b, _a, _b, \
				__FILE__, __LINE__); \
			host_test_failed = 1; \
			return; \
		} \
	} while (0)

/* Directory of golden files (tests/host/golden), for text-dump comparisons. */
const char *host_golden_dir(void);
/* Compares text with the golden file; with MNEMO_UPDATE_GOLDEN=1 rewrites it. */
int host_golden_check(const char *name, const char *text);

#endif
