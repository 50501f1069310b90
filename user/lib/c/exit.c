/* SPDX-License-Identifier: MIT */
/* exit(): X.2 has no process exit, so the thread reports and stops running its code. */
#include <stdio.h>
#include <stdlib.h>
#include <l4/syscalls.h>

void exit(int status)
{
	printf("exit(%d)\n", status);
	for (;;)
		l4_yield();
}
