/* SPDX-License-Identifier: MIT */
/* Kernel console output: a small printf for the serial console (or stdout on the host). */
#ifndef KERN_PRINTK_H
#define KERN_PRINTK_H

#include <stdarg.h>
#include <kern/types.h>

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);
/* Formats into buf (always NUL-terminated when size > 0); returns the full length. */
int snprintk(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap);

#endif
