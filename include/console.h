/*
 * console.h - the serial console, shared by every hart.
 *
 * console_write() takes the console lock, so lines from two harts never mix
 * mid-line when each prints a whole line per call. kprintf() formats without
 * allocating (a small %d %u %x %lx %lu %zu %p %s %c subset), so the trap
 * handler, panic() and the heap's error reports can use it when malloc or
 * newlib's stdio cannot be trusted.
 */
#ifndef SPANFENCE_CONSOLE_H
#define SPANFENCE_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void console_write(const char *s, size_t n);
/* The same without the lock, for exit and trap paths that must not wait. */
void console_write_unlocked(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print "PANIC: ..." with the hart and stop the board with EXIT_PANIC. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt,
							   ...);

#endif
