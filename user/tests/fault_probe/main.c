/* SPDX-License-Identifier: MIT */
/* Runs in sigma0's place: prints through the KDB system call, then touches kernel memory, which the kernel must report. */
#include <stdio.h>
#include <l4/kip.h>

/* Written with the X.2 convenience interface: the kernel pool is the first
 * reserved physical memory descriptor of the KIP. */
int main(void)
{
	void *kip = L4_GetKernelInterface();
	L4_Word_t target = 0;
	for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip) && !target; i++) {
		L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
		if (L4_MemoryDescType(d) == L4_ReservedMemoryType && !L4_IsMemoryDescVirtual(d))
			target = L4_MemoryDescLow(d);
	}
	unsigned long cs;
	__asm__("mov %%cs, %0" : "=r"(cs));
	printf("fault probe: printing through the KDB system call from ring %lu\n", cs & 3);
	printf("fault probe: reading kernel memory at %#llx\n", (unsigned long long)target);
	volatile L4_Word_t *p = (volatile L4_Word_t *)target;
	printf("fault probe: read %#llx: the kernel let a user read its memory\n", (unsigned long long)*p);
	return 1;
}
