/* SPDX-License-Identifier: MIT */
/* The interactive kernel debugger on the serial console (kernel/debug/kdb.c; docs/kernel.md). */
#ifndef KERN_KDB_H
#define KERN_KDB_H

#include <kern/types.h>

/* Whether the kernel command line has `kdb`. Without it the debugger is never
 * entered and never reads the serial port, so tests and benchmarks cannot
 * block on input. */
bool kdb_enabled(void);
/* Runs the command loop until `go` (polled console, interrupts off). Does
 * nothing unless kdb_enabled(), or when the debugger is already active. */
void kdb_enter(const char *reason);
/* The timer tick: in kdb mode, takes the waiting serial input; an ESC enters
 * the debugger, other bytes are kept as type-ahead for its command line. */
void kdb_poll_breakin(void);
/* From panic() after its message: in kdb mode enters the debugger, whose `go`
 * then exits with the fail code instead of resuming. A panic inside a debugger
 * command abandons that command. Returns when kdb is off (panic goes on). */
void kdb_panic(void);

#endif
