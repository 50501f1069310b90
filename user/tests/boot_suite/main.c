/* SPDX-License-Identifier: MIT */
/* The boot suite: a root task checking the execution environment mnemo gives X.2 programs. */
#include <test.h>
#include <l4/syscalls.h>
#include <l4/kdebug.h>

int main(void)
{
	printf("boot suite: hello from ring 3\n");
	test_run_all("boot");
}
