/*
 * heap_basic_test.c - one hart: every size class and large sizes with
 * content checks, alignment, usable size, calloc, realloc, overflowing
 * sizes, spans and the page heap, and no page lost at the end.
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

#define HEAP_SIZE (256u << 20)

static uint8_t pattern(const void *p, size_t i)
{
	return (uint8_t)(((uintptr_t)p >> 4) * 31 + i * 7 + 1);
}

static void fill(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = pattern(p, i);
}

/* Check the pattern of p (as filled at address tag) over n bytes. */
static int intact(const void *p, const void *tag, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != pattern(tag, i))
			return 0;
	return 1;
}

/* Every page free again, and no span left in use. */
static void check_all_free(void)
{
	struct heap_stats st;

	heap_cache_flush();
	heap_get_stats(&st);
	CHECK(st.pages_free == st.pages_total);
	CHECK(st.free_runs == 1);
	CHECK(st.small_spans == 0 && st.large_spans == 0 &&
	      st.manual_spans == 0);
}

static void every_class(void)
{
	for (unsigned c = 1; c < NUM_SIZE_CLASSES; c++) {
		const struct size_class *k = &size_classes[c];
		unsigned n = 2 * k->nelems + 3; /* three spans' worth */

		/* what the fast paths assume (heap.h, "SIZE CLASSES") */
		CHECK(k->divmul < (1u << 31));
		CHECK(k->nelems <= SPAN_BITMAP_WORDS * 64);
		size_t sizes[2] = {k->size, size_classes[c - 1].size + 1};
		void **v = calloc(n, sizeof(void *));

		for (int z = 0; z < 2; z++) {
			size_t size = sizes[z];

			for (unsigned i = 0; i < n; i++) {
				v[i] = sf_malloc(size);
				if (!CHECK(v[i] != NULL))
					break;
				CHECK((uintptr_t)v[i] % 16 == 0);
				CHECK(sf_malloc_usable_size(v[i]) == k->size);
				struct span *s = span_of(v[i]);
				CHECK(s != NULL && s->sizeclass == c &&
				      s->state == SPAN_SMALL);
				fill(v[i], k->size);
			}
			/* free every other one, check the rest, free them */
			for (unsigned i = 0; i < n; i += 2)
				sf_free(v[i]);
			for (unsigned i = 1; i < n; i += 2)
				CHECK(intact(v[i], v[i], k->size));
			/* the freed slots are reused */
			for (unsigned i = 0; i < n; i += 2) {
				v[i] = sf_malloc(size);
				CHECK(v[i] != NULL);
				fill(v[i], size);
			}
			for (unsigned i = 0; i < n; i++) {
				CHECK(
				    intact(v[i], v[i], i % 2 ? k->size : size));
				sf_free(v[i]);
			}
		}
		free(v);
	}
	check_all_free();
}

static void large_sizes(void)
{
	static const size_t sizes[] = {
	    SMALL_MAX + 1, 40000, 65536, 100003, 1 << 20, 5 * (1 << 20) + 3};
	void *v[6];

	for (int i = 0; i < 6; i++) {
		v[i] = sf_malloc(sizes[i]);
		if (!CHECK(v[i] != NULL))
			return;
		CHECK((uintptr_t)v[i] % PAGE_SIZE == 0);
		CHECK(sf_malloc_usable_size(v[i]) >= sizes[i]);
		CHECK(sf_malloc_usable_size(v[i]) % PAGE_SIZE == 0);
		CHECK(span_of(v[i])->state == SPAN_LARGE);
		CHECK(span_of((char *)v[i] + sizes[i] - 1) == span_of(v[i]));
		fill(v[i], sizes[i]);
	}
	for (int i = 0; i < 6; i++) {
		CHECK(intact(v[i], v[i], sizes[i]));
		sf_free(v[i]);
	}
	check_all_free();
}

static void zero_and_null(void)
{
	void *a = sf_malloc(0), *b = sf_malloc(0);

	CHECK(a != NULL && b != NULL && a != b);
	sf_free(a);
	sf_free(b);
	sf_free(NULL);
	CHECK(sf_malloc_usable_size(NULL) == 0);
	CHECK(span_of(NULL) == NULL);
	CHECK(span_of((void *)(mheap.arena - 1)) == NULL);
	CHECK(span_of((void *)(mheap.arena + mheap.arena_size)) == NULL);
	check_all_free();
}

static void alignment(void)
{
	static const size_t sizes[] = {1, 100, 4096, 40000};

	for (size_t align = 1; align <= (4u << 20); align <<= 1) {
		for (int i = 0; i < 4; i++) {
			size_t n = sizes[i];
			void *p = sf_memalign(align, n), *q = NULL;
			void *r = sf_aligned_alloc(align, n);
			int rc = -1;

			if (align >= sizeof(void *))
				rc = sf_posix_memalign(&q, align, n);
			CHECK(p != NULL && (uintptr_t)p % align == 0);
			CHECK(r != NULL && (uintptr_t)r % align == 0);
			CHECK(sf_malloc_usable_size(p) >= n);
			if (align >= sizeof(void *)) {
				CHECK(rc == 0 && q != NULL &&
				      (uintptr_t)q % align == 0);
				fill(q, n);
			}
			fill(p, n);
			fill(r, n);
			CHECK(intact(p, p, n) && intact(r, r, n));
			sf_free(p);
			sf_free(q);
			sf_free(r);
		}
	}
	void *q = (void *)1;
	CHECK(sf_posix_memalign(&q, 24, 8) == EINVAL && q == (void *)1);
	CHECK(sf_posix_memalign(&q, 4, 8) == EINVAL);
	CHECK(sf_posix_memalign(&q, 0, 8) == EINVAL);
	errno = 0;
	CHECK(sf_memalign(3, 8) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(sf_aligned_alloc(0, 8) == NULL && errno == EINVAL);
	check_all_free();
}

static void calloc_zeroes(void)
{
	static const size_t sizes[] = {16, 200, 3000, 32768, 70000};

	for (int i = 0; i < 5; i++) {
		uint8_t *p = sf_malloc(sizes[i]);

		memset(p, 0xa5, sizes[i]);
		sf_free(p);
		p = sf_calloc(1, sizes[i]);
		CHECK(p != NULL);
		size_t bad = 0;
		for (size_t j = 0; j < sizes[i]; j++)
			bad += p[j] != 0;
		CHECK(bad == 0);
		sf_free(p);
	}
	uint32_t *a = sf_calloc(1000, sizeof(uint32_t));
	CHECK(a != NULL && a[0] == 0 && a[999] == 0);
	sf_free(a);
	check_all_free();
}

static void realloc_content(void)
{
	size_t n = 1;
	uint8_t *p = sf_realloc(NULL, n);
	void *tag = p;

	fill(p, n);
	/* grow from 1 byte to 3 MiB, then shrink back */
	while (n < (3u << 20)) {
		size_t m = n * 3 / 2 + 1;

		p = sf_realloc(p, m);
		if (!CHECK(p != NULL))
			return;
		CHECK(intact(p, tag, n));
		for (size_t i = n; i < m; i++)
			p[i] = pattern(tag, i);
		n = m;
		CHECK(sf_malloc_usable_size(p) >= n);
	}
	while (n > 1) {
		n = n * 2 / 3;
		p = sf_realloc(p, n);
		CHECK(p != NULL && intact(p, tag, n));
	}
	/* same class: in place */
	void *q = sf_malloc(100);
	CHECK(sf_realloc(q, 110) == q);
	CHECK(sf_realloc(p, 0) == NULL);
	sf_free(q);
	check_all_free();
}

static void overflow_sizes(void)
{
	void *p = sf_malloc(64);

	fill(p, 64);
	errno = 0;
	CHECK(sf_malloc(SIZE_MAX) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(sf_malloc(SIZE_MAX / 2) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(sf_malloc(HEAP_SIZE) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(sf_calloc(SIZE_MAX / 2 + 1, 2) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(sf_calloc((size_t)1 << 40, (size_t)1 << 40) == NULL &&
	      errno == ENOMEM);
	errno = 0;
	CHECK(sf_realloc(p, SIZE_MAX) == NULL && errno == ENOMEM);
	CHECK(intact(p, p, 64));
	errno = 0;
	CHECK(sf_memalign((size_t)1 << 62, 1) == NULL && errno == ENOMEM);
	void *q = (void *)1;
	CHECK(sf_posix_memalign(&q, 16, SIZE_MAX - 8) == ENOMEM &&
	      q == (void *)1);
	sf_free(p);
	/* still usable */
	p = sf_malloc(1 << 20);
	CHECK(p != NULL);
	sf_free(p);
	check_all_free();
}

static void manual_spans(void)
{
	struct span *s = span_alloc_manual(3);
	struct heap_stats st;

	if (!CHECK(s != NULL))
		return;
	CHECK(s->state == SPAN_MANUAL && s->npages == 3);
	for (size_t off = 0; off < 3 * PAGE_SIZE; off += 512)
		CHECK(span_of((char *)s->base + off) == s);
	fill((void *)s->base, 3 * PAGE_SIZE);
	heap_get_stats(&st);
	CHECK(st.manual_spans == 1);
	void *stack = heap_alloc_pages(2, SPAN_MANUAL);
	void *big = heap_alloc_pages(4, SPAN_LARGE);
	CHECK(stack != NULL && span_of(stack)->state == SPAN_MANUAL);
	CHECK(big != NULL && span_of(big)->state == SPAN_LARGE);
	CHECK(heap_alloc_pages(1, SPAN_SMALL) == NULL);
	CHECK(intact((void *)s->base, (void *)s->base, 3 * PAGE_SIZE));
	span_free_manual(s);
	heap_free_pages(stack);
	sf_free(big);
	check_all_free();
}

/* Many runs freed in a shuffled order coalesce back into one. */
static void page_heap_coalescing(void)
{
	enum { N = 600 };
	void *v[N];
	unsigned seed = 1;
	struct heap_stats st;

	for (int i = 0; i < N; i++) {
		size_t pages = 1 + (unsigned)(rand_r(&seed) % 40);

		v[i] =
		    heap_alloc_pages(pages, i % 2 ? SPAN_LARGE : SPAN_MANUAL);
		CHECK(v[i] != NULL);
	}
	heap_get_stats(&st);
	CHECK(st.large_spans + st.manual_spans == N);
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(rand_r(&seed) % (unsigned)(i + 1));
		void *t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	for (int i = 0; i < N; i++)
		heap_free_pages(v[i]);
	check_all_free();
	/* the whole arena is one run again: allocate it */
	void *all = heap_alloc_pages(st.pages_total, SPAN_LARGE);
	CHECK(all != NULL && (uintptr_t)all == mheap.arena);
	CHECK(heap_alloc_pages(1, SPAN_LARGE) == NULL);
	heap_free_pages(all);
	check_all_free();
}

/* Large blocks aligned beyond a page, and free-run splitting around them. */
static void aligned_large(void)
{
	void *a = sf_malloc(3 * PAGE_SIZE);
	void *b = sf_memalign(1 << 20, 5 * PAGE_SIZE);
	void *c = sf_memalign(1 << 16, 100);

	CHECK(b != NULL && (uintptr_t)b % (1 << 20) == 0);
	CHECK(c != NULL && (uintptr_t)c % (1 << 16) == 0);
	CHECK(span_of(b)->npages == 5);
	fill(b, 5 * PAGE_SIZE);
	CHECK(intact(b, b, 5 * PAGE_SIZE));
	sf_free(a);
	sf_free(b);
	sf_free(c);
	check_all_free();
}

int main(void)
{
	host_init(HEAP_SIZE);
	tap_case("every size class, with content", every_class);
	tap_case("large sizes, with content", large_sizes);
	tap_case("malloc(0), free(NULL), span_of bounds", zero_and_null);
	tap_case("memalign, posix_memalign, aligned_alloc", alignment);
	tap_case("calloc zeroes reused memory", calloc_zeroes);
	tap_case("realloc grows and shrinks, keeping content", realloc_content);
	tap_case("overflowing sizes give ENOMEM, heap still usable",
		 overflow_sizes);
	tap_case("manual spans and page blocks", manual_spans);
	tap_case("page heap coalesces runs", page_heap_coalescing);
	tap_case("large blocks aligned beyond a page", aligned_large);
	return tap_done();
}
