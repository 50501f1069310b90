/* SPDX-License-Identifier: MIT */
/* mnemo-loader console: polled COM1 at 115200 8N1, a small printf, and the error exit. */
#include <stdarg.h>
#include <mnemo/exitcode.h>
#include "loader.h"

#define COM1 0x3f8
#define LSR_THRE 0x20

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void console_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFOs on and cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the loader. */
	for (unsigned i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		;
	outb(COM1, (uint8_t)c);
}

static void cputc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

static void cputs(const char *s)
{
	while (*s)
		cputc(*s++);
}

/* Numbers: 32-bit decimal (32-bit division is native), 64-bit hex by shifts only. */
static void put_num(uint64_t v, unsigned base, unsigned width, char pad)
{
	char buf[24];
	unsigned n = 0;
	do {
		unsigned digit;
		if (base == 16) {
			digit = (unsigned)(v & 0xf);
			v >>= 4;
		} else {
			uint32_t w = (uint32_t)v;
			digit = w % 10;
			v = w / 10;
		}
		buf[n++] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
	} while (v && n < sizeof(buf));
	while (n < width && n < sizeof(buf))
		buf[n++] = pad;
	while (n)
		cputc(buf[--n]);
}

/* %s %c %u %x %llx %p %% with a width (zero-padded numbers, %-Ns left-justified);
 * %u prints 32 bits only. */
static void cvprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			cputc(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		unsigned width = 0;
		int left = 0;
		if (*fmt == '-')
			left = 1, fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		int is_ll = 0;
		if (fmt[0] == 'l' && fmt[1] == 'l')
			is_ll = 1, fmt += 2;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			unsigned len = (unsigned)lstrlen(s);
			for (; !left && len < width; len++)
				cputc(' ');
			cputs(s);
			for (; left && len < width; len++)
				cputc(' ');
			break;
		}
		case 'c': cputc((char)va_arg(ap, int)); break;
		case 'u': put_num(is_ll ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad); break;
		case 'x': put_num(is_ll ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad); break;
		case 'p':
			cputs("0x");
			put_num((uintptr_t)va_arg(ap, void *), 16, 0, pad);
			break;
		case '%': cputc('%'); break;
		default:
			cputc('%');
			if (!*fmt)
				return;
			cputc(*fmt);
		}
	}
}

void cprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cvprintf(fmt, ap);
	va_end(ap);
}

void loader_fail(const char *fmt, ...)
{
	va_list ap;
	cputs("mnemo-loader: error: ");
	va_start(ap, fmt);
	cvprintf(fmt, ap);
	va_end(ap);
	cputc('\n');
	loader_halt(MNEMO_EXIT_FAIL);
}

size_t lstrlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* gcc may emit calls to these for struct copies, so they carry the standard names. */
void *memcpy(void *d, const void *s, size_t n)
{
	void *ret = d;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

void *memset(void *d, int c, size_t n)
{
	void *ret = d;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}
