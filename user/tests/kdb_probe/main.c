/* SPDX-License-Identifier: MIT */
/* Root task of scenario.kdb: enters the kernel debugger, comes back, then runs for a
 * while so that a break-in (ESC on the serial console) can stop it, and passes. */
#include <stdio.h>
#include <l4/kdebug.h>
#include <l4/schedule.h>
#include <mnemo/exitcode.h>

/* Written with the X.2 convenience interface. */
int main(void)
{
	printf("kdb probe: entering the kernel debugger\n");
	L4_KDB_Enter("kdb probe");
	printf("kdb probe: back from the kernel debugger; running for a second (break-in welcome)\n");
	L4_Clock_t end = L4_ClockAddUsec(L4_SystemClock(), 1000000);
	while (L4_IsClockEarlier(L4_SystemClock(), end))
		__asm__ volatile("pause");
	printf("kdb probe: done\n");
	/* Root servers have I/O privilege: end the run with the pass code. */
	__asm__ volatile("outb %0, %1"
			 :
			 : "a"((unsigned char)MNEMO_EXIT_PASS), "Nd"((unsigned short)MNEMO_DEBUG_EXIT_PORT));
	for (;;)
		__asm__ volatile("pause");
}
