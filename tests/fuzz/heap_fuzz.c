/*
 * heap_fuzz.c - libFuzzer target: each input is a sequence of 4-byte
 * operations (malloc, free, realloc, calloc, memalign, usable size) on 64
 * slots. Every block is filled with a pattern and checked before it is
 * freed or resized; a new block must not overlap a live one; at the end of
 * each input every block is freed and every page must be back.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... ; ./heap_fuzz -runs=N
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "host.h"
#include "spanfence.h"

enum { SLOTS = 64, OPS = 6 };

static struct {
	uint8_t *p;
	size_t size;
	uint8_t seed;
} slots[SLOTS];

#define REQUIRE(cond)                     \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

/* The pattern of a block: word k is word(seed, k), little-endian bytes. */
static uint64_t word(uint8_t seed, size_t k)
{
	return (seed + 1) * 0x0101010101010101ull ^ k * 0x9e3779b97f4a7c15ull;
}

static uint8_t pattern(uint8_t seed, size_t j)
{
	return (uint8_t)(word(seed, j / 8) >> (8 * (j % 8)));
}

/* Not traced for coverage: these loops would dominate the run time. */
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))

static NO_COVERAGE void fill(unsigned i, size_t from)
{
	uint8_t *p = slots[i].p;
	size_t n = slots[i].size, j = from;

	for (; j < n && j % 8 != 0; j++)
		p[j] = pattern(slots[i].seed, j);
	for (; j + 8 <= n; j += 8)
		*(uint64_t *)(p + j) = word(slots[i].seed, j / 8);
	for (; j < n; j++)
		p[j] = pattern(slots[i].seed, j);
}

static NO_COVERAGE void check(unsigned i, size_t n)
{
	const uint8_t *p = slots[i].p;
	size_t j = 0;

	for (; j + 8 <= n; j += 8)
		REQUIRE(*(const uint64_t *)(p + j) ==
			word(slots[i].seed, j / 8));
	for (; j < n; j++)
		REQUIRE(p[j] == pattern(slots[i].seed, j));
}

static NO_COVERAGE int all_zero(const uint8_t *p, size_t n)
{
	uint64_t acc = 0;
	size_t j = 0;

	for (; j + 8 <= n; j += 8)
		acc |= *(const uint64_t *)(p + j);
	for (; j < n; j++)
		acc |= p[j];
	return acc == 0;
}

static void check_no_overlap(unsigned i)
{
	uintptr_t a = (uintptr_t)slots[i].p;

	for (unsigned k = 0; k < SLOTS; k++) {
		uintptr_t b = (uintptr_t)slots[k].p;

		if (k == i || slots[k].p == NULL)
			continue;
		REQUIRE(a + (slots[i].size ? slots[i].size : 1) <= b ||
			b + (slots[k].size ? slots[k].size : 1) <= a);
	}
}

static void release(unsigned i)
{
	if (slots[i].p == NULL)
		return;
	check(i, slots[i].size);
	sf_free(slots[i].p);
	slots[i].p = NULL;
}

/* Mostly small sizes; one in eight up to 256 KiB. */
static size_t decode_size(uint8_t a, uint8_t b)
{
	size_t v = (size_t)a | (size_t)(b & 0x7f) << 8;

	if ((b & 0x80) == 0)
		return v % 2048;
	if ((a & 7) == 0)
		return v * 8;
	return v % (SMALL_MAX + 1);
}

static void placed(unsigned i, uint8_t *p, size_t size, uint8_t seed)
{
	REQUIRE(p != NULL);
	REQUIRE((uintptr_t)p % 16 == 0);
	REQUIRE(sf_malloc_usable_size(p) >= size);
	slots[i].p = p;
	slots[i].size = size;
	slots[i].seed = seed;
	check_no_overlap(i);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	host_init(256u << 20);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct heap_stats st;

	for (; len >= 4; data += 4, len -= 4) {
		unsigned i = data[1] % SLOTS;
		size_t size = decode_size(data[2], data[3]);
		uint8_t seed = (uint8_t)(data[0] ^ data[2]);
		uint8_t *q;

		switch (data[0] % OPS) {
		case 0: /* malloc */
			release(i);
			placed(i, sf_malloc(size), size, seed);
			fill(i, 0);
			break;
		case 1: /* free */
			release(i);
			break;
		case 2: /* realloc, keeping the common prefix */
			if (slots[i].p == NULL)
				break;
			check(i, slots[i].size);
			q = sf_realloc(slots[i].p, size);
			if (size == 0) {
				REQUIRE(q == NULL);
				slots[i].p = NULL;
				break;
			}
			{
				size_t old = slots[i].size;

				slots[i].p = NULL;
				placed(i, q, size, slots[i].seed);
				check(i, old < size ? old : size);
				if (size > old)
					fill(i, old);
			}
			break;
		case 3: /* calloc */
			release(i);
			q = sf_calloc(1 + (data[0] >> 4), size / 16 + 1);
			size = (1 + (data[0] >> 4)) * (size / 16 + 1);
			REQUIRE(q != NULL && all_zero(q, size));
			placed(i, q, size, seed);
			fill(i, 0);
			break;
		case 4: /* memalign, up to 1 MiB alignment */
			release(i);
			{
				size_t align = (size_t)1 << (data[0] % 21);

				q = sf_memalign(align, size);
				REQUIRE(q != NULL && (uintptr_t)q % align == 0);
			}
			placed(i, q, size, seed);
			fill(i, 0);
			break;
		default: /* usable size of a live block */
			if (slots[i].p != NULL)
				REQUIRE(sf_malloc_usable_size(slots[i].p) >=
					slots[i].size);
			break;
		}
	}
	for (unsigned i = 0; i < SLOTS; i++)
		release(i);
	heap_cache_flush();
	heap_get_stats(&st);
	REQUIRE(st.pages_free == st.pages_total && st.free_runs == 1);
	return 0;
}
