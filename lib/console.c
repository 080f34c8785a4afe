/*
 * console.c - the locked serial console, kprintf and panic.
 *
 * kvsnprintf is a small formatter that never allocates, so it is safe in
 * the trap handler, in panic() and inside the heap. It knows the flags
 * '0' and '-', a field width, the length modifiers l, ll, z, and the
 * conversions d i u x X p s c %.
 */
#include "console.h"

#include <stdbool.h>
#include <stdint.h>

#include "hart.h"
#include "platform.h"
#include "spinlock.h"

static struct recursive_lock console_lock;

void console_write_unlocked(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			platform_putc('\r');
		platform_putc(s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	recursive_lock(&console_lock);
	console_write_unlocked(s, n);
	recursive_unlock(&console_lock);
}

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_number(struct out *o, uint64_t v, bool negative, unsigned base,
		       bool upper, int width, char pad, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	int len = n + (negative ? 1 : 0);
	if (negative && (pad == '0' || left))
		out_char(o, '-');
	for (int i = len; !left && i < width; i++)
		out_char(o, pad);
	if (negative && pad != '0' && !left)
		out_char(o, '-');
	while (n > 0)
		out_char(o, tmp[--n]);
	for (int i = len; left && i < width; i++)
		out_char(o, ' ');
}

static void out_string(struct out *o, const char *s, int width, bool left)
{
	int len = 0;

	if (s == NULL)
		s = "(null)";
	while (s[len] != '\0')
		len++;
	for (int i = len; !left && i < width; i++)
		out_char(o, ' ');
	for (int i = 0; i < len; i++)
		out_char(o, s[i]);
	for (int i = len; left && i < width; i++)
		out_char(o, ' ');
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};

	for (const char *p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		p++;
		bool left = false;
		char pad = ' ';
		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				pad = '0';
			else
				break;
		}
		int width = 0;
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		int longs = 0;
		while (*p == 'l' || *p == 'z') {
			longs += *p == 'z' ? 2 : 1;
			p++;
		}
		uint64_t u;
		int64_t s;
		switch (*p) {
		case 'd':
		case 'i':
			s = longs ? va_arg(ap, long long) : va_arg(ap, int);
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			out_number(&o, u, s < 0, 10, false, width, pad, left);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = longs ? va_arg(ap, unsigned long long)
				  : va_arg(ap, unsigned int);
			out_number(&o, u, false, *p == 'u' ? 10 : 16, *p == 'X',
				   width, pad, left);
			break;
		case 'p':
			out_char(&o, '0');
			out_char(&o, 'x');
			out_number(&o, (uintptr_t)va_arg(ap, void *), false, 16,
				   false, width, pad, left);
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), width, left);
			break;
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *p);
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int kprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf,
		      (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("\nPANIC on hart %u: ", this_hart()->index);
	console_write(buf,
		      (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	kprintf("\n");
	platform_exit(EXIT_PANIC);
}
