/* SPDX-License-Identifier: MIT */
/* panic() for corrupted kernel state and assert() for kernel invariants. */
#ifndef KERN_PANIC_H
#define KERN_PANIC_H

#include <kern/types.h>

/* Always on. In the kernel it reports and stops (a test build exits QEMU with
 * the fail code); on the host it aborts, so a unit test sees the failure. */
__noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CONFIG_ASSERT 1

/* Kernel invariants only: user input must never reach an assert. */
#define assert(cond) \
	do { \
		if (CONFIG_ASSERT && unlikely(!(cond))) \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
