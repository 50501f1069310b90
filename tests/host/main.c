/* SPDX-License-Identifier: MIT */
/* Host unit-test runner: runs every registered test (or those matching argv[1]). */
#include <string.h>
#include <stdarg.h>
#include "harness.h"
#include <kern/panic.h>

int host_test_failed;

extern const struct host_test __start_host_tests[], __stop_host_tests[];

/* A kernel panic on the host fails the test loudly: abort gives ASan's trace. */
void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "PANIC: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

const char *host_golden_dir(void)
{
	const char *d = getenv("MNEMO_GOLDEN_DIR");
	return d ? d : "tests/host/golden";
}

int host_golden_check(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", host_golden_dir(), name);
	if (getenv("MNEMO_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");
		if (!f)
			return 0;
		fputs(text, f);
		fclose(f);
		return 1;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "  golden file %s missing (MNEMO_UPDATE_GOLDEN=1 writes it)\n", path);
		return 0;
	}
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	if (strcmp(buf, text) != 0) {
		fprintf(stderr, "  golden mismatch for %s; got:\n%s", path, text);
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	/* Registrations come out in reverse order of definition: run from the end. */
	for (const struct host_test *t = __stop_host_tests; t-- > __start_host_tests;) {
		if (filter && strncmp(t->id, filter, strlen(filter)) != 0)
			continue;
		host_test_failed = 0;
		t->fn();
		printf("%s host.%s %s\n", host_test_failed ? "not ok" : "ok", t->id, t->name);
		fflush(stdout);
		if (host_test_failed)
			failed++;
		else
			passed++;
	}
	printf("host: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
