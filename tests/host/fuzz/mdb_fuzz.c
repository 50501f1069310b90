/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the mdb against its reference model, 8 input bytes per operation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <arch/mdb_model.h>
#include <kern/panic.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	mdbm_setup(data[0] & 1); /* first byte: x86-64 leaf sizes or 4K/32K/256K */
	for (size_t i = 1; i + MDBM_OP_BYTES <= size; i += MDBM_OP_BYTES)
		if (mdbm_step(data + i, (i / MDBM_OP_BYTES) % 16 == 15))
			abort(); /* divergence or broken invariant: printed by mdbm_step */
	if (mdbm_compare_all())
		abort();
	mdbm_teardown();
	return 0;
}
