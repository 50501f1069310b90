/* SPDX-License-Identifier: MIT */
/* Runs in sigma0's place: prints through the KDB system call, then touches kernel memory, which the kernel must report. */
#include <stdio.h>
#include <l4/syscalls.h>

int main(void)
{
	unsigned n = l4_kip_memdesc_count(__l4_kip);
	l4_word_t target = 0;
	for (unsigned i = 0; i < n && !target; i++) {
		struct l4_memdesc d = __l4_kip->memdesc[i];
		if (l4_memdesc_type(d) == L4_MEM_RESERVED && !l4_memdesc_virtual(d))
			target = l4_memdesc_low(d);
	}
	unsigned long cs;
	__asm__("mov %%cs, %0" : "=r"(cs));
	printf("fault probe: printing through the KDB system call from ring %lu\n", cs & 3);
	printf("fault probe: reading kernel memory at %#llx\n", (unsigned long long)target);
	volatile l4_word_t *p = (volatile l4_word_t *)target;
	printf("fault probe: read %#llx: the kernel let a user read its memory\n", (unsigned long long)*p);
	return 1;
}
