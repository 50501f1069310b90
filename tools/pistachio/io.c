/* io.c: local stand-in for Pistachio's libio (printf/putc/getc on COM1), written here because the index holds no clean amd64 libio (print.cc polluted by a fork, amd64-port.h and lib.h missing). */
#include <stdarg.h>
typedef unsigned long word_t;

static inline unsigned char inb(unsigned short p) { unsigned char v; __asm__ volatile("inb %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static inline void outb(unsigned short p, unsigned char v) { __asm__ volatile("outb %0,%1" : : "a"(v), "Nd"(p)); }

void putc(int c)
{
	if (c == '\n')
		putc('\r');
	while (!(inb(0x3f8 + 5) & 0x20))
		;
	outb(0x3f8, (unsigned char)c);
}

int getc(void)
{
	while (!(inb(0x3f8 + 5) & 0x01))
		;
	return inb(0x3f8);
}

static void put_num(unsigned long v, int base, int width, int zero, int neg, int upper)
{
	char buf[32];
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		buf[n++] = dig[v % (unsigned)base];
		v /= (unsigned)base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	while (n < width)
		buf[n++] = zero ? '0' : ' ';
	while (n)
		putc(buf[--n]);
}

int vprintf_local(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc(*fmt);
			continue;
		}
		fmt++;
		int zero = 0, width = 0, lng = 0, alt = 0, left = 0;
		while (*fmt == '0' || *fmt == '#' || *fmt == '-') {
			if (*fmt == '0') zero = 1;
			if (*fmt == '#') alt = 1;
			if (*fmt == '-') left = 1;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		(void)left;
		switch (*fmt) {
		case 'd': case 'i': {
			long v = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(v < 0 ? -(unsigned long)v : (unsigned long)v, 10, width, zero, v < 0, 0);
			break;
		}
		case 'u':
			put_num(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, width, zero, 0, 0);
			break;
		case 'x': case 'X':
			if (alt) { putc('0'); putc('x'); }
			put_num(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, width, zero, 0, *fmt == 'X');
			break;
		case 'p':
			putc('0'); putc('x');
			put_num((unsigned long)va_arg(ap, void *), 16, 16, 1, 0, 0);
			break;
		case 'c':
			putc(va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;
			if (!s) s = "(null)";
			for (const char *t = s; *t; t++) n++;
			while (n++ < width) putc(' ');
			while (*s) putc(*s++);
			break;
		}
		case '%':
			putc('%');
			break;
		default:
			putc('%');
			putc(*fmt);
		}
	}
	return 0;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf_local(fmt, ap);
	va_end(ap);
	return 0;
}
