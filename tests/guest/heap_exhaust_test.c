/*
 * heap_exhaust_test.c - running out of heap on a board: malloc until it
 * returns NULL with errno ENOMEM (large blocks, then smaller and smaller
 * ones into what is left), calloc and realloc failing the same way with
 * the old block intact, then free everything: every page comes back and the
 * same allocations succeed again. Also small blocks only: their spans go
 * back to the page heap, so large blocks fit again afterwards.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#include "../heap/heap.h"

/* Blocks are chained through their first word; the second holds a tag. */
struct chain {
	struct chain *next;
	uintptr_t tag;
};

static struct chain *head;

static size_t pages_free(void)
{
	struct heap_stats st;

	heap_cache_flush();
	heap_get_stats(&st);
	return st.pages_free;
}

/* malloc(size) until NULL (at most max blocks); the count. */
static unsigned long fill_with(size_t size, unsigned long max, int *enomem)
{
	unsigned long n = 0;

	for (; n < max; n++) {
		struct chain *c;

		errno = 0;
		c = malloc(size);
		if (c == NULL) {
			*enomem &= errno == ENOMEM;
			break;
		}
		c->next = head;
		c->tag = (uintptr_t)c ^ size;
		((unsigned char *)c)[size - 1] = (unsigned char)size;
		head = c;
	}
	return n;
}

/* Free every block, checking each; false if one was damaged. */
static int free_all(void)
{
	int ok = 1;

	while (head != NULL) {
		struct chain *c = head;

		head = c->next;
		ok &= (c->tag ^ (uintptr_t)c) >= sizeof(*c);
		free(c);
	}
	return ok;
}

static const size_t ladder[] = {1 << 20, 64 << 10, 4096, 256, 16};
#define STEPS (sizeof(ladder) / sizeof(ladder[0]))

static void exhaust(unsigned long counts[STEPS], int *enomem)
{
	for (unsigned i = 0; i < STEPS; i++)
		counts[i] = fill_with(ladder[i], 1ul << 22, enomem);
}

static void test_exhaust_and_recover(void)
{
	size_t before = pages_free();
	unsigned long first[STEPS], again[STEPS];
	int enomem = 1;
	struct chain *keep;
	void *q;

	exhaust(first, &enomem);
	KTAP_EXPECT(enomem);
	for (unsigned i = 0; i < STEPS; i++)
		ktap_diag("%lu blocks of %lu bytes", first[i],
			  (unsigned long)ladder[i]);
	KTAP_EXPECT(first[0] > 16); /* most of the heap was there */
	/* full: calloc and realloc fail too, the old block untouched */
	keep = head;
	errno = 0;
	KTAP_EXPECT(calloc(1000, 1000) == NULL && errno == ENOMEM);
	errno = 0;
	q = realloc(keep, 3 << 20);
	KTAP_EXPECT(q == NULL && errno == ENOMEM);
	KTAP_EXPECT(head == keep &&
		    (keep->tag ^ (uintptr_t)keep) >= sizeof(*keep));
	KTAP_EXPECT(free_all());
	KTAP_EXPECT(pages_free() == before);

	/* everything works again, with the same counts */
	enomem = 1;
	exhaust(again, &enomem);
	KTAP_EXPECT(enomem);
	KTAP_EXPECT(again[0] == first[0]);
	KTAP_EXPECT(again[0] + again[1] + again[2] >= first[0] + first[1]);
	KTAP_EXPECT(free_all());
	KTAP_EXPECT(pages_free() == before);
}

/* Small blocks take every page; freed, their spans go back: large fit. */
static void test_small_then_large(void)
{
	size_t before = pages_free();
	unsigned long large, small, large_again;
	int enomem = 1;

	large = fill_with(1 << 20, 1ul << 22, &enomem);
	KTAP_EXPECT(free_all());
	small = fill_with(1024, 1ul << 22, &enomem);
	ktap_diag("%lu blocks of 1 MiB, %lu of 1 KiB", large, small);
	KTAP_EXPECT(small >= large * 1000);
	KTAP_EXPECT(free_all());
	large_again = fill_with(1 << 20, 1ul << 22, &enomem);
	KTAP_EXPECT(large_again == large);
	KTAP_EXPECT(free_all());
	KTAP_EXPECT(enomem);
	KTAP_EXPECT(pages_free() == before);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_exhaust_and_recover),
    KTAP_CASE(test_small_then_large),
};

int main(void)
{
	return ktap_run("heap_exhaust", cases, KTAP_COUNT(cases));
}
