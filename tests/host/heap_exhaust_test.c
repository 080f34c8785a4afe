/*
 * heap_exhaust_test.c - a small heap run out of memory in several ways:
 * every failure is NULL with errno ENOMEM, every block handed out before
 * stays intact, and after freeing, all the memory is usable again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "host.h"
#include "spanfence.h"
#include "tap.h"

#define HEAP_SIZE  (8u << 20)
#define MAX_BLOCKS (HEAP_SIZE / 16)

static void **blocks;

static void stamp(void *p, size_t size)
{
	memset(p, (int)((uintptr_t)p >> 4) & 0xff, size < 32 ? size : 32);
}

static int stamped(const void *p, size_t size)
{
	for (size_t i = 0; i < size && i < 32; i++)
		if (((const uint8_t *)p)[i] != (((uintptr_t)p >> 4) & 0xff))
			return 0;
	return 1;
}

/* Allocate blocks of size until the heap says ENOMEM; return how many. */
static size_t fill_heap(size_t size, size_t from)
{
	size_t n = from;

	for (;;) {
		void *p;

		errno = 0;
		p = sf_malloc(size);
		if (p == NULL)
			break;
		if (!CHECK(n < MAX_BLOCKS))
			break;
		stamp(p, size);
		blocks[n++] = p;
	}
	CHECK(errno == ENOMEM);
	return n;
}

static void free_all(size_t n, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		CHECK(stamped(blocks[i], size));
		sf_free(blocks[i]);
	}
}

static size_t pages_total(void)
{
	struct heap_stats st;

	heap_get_stats(&st);
	return st.pages_total;
}

static void check_all_free(void)
{
	struct heap_stats st;

	heap_cache_flush();
	heap_get_stats(&st);
	CHECK(st.pages_free == st.pages_total && st.free_runs == 1);
}

static void small_then_small(void)
{
	static const size_t sizes[] = {16, 100, 2000, 30000};
	size_t first[4];

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4; i++) {
			size_t n = fill_heap(sizes[i], 0);

			/* at least 85% of the arena in objects */
			CHECK(n * sizes[i] >
				  pages_total() * PAGE_SIZE / 100 * 85 ||
			      sizes[i] == 16);
			if (round == 0)
				first[i] = n;
			else
				CHECK(n == first[i]); /* nothing lost */
			free_all(n, sizes[i]);
			check_all_free();
		}
	}
}

static void large_then_small(void)
{
	size_t n = fill_heap(100000, 0);

	CHECK(n > 0);
	/* a large failure leaves room for small objects in the tail pages */
	size_t m = fill_heap(64, n);
	CHECK(m >= n);
	free_all(n, 100000);
	for (size_t i = n; i < m; i++) {
		CHECK(stamped(blocks[i], 64));
		sf_free(blocks[i]);
	}
	check_all_free();
	void *all = sf_malloc((pages_total() - 1) * PAGE_SIZE);
	CHECK(all != NULL);
	sf_free(all);
	check_all_free();
}

/* Holes in small spans are reused; the free pages are not enough. */
static void fragmented(void)
{
	size_t n = fill_heap(256, 0);

	for (size_t i = 0; i < n; i += 2)
		sf_free(blocks[i]);
	errno = 0;
	CHECK(sf_malloc(2 * PAGE_SIZE * 8) == NULL && errno == ENOMEM);
	CHECK(sf_malloc(4096) == NULL && errno == ENOMEM);
	for (size_t i = 0; i < n; i += 2) {
		blocks[i] = sf_malloc(256);
		CHECK(blocks[i] != NULL);
		stamp(blocks[i], 256);
	}
	errno = 0;
	CHECK(sf_malloc(256) == NULL && errno == ENOMEM);
	free_all(n, 256);
	check_all_free();
}

static void **hart_blocks[3];
static size_t hart_count_of[3];

static void fill_on_hart(struct hart *h, void *arg)
{
	size_t size = 48 + 1000 * h->index;
	size_t n = 0;

	(void)arg;
	hart_blocks[h->index] = malloc(MAX_BLOCKS * sizeof(void *));
	for (;;) {
		void *p = sf_malloc(size);

		if (p == NULL)
			break;
		stamp(p, size);
		hart_blocks[h->index][n++] = p;
	}
	hart_count_of[h->index] = n;
}

static void free_other_hart(struct hart *h, void *arg)
{
	unsigned other = h->index == 1 ? 2 : 1;
	size_t size = 48 + 1000 * other;

	(void)arg;
	for (size_t i = 0; i < hart_count_of[other]; i++) {
		CHECK(stamped(hart_blocks[other][i], size));
		sf_free(hart_blocks[other][i]);
	}
	free(hart_blocks[other]);
}

static void flush_on_hart(struct hart *h, void *arg)
{
	(void)h;
	(void)arg;
	heap_cache_flush();
}

static void two_harts(void)
{
	host_harts_start(2, fill_on_hart, NULL);
	CHECK(hart_count_of[1] + hart_count_of[2] > 0);
	CHECK(sf_malloc(64) == NULL);
	host_harts_start(2, free_other_hart, NULL);
	host_harts_start(2, flush_on_hart, NULL);
	check_all_free();
	size_t n = fill_heap(48, 0);
	CHECK(n > 0);
	free_all(n, 48);
	check_all_free();
}

int main(void)
{
	host_init(HEAP_SIZE);
	blocks = malloc(MAX_BLOCKS * sizeof(void *));
	tap_case("small classes: exhaust, free, again the same count",
		 small_then_small);
	tap_case("large objects, then small in what is left", large_then_small);
	tap_case("fragmented small spans: holes reused, pages not", fragmented);
	tap_case("two harts exhaust, free each other's, recover", two_harts);
	free(blocks);
	return tap_done();
}
