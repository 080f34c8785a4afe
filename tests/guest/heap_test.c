#define _GNU_SOURCE
/*
 * heap_test.c - the span heap on a board: every size class and a large
 * object with content checks, newlib's stdio allocating through it, and
 * frees of another hart's objects (remote frees through its inbox).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#include "../heap/heap.h"

static void test_classes(void)
{
	for (unsigned c = 1; c < NUM_SIZE_CLASSES; c++) {
		size_t n = size_classes[c].size;
		void *v[40];

		for (int i = 0; i < 40; i++) {
			v[i] = malloc(n);
			KTAP_EXPECT(v[i] != NULL);
			memset(v[i], i, n);
		}
		for (int i = 0; i < 40; i++) {
			KTAP_EXPECT(((unsigned char *)v[i])[n - 1] == i);
			free(v[i]);
		}
	}
	void *big = malloc(3 << 20);
	KTAP_EXPECT(big != NULL);
	memset(big, 1, 3 << 20);
	free(big);
}

static void test_printf_uses_heap(void)
{
	char *s = NULL;
	KTAP_EXPECT(asprintf(&s, "%d-%s", 42, "x") == 4 && strcmp(s, "42-x") == 0);
	free(s);
	printf("# printf through newlib's stdio\n");
}

static void *volatile handoff[1000];

static void *alloc_on_other(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		handoff[i] = malloc(16 + i % 300);
	return NULL;
}

static void *free_on_other(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		free(handoff[i]);
	heap_cache_flush();
	return NULL;
}

static void test_cross_hart(void)
{
	struct hart *h = &harts[1];
	struct heap_stats st0, st;

	heap_cache_flush();
	heap_get_stats(&st0);
	hart_call(h, alloc_on_other, NULL);
	hart_wait(h);
	for (int i = 0; i < 1000; i++)
		free(handoff[i]); /* remote frees into hart 1's spans */
	hart_call(h, alloc_on_other, NULL);
	hart_wait(h);
	hart_call(h, free_on_other, NULL); /* hart 1 drains its inbox */
	hart_wait(h);
	heap_cache_flush();
	heap_get_stats(&st);
	KTAP_EXPECT(st.pages_free == st0.pages_free);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_classes),
	KTAP_CASE(test_printf_uses_heap),
	KTAP_CASE(test_cross_hart),
};

int main(void) { return ktap_run("heap", cases, KTAP_COUNT(cases)); }
