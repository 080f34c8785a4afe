/*
 * syscalls.c - the system calls newlib is built to expect
 * (--disable-newlib-supplied-syscalls).
 *
 * The riscv64-unknown-elf build calls them with a leading underscore, the
 * mips64el-elf build without (MISSING_SYSCALL_NAMES): each is defined once
 * under the underscored name with the plain name as an alias.
 *
 * write() to fd 1 or 2 goes to the locked console, _exit() powers the board
 * off with the status. sbrk() has no memory to give: all of it belongs to
 * the span heap, which replaces newlib's malloc (heap/libc.c).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include "console.h"
#include "counter.h"
#include "platform.h"

#define ALIAS(name) __attribute__((alias(#name)))

int _write(int fd, const void *buf, size_t n)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, n);
	return (int)n;
}
int write(int fd, const void *buf, size_t n) ALIAS(_write);

int _read(int fd, void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	return 0;
}
int read(int fd, void *buf, size_t n) ALIAS(_read);

void *_sbrk(ptrdiff_t incr)
{
	(void)incr;
	errno = ENOMEM;
	return (void *)-1;
}
void *sbrk(ptrdiff_t incr) ALIAS(_sbrk);

int _close(int fd)
{
	(void)fd;
	errno = EBADF;
	return -1;
}
int close(int fd) ALIAS(_close);

off_t _lseek(int fd, off_t off, int whence)
{
	(void)fd;
	(void)off;
	(void)whence;
	errno = ESPIPE;
	return -1;
}
off_t lseek(int fd, off_t off, int whence) ALIAS(_lseek);

int _fstat(int fd, struct stat *st)
{
	if (fd < 0 || fd > 2) {
		errno = EBADF;
		return -1;
	}
	st->st_mode = S_IFCHR; /* a terminal: stdout is line-buffered */
	st->st_blksize = 0;
	return 0;
}
int fstat(int fd, struct stat *st) ALIAS(_fstat);

int _isatty(int fd)
{
	return fd >= 0 && fd <= 2;
}
int isatty(int fd) ALIAS(_isatty);

int _getpid(void)
{
	return 1;
}
int getpid(void) ALIAS(_getpid);

int _kill(int pid, int sig)
{
	if (pid == 1)
		panic("signal %d raised (abort or assert)", sig);
	errno = ESRCH;
	return -1;
}
int kill(int pid, int sig) ALIAS(_kill);

int _gettimeofday(struct timeval *tv, void *tz)
{
	(void)tz;
	uint64_t t = counter_time();
	uint64_t hz = counter_time_hz();
	tv->tv_sec = (time_t)(t / hz);
	tv->tv_usec = (suseconds_t)((t % hz) * 1000000 / hz);
	return 0;
}
int gettimeofday(struct timeval *tv, void *tz) ALIAS(_gettimeofday);

void _exit(int status)
{
	platform_exit(status);
}
