/* SPDX-License-Identifier: MIT */
/* libl4 start-up: find the KIP with KernelInterface and copy the system-call stub addresses. */
#include <l4/syscalls.h>

l4_word_t __l4_syscall[L4_SC_COUNT];
struct l4_kip *__l4_kip;

void l4_init(void)
{
	__l4_kip = l4_kernel_interface(NULL, NULL, NULL);
	for (unsigned i = 0; i < L4_SC_COUNT; i++)
		__l4_syscall[i] = __l4_kip->syscall[i];
}
