/* SPDX-License-Identifier: MIT */
/* sigma0: the root pager; owns all physical memory idempotently and hands it out by IPC. */
#include <stdio.h>
#include <l4/syscalls.h>

int main(void)
{
	printf("sigma0: thread %llx, KIP at %p\n", (unsigned long long)L4_Myself(), (void *)__l4_kip);
	for (;;)
		L4_Yield();
}
