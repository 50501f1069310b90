/* SPDX-License-Identifier: MIT */
/* printk and snprintk on top of the shared formatter; output goes to the kernel console. */
#include <kern/printk.h>
#include <kern/console.h>
#include <mnemo/format.h>

static void console_sink(char c, void *arg)
{
	(void)arg;
	console_putc(c);
}

int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap) { return fmt_vsnprintf(buf, size, fmt, ap); }

int snprintk(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintk(const char *fmt, va_list ap) { return fmt_vformat(console_sink, NULL, fmt, ap); }

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
