/* SPDX-License-Identifier: MIT */
/* The printf engine shared by the kernel (printk) and user programs (printf). */
#ifndef MNEMO_FORMAT_H
#define MNEMO_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Formats fmt, handing each character to put; returns the number of characters. */
int fmt_vformat(void (*put)(char c, void *arg), void *arg, const char *fmt, va_list ap);
/* Formats into buf (NUL-terminated when size > 0); returns the full length. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
