/*
 * platform.c - what the common code needs from a port, on the host: the
 * console is stdout, exit is exit(3), this_hart() is thread-local, harts
 * are threads (host_harts_start) and the heap region is an mmap.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "console.h"
#include "hart.h"
#include "host.h"
#include "platform.h"
#include "spanfence.h"

struct platform_info platform;
struct hart harts[MAX_HARTS];
unsigned hart_count;

__thread struct hart *host_this_hart;

void platform_putc(char c)
{
	if (c != '\r' && write(STDOUT_FILENO, &c, 1) != 1)
		abort();
}

void platform_exit(int status)
{
	fflush(stdout);
	exit(status);
}

void platform_set_this_hart(struct hart *h)
{
	host_this_hart = h;
}

void host_init(size_t heap_size)
{
	void *base = mmap(NULL, heap_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base == MAP_FAILED) {
		perror("host_init: mmap");
		exit(EXIT_TEST_FAILED);
	}
	harts[0].index = 0;
	harts[0].online = 1;
	platform_set_this_hart(&harts[0]);
	hart_count = 1;
	platform.board = "host";
	platform.mem_base = (uintptr_t)base;
	platform.mem_end = (uintptr_t)base + heap_size;
	platform.ram_size = heap_size;
	platform.nharts = 1;
	heap_init(platform.mem_base, platform.mem_end);
}

struct start {
	struct hart *h;
	void (*fn)(struct hart *h, void *arg);
	void *arg;
};

static void *thread_main(void *p)
{
	struct start *st = p;

	platform_set_this_hart(st->h);
	st->fn(st->h, st->arg);
	return NULL;
}

void host_harts_start(unsigned n, void (*fn)(struct hart *h, void *arg),
		      void *arg)
{
	pthread_t threads[MAX_HARTS];
	struct start st[MAX_HARTS];

	if (n >= MAX_HARTS)
		panic("host_harts_start: %u harts, at most %d", n,
		      MAX_HARTS - 1);
	for (unsigned i = 0; i < n; i++) {
		st[i] = (struct start){&harts[i + 1], fn, arg};
		harts[i + 1].index = i + 1;
		harts[i + 1].online = 1;
		if (pthread_create(&threads[i], NULL, thread_main, &st[i]) != 0)
			panic("host_harts_start: pthread_create failed");
	}
	hart_count = n + 1;
	for (unsigned i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	hart_count = 1;
}
