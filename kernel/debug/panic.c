/* SPDX-License-Identifier: MIT */
/* panic(): report corrupted kernel state and stop (QEMU exits with the fail code). */
#include <stdarg.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/kdb.h>
#include <arch/cpu.h>
#include <mnemo/exitcode.h>

void panic(const char *fmt, ...)
{
	irq_disable();
	va_list ap;
	va_start(ap, fmt);
	printk("\nmnemo: PANIC: ");
	vprintk(fmt, ap);
	printk("\n");
	va_end(ap);
	kdb_panic(); /* with the kernel option kdb: the debugger, whose `go` exits */
	arch_debug_exit(MNEMO_EXIT_FAIL);
}
