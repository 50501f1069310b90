/* SPDX-License-Identifier: MIT */
/* Root task of scenario.kdb: enters the kernel debugger, comes back, then runs for a
 * while so that a break-in (ESC on the serial console) can stop it, and passes. */
#include <stdio.h>
#include <l4/kdebug.h>
#include <l4/syscalls.h>
#include <mnemo/exitcode.h>

int main(void)
{
	printf("kdb probe: entering the kernel debugger\n");
	L4_KDB_Enter("kdb probe");
	printf("kdb probe: back from the kernel debugger; running for a second (break-in welcome)\n");
	l4_clock_t start = l4_system_clock();
	while (l4_system_clock() - start < 1000000)
		__asm__ volatile("pause");
	printf("kdb probe: done\n");
	/* Root servers have I/O privilege: end the run with the pass code. */
	__asm__ volatile("outb %0, %1"
			 :
			 : "a"((unsigned char)MNEMO_EXIT_PASS), "Nd"((unsigned short)MNEMO_DEBUG_EXIT_PORT));
	for (;;)
		__asm__ volatile("pause");
}
