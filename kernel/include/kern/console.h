/* SPDX-License-Identifier: MIT */
/* The kernel console: one character out, one in (the serial port on x86-64). */
#ifndef KERN_CONSOLE_H
#define KERN_CONSOLE_H

#include <kern/types.h>

void console_putc(char c);
/* Returns the next input character, or -1 when none is waiting. */
int console_getc(void);

#endif
