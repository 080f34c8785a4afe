#define _GNU_SOURCE
/*
 * heap_test.c - the span heap on a board, one hart at a time: every size
 * class and large sizes with content checks, the rest of the C API
 * (calloc, realloc, memalign, posix_memalign, aligned_alloc,
 * malloc_usable_size), sizes that overflow (NULL, ENOMEM, the heap still
 * usable), newlib's stdio allocating through the heap, and frees of
 * another hart's objects (remote frees through its inbox).
 *
 * The other heap boots: heap_smp_test (both harts at once),
 * heap_exhaust_test (exhaustion and recovery) and heap_bad_*_test (bad
 * input stops the board).
 */
#include <errno.h>
#include <malloc.h>
#include <reent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#include "../heap/heap.h"

/* A pattern that differs between blocks and along each block. */
static unsigned char pattern(uintptr_t seed, size_t i)
{
	return (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

static void fill(void *p, size_t n, uintptr_t seed)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = pattern(seed, i);
}

/* Every byte still holds its pattern. */
static int intact(const void *p, size_t n, uintptr_t seed)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != pattern(seed, i))
			return 0;
	return 1;
}

static size_t pages_free(void)
{
	struct heap_stats st;

	heap_cache_flush();
	heap_get_stats(&st);
	return st.pages_free;
}

#define PER_CLASS 40

/* Every class: PER_CLASS blocks at once, each filled, checked, freed. */
static void test_classes(void)
{
	size_t before = pages_free();

	for (unsigned c = 1; c < NUM_SIZE_CLASSES; c++) {
		size_t n = size_classes[c].size;
		void *v[PER_CLASS];
		int ok = 1;

		for (int i = 0; i < PER_CLASS; i++) {
			v[i] = malloc(n);
			if (!KTAP_EXPECT(v[i] != NULL))
				return;
			KTAP_EXPECT(((uintptr_t)v[i] & 15) == 0);
			KTAP_EXPECT(malloc_usable_size(v[i]) == n);
			fill(v[i], n, c * 64 + i);
		}
		for (int i = 0; i < PER_CLASS; i++) {
			ok &= intact(v[i], n, c * 64 + i);
			free(v[i]);
		}
		if (!KTAP_EXPECT(ok))
			ktap_diag(
			    "class %u (%u bytes): a block was overwritten", c,
			    (unsigned)n);
	}
	KTAP_EXPECT(pages_free() == before);
}

/* Sizes just above and at each class boundary land in the right class. */
static void test_class_boundaries(void)
{
	for (unsigned c = 1; c < NUM_SIZE_CLASSES; c++) {
		size_t n = size_classes[c].size;
		void *a = malloc(n), *b = malloc(n - 1), *d = malloc(n + 1);

		KTAP_EXPECT(a != NULL && b != NULL && d != NULL);
		KTAP_EXPECT(malloc_usable_size(a) == n);
		KTAP_EXPECT(malloc_usable_size(b) == n);
		KTAP_EXPECT(malloc_usable_size(d) > n);
		fill(a, n, 1);
		fill(b, n - 1, 2);
		fill(d, n + 1, 3);
		KTAP_EXPECT(intact(a, n, 1) && intact(b, n - 1, 2) &&
			    intact(d, n + 1, 3));
		free(d);
		free(b);
		free(a);
	}
}

/* Large blocks (own spans), freed in another order than allocated. */
static void test_large(void)
{
	static const size_t sizes[] = {SMALL_MAX + 1, 40000,   65536,
				       100000,	      1 << 20, (3 << 20) + 5,
				       16 << 20};
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	void *v[N];
	size_t before = pages_free();

	for (int i = 0; i < N; i++) {
		v[i] = malloc(sizes[i]);
		if (!KTAP_EXPECT(v[i] != NULL))
			return;
		KTAP_EXPECT(((uintptr_t)v[i] & (PAGE_SIZE - 1)) == 0);
		KTAP_EXPECT(malloc_usable_size(v[i]) >= sizes[i]);
		fill(v[i], sizes[i], 100 + i);
	}
	for (int i = 0; i < N; i += 2)
		KTAP_EXPECT(intact(v[i], sizes[i], 100 + i));
	for (int i = 0; i < N; i += 2)
		free(v[i]);
	for (int i = 1; i < N; i += 2) {
		KTAP_EXPECT(intact(v[i], sizes[i], 100 + i));
		free(v[i]);
	}
	/* The same sizes again: the freed spans come back (large cache). */
	for (int r = 0; r < 3; r++)
		for (int i = 0; i < N; i++) {
			void *p = malloc(sizes[i]);

			KTAP_EXPECT(p != NULL);
			fill(p, 64, i);
			free(p);
		}
	KTAP_EXPECT(pages_free() == before);
}

static void test_calloc_realloc(void)
{
	unsigned char *p;

	/* calloc zeroes memory that was dirty */
	for (int r = 0; r < 2; r++) {
		p = malloc(3000);
		memset(p, 0xa5, 3000);
		free(p);
		p = calloc(1000, 3);
		if (!KTAP_EXPECT(p != NULL))
			return;
		for (int i = 0; i < 3000; i++)
			if (p[i] != 0) {
				KTAP_EXPECT(p[i] == 0);
				break;
			}
		free(p);
	}
	/* realloc keeps the content through small, large and back */
	static const size_t steps[] = {10,	100,   1000, 20000, 100000,
				       1 << 20, 50000, 300,  17};
	size_t have = 0;

	p = NULL;
	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t keep = have < steps[i] ? have : steps[i];
		unsigned char *q = realloc(p, steps[i]);

		if (!KTAP_EXPECT(q != NULL))
			return;
		KTAP_EXPECT(intact(q, keep, 7));
		fill(q, steps[i], 7);
		p = q;
		have = steps[i];
	}
	KTAP_EXPECT(realloc(p, 0) == NULL); /* frees p */
}

static void test_aligned(void)
{
	for (size_t align = 16; align <= (64 << 10); align <<= 1) {
		static const size_t sizes[] = {1, 100, 5000, 40000};

		for (unsigned i = 0; i < 4; i++) {
			void *a = memalign(align, sizes[i]), *b = NULL;
			void *c = aligned_alloc(align, sizes[i]);

			KTAP_EXPECT(posix_memalign(&b, align, sizes[i]) == 0);
			KTAP_EXPECT(a && b && c);
			KTAP_EXPECT(((uintptr_t)a & (align - 1)) == 0);
			KTAP_EXPECT(((uintptr_t)b & (align - 1)) == 0);
			KTAP_EXPECT(((uintptr_t)c & (align - 1)) == 0);
			fill(a, sizes[i], 1);
			fill(b, sizes[i], 2);
			fill(c, sizes[i], 3);
			KTAP_EXPECT(intact(a, sizes[i], 1) &&
				    intact(b, sizes[i], 2) &&
				    intact(c, sizes[i], 3));
			free(a);
			free(b);
			free(c);
		}
	}
	void *p = NULL;
	KTAP_EXPECT(posix_memalign(&p, 24, 10) == EINVAL && p == NULL);
	errno = 0;
	KTAP_EXPECT(memalign(48, 10) == NULL && errno == EINVAL);
}

/* A size that cannot be allocated: NULL with ENOMEM, the heap intact. */
static void expect_enomem(void *p)
{
	KTAP_EXPECT(p == NULL);
	KTAP_EXPECT(errno == ENOMEM);
	errno = 0;
}

/* n, hidden from the compiler (which warns about constant huge sizes). */
static size_t opaque(size_t n)
{
	volatile size_t v = n;

	return v;
}

static void test_overflow(void)
{
	size_t before = pages_free();
	char *keep = malloc(100);
	void *q;

	fill(keep, 100, 9);
	errno = 0;
	expect_enomem(malloc(opaque(SIZE_MAX)));
	expect_enomem(malloc(opaque(SIZE_MAX - PAGE_SIZE + 2)));
	expect_enomem(malloc(opaque(SIZE_MAX / 2)));
	expect_enomem(malloc(opaque((size_t)1 << 40)));
	expect_enomem(calloc(opaque(SIZE_MAX / 2 + 1), 2));
	expect_enomem(calloc(opaque((size_t)1 << 33), opaque((size_t)1 << 33)));
	expect_enomem(calloc(1, opaque(SIZE_MAX)));
	expect_enomem(realloc(keep, opaque(SIZE_MAX)));
	expect_enomem(realloc(keep, opaque(SIZE_MAX - 15)));
	expect_enomem(memalign(64, opaque(SIZE_MAX - 8)));
	expect_enomem(aligned_alloc(PAGE_SIZE * 2, opaque(SIZE_MAX / 4)));
	/* newlib's reentrant entry points report in the reent structure */
	_REENT->_errno = 0;
	KTAP_EXPECT(_malloc_r(_REENT, opaque(SIZE_MAX)) == NULL &&
		    _REENT->_errno == ENOMEM);
	_REENT->_errno = 0;
	KTAP_EXPECT(_calloc_r(_REENT, opaque(SIZE_MAX), 3) == NULL &&
		    _REENT->_errno == ENOMEM);
	/* realloc failed: the old block is untouched and still ours */
	KTAP_EXPECT(intact(keep, 100, 9));
	q = realloc(keep, 200);
	KTAP_EXPECT(q != NULL && intact(q, 100, 9));
	free(q);
	/* and everything works as before */
	q = malloc(1 << 20);
	KTAP_EXPECT(q != NULL);
	free(q);
	KTAP_EXPECT(pages_free() == before);
}

static void test_printf_uses_heap(void)
{
	char *s = NULL;

	KTAP_EXPECT(asprintf(&s, "%d-%s", 42, "x") == 4 &&
		    strcmp(s, "42-x") == 0);
	free(s);
	printf("# printf through newlib's stdio\n");
	fflush(stdout);
}

static void *volatile handoff[1000];

static void *alloc_on_other(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		handoff[i] = malloc(16 + i % 300);
		fill(handoff[i], 16 + i % 300, (uintptr_t)i);
	}
	return NULL;
}

static void *free_on_other(void *arg)
{
	int *ok = arg;

	for (int i = 0; i < 1000; i++) {
		*ok &= intact(handoff[i], 16 + i % 300, (uintptr_t)i);
		free(handoff[i]);
	}
	heap_cache_flush();
	return NULL;
}

/* Frees of hart 1's objects on hart 0 (remote), then the other way. */
static void test_cross_hart(void)
{
	struct hart *h = &harts[1];
	size_t before;
	int ok = 1;

	if (!KTAP_EXPECT(hart_count >= 2))
		return;
	before = pages_free();
	hart_call(h, alloc_on_other, NULL);
	hart_wait(h);
	for (int i = 0; i < 1000; i++) {
		ok &= intact(handoff[i], 16 + i % 300, (uintptr_t)i);
		free(handoff[i]); /* remote frees into hart 1's spans */
	}
	hart_call(h, alloc_on_other, NULL);
	hart_wait(h);
	hart_call(h, free_on_other, &ok); /* hart 1 drains its inbox */
	hart_wait(h);
	alloc_on_other(NULL); /* hart 0's objects, freed by hart 1 */
	hart_call(h, free_on_other, &ok);
	hart_wait(h);
	KTAP_EXPECT(ok);
	KTAP_EXPECT(pages_free() == before);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_classes),
    KTAP_CASE(test_class_boundaries),
    KTAP_CASE(test_large),
    KTAP_CASE(test_calloc_realloc),
    KTAP_CASE(test_aligned),
    KTAP_CASE(test_overflow),
    KTAP_CASE(test_printf_uses_heap),
    KTAP_CASE(test_cross_hart),
};

int main(void)
{
	return ktap_run("heap", cases, KTAP_COUNT(cases));
}
