/* SPDX-License-Identifier: MIT */
/* printf for user programs: formats into a line buffer, prints it with the KDB PrintString call. */
#include <stdio.h>
#include <l4/kdebug.h>
#include <mnemo/format.h>

struct line {
	char buf[256];
	size_t len;
};

static void flush(struct line *l)
{
	l->buf[l->len] = '\0';
	L4_KDB_PrintString(l->buf);
	l->len = 0;
}

static void line_put(char c, void *arg)
{
	struct line *l = arg;
	l->buf[l->len++] = c;
	if (c == '\n' || l->len == sizeof l->buf - 1)
		flush(l);
}

int vprintf(const char *fmt, va_list ap)
{
	struct line l = {.len = 0};
	int n = fmt_vformat(line_put, &l, fmt, ap);
	if (l.len)
		flush(&l);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s) { return printf("%s\n", s); }
