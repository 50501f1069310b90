/* SPDX-License-Identifier: MIT */
/* printf-style formatting shared by the kernel and user programs: %d %i %u %x %X %p %s %c %% with l, ll, z, width, 0, - and #. */
#include <mnemo/format.h>

struct sink {
	void (*put)(char c, void *arg);
	void *arg;
	size_t len; /* characters produced so far */
};

static void sink_put(struct sink *s, char c)
{
	s->put(c, s->arg);
	s->len++;
}

static void put_padded(struct sink *s, const char *str, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;
	if (!left)
		while (fill-- > 0)
			sink_put(s, pad);
	for (size_t i = 0; i < n; i++)
		sink_put(s, str[i]);
	if (left)
		while (fill-- > 0)
			sink_put(s, ' ');
}

static void put_number(struct sink *s, unsigned long long v, bool neg, unsigned base, bool upper, int width, bool left,
		       char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0;
	do {
		tmp[sizeof tmp - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg) {
		if (pad == '0') {
			sink_put(s, '-');
			width--;
		} else {
			tmp[sizeof tmp - 1 - n++] = '-';
		}
	}
	put_padded(s, tmp + sizeof tmp - n, n, width, left, pad);
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			sink_put(s, *fmt);
			continue;
		}
		fmt++;
		bool left = false, alt = false;
		char pad = ' ';
		for (; *fmt == '-' || *fmt == '0' || *fmt == '#'; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else
				pad = '0';
		}
		int width = 0;
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		int lng = 0;
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		unsigned long long u;
		long long d;
		switch (*fmt) {
		case 'd':
		case 'i':
			d = lng ? va_arg(ap, long long) : va_arg(ap, int);
			put_number(s, d < 0 ? 0ull - (unsigned long long)d : (unsigned long long)d, d < 0, 10, false,
				   width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
			if (alt && *fmt != 'u') {
				sink_put(s, '0');
				sink_put(s, 'x');
				width -= 2;
			}
			put_number(s, u, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, left, pad);
			break;
		case 'p':
			sink_put(s, '0');
			sink_put(s, 'x');
			put_number(s, (uintptr_t)va_arg(ap, void *), false, 16, false, 16, false, '0');
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			size_t n = 0;
			while (str[n])
				n++;
			put_padded(s, str, n, width, left, ' ');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(s, &c, 1, width, left, ' ');
			break;
		}
		case '%': sink_put(s, '%'); break;
		case '\0': fmt--; break;
		default: /* unknown conversion: show it rather than guess */
			sink_put(s, '%');
			sink_put(s, *fmt);
			break;
		}
	}
	return (int)s->len;
}

int fmt_vformat(void (*put)(char c, void *arg), void *arg, const char *fmt, va_list ap)
{
	struct sink s = {put, arg, 0};
	return format(&s, fmt, ap);
}

struct buf_sink {
	char *buf;
	size_t size, len;
};

static void buf_put(char c, void *arg)
{
	struct buf_sink *b = arg;
	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = {buf, size, 0};
	int n = fmt_vformat(buf_put, &b, fmt, ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}
