/* SPDX-License-Identifier: MIT */
/* The in-guest test runner: runs the registered tests and reports through isa-debug-exit. */
#include <test.h>
#include <mnemo/exitcode.h>

int test_failed;

extern const struct user_test __start_user_tests[], __stop_user_tests[];

/* Root servers have I/O privilege (IOPL 3): the test program itself ends the run. */
static __attribute__((noreturn)) void debug_exit(unsigned char code)
{
	__asm__ volatile("outb %0, %1" : : "a"(code), "Nd"((unsigned short)MNEMO_DEBUG_EXIT_PORT));
	for (;;)
		__asm__ volatile("pause");
}

void test_run_all(const char *suite)
{
	unsigned registered = (unsigned)(__stop_user_tests - __start_user_tests), ran = 0, passed = 0;
	printf("%s: %u tests\n", suite, registered);
	/* The compiler emits registrations in reverse order of definition: run from
	 * the end so that tests run in the order they are written. */
	for (const struct user_test *t = __stop_user_tests; t-- > __start_user_tests;) {
		test_failed = 0;
		t->fn();
		ran++;
		if (!test_failed)
			passed++;
		printf("%s %s %s\n", test_failed ? "not ok" : "ok", t->id, t->name);
	}
	bool complete = ran == registered && registered > 0;
	if (!complete)
		printf("not ok %s.complete only %u of %u registered tests ran\n", suite, ran, registered);
	printf("%s: %u passed, %u failed\n", suite, passed, ran - passed);
	debug_exit(complete && passed == ran ? MNEMO_EXIT_PASS : MNEMO_EXIT_FAIL);
}
