/*
 * gen-sizeclasses.c - generate heap/sizeclasses.c, the small-object size
 * classes of the span heap (see heap/heap.h, "Size classes").
 *
 *   cc -O2 -o gen-sizeclasses tools/gen-sizeclasses.c
 *   ./gen-sizeclasses > heap/sizeclasses.c
 *
 * The classes are chosen greedily from 128 bytes up: the next class is the
 * largest size, on the lookup grid (16 bytes up to 1 KiB, 128 bytes above),
 * that keeps the rounding waste of every request below 1/9 and that fills a
 * span of at most MAX_SPAN_PAGES pages with a tail of at most 1/8; then,
 * among sizes that fit the same number of objects in that span, the largest
 * is taken. Powers of two are never skipped (memalign relies on them). Below
 * 128 bytes the classes are every multiple of 16, the ABI alignment.
 *
 * A class's span is then the smallest one (tail at most 1/8) that holds at
 * least MIN_OBJECTS objects, or else the one holding the most: a span of a
 * single large object would go back to the page heap on every free.
 *
 * Each class is then checked, and the program fails (exit status 1, nothing
 * written) unless all of these hold:
 *   - rounding: a request of (previous class + 1) bytes wastes at most 1/8 of
 *     the object (classes above 128 B; below, the waste is under the 16-byte
 *     alignment quantum);
 *   - tail: the span's unused tail is at most 1/8 of the span;
 *   - every power of two from 16 to 32 KiB is a class;
 *   - objects per span <= SPAN_MAX_OBJECTS, pages per span <= MAX_SPAN_PAGES;
 *   - divmul: (off * divmul) >> 32 == off / size for every offset in a span,
 *     and off is a slot start exactly when (uint32_t)(off * divmul) < divmul
 *     (free checks for interior pointers without a second multiply);
 *   - the two lookup tables give the smallest class that fits each size;
 *   - the number of classes is within 60..70.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE_SHIFT	 13u
#define PAGE_SIZE	 (1u << PAGE_SHIFT)
#define SMALL_MAX	 32768u
#define MAX_SPAN_PAGES	 8u
#define SPAN_MAX_OBJECTS 512u
#define MIN_OBJECTS	 4u
#define MAX_CLASSES	 80

struct class
{
	unsigned size, npages, nelems;
	uint32_t divmul;
};

static struct class classes[MAX_CLASSES];
static unsigned nclasses = 1; /* class 0: not a small object */
static uint8_t to_class8[1024 / 8 + 1];
static uint8_t to_class128[(SMALL_MAX - 1024) / 128 + 1];

static int failed;

static void fail(const char *what, unsigned size, double value)
{
	fprintf(stderr, "gen-sizeclasses: class %u: %s (%.4f)\n", size, what,
		value);
	failed = 1;
}

/* Fewest pages whose tail is at most 1/8 of the span, or 0. */
static unsigned span_pages(unsigned size)
{
	for (unsigned np = 1; np <= MAX_SPAN_PAGES; np++) {
		unsigned bytes = np * PAGE_SIZE;

		if (bytes % size * 8 <= bytes)
			return np;
	}
	return 0;
}

/* The span for a class: see the top comment. */
static unsigned class_pages(unsigned size)
{
	unsigned best = 0;

	for (unsigned np = 1; np <= MAX_SPAN_PAGES; np++) {
		unsigned bytes = np * PAGE_SIZE;

		if (bytes % size * 8 > bytes)
			continue;
		if (bytes / size >= MIN_OBJECTS)
			return np;
		if (best == 0 || bytes / size > best * PAGE_SIZE / size)
			best = np;
	}
	return best;
}

static void add(unsigned size)
{
	unsigned npages = class_pages(size);

	if (nclasses == MAX_CLASSES) {
		fprintf(stderr, "gen-sizeclasses: too many classes\n");
		exit(1);
	}
	classes[nclasses].size = size;
	classes[nclasses].npages = npages;
	classes[nclasses].nelems = npages * PAGE_SIZE / size;
	classes[nclasses].divmul = UINT32_MAX / size + 1;
	nclasses++;
}

static void choose(void)
{
	unsigned prev;

	for (prev = 16; prev <= 128; prev += 16)
		add(prev);
	prev = 128;
	while (prev < SMALL_MAX) {
		unsigned grid = prev < 1024 ? 16 : 128;
		unsigned limit = 9 * (prev + 1) / 8; /* waste < 1/9 */
		unsigned pow2 = 1;
		unsigned size, np;

		while (pow2 <= prev)
			pow2 <<= 1;
		if (limit > pow2)
			limit = pow2;
		for (size = limit / grid * grid; size > prev; size -= grid) {
			np = span_pages(size);
			if (np != 0)
				break;
		}
		if (size <= prev) {
			fprintf(stderr, "gen-sizeclasses: no class after %u\n",
				prev);
			exit(1);
		}
		/* The largest size with the same object count in the span. */
		unsigned same = np * PAGE_SIZE / (np * PAGE_SIZE / size);
		same = same / grid * grid;
		if (same <= limit)
			size = same;
		add(size);
		prev = size;
	}
}

static void tables(void)
{
	unsigned c = 1;

	for (unsigned i = 0; i <= 1024 / 8; i++) {
		while (classes[c].size < i * 8)
			c++;
		to_class8[i] = (uint8_t)c;
	}
	for (unsigned i = 0; i <= (SMALL_MAX - 1024) / 128; i++) {
		while (classes[c].size < 1024 + i * 128)
			c++;
		to_class128[i] = (uint8_t)c;
	}
}

static unsigned lookup(unsigned n)
{
	if (n <= 1024)
		return to_class8[(n + 7) >> 3];
	return to_class128[(n - 1024 + 127) >> 7];
}

static void verify(void)
{
	for (unsigned c = 1; c < nclasses; c++) {
		const struct class *k = &classes[c];
		unsigned prev = classes[c - 1].size;
		unsigned bytes = k->npages * PAGE_SIZE;
		double round = (double)(k->size - prev - 1) / k->size;
		double tail = (double)(bytes % k->size) / bytes;

		if (k->size % 16 != 0 || (k->size > 1024 && k->size % 128 != 0))
			fail("size off the lookup grid", k->size, 0);
		if (k->size > 128 && round > 0.125)
			fail("rounding waste above 1/8", k->size, round);
		if (k->npages == 0 || tail > 0.125)
			fail("tail waste above 1/8", k->size, tail);
		if (k->nelems > SPAN_MAX_OBJECTS || k->npages > MAX_SPAN_PAGES)
			fail("span too large", k->size, k->nelems);
		for (unsigned off = 0; off < bytes; off++) {
			uint64_t m = (uint64_t)off * k->divmul;

			if (m >> 32 != off / k->size ||
			    ((uint32_t)m < k->divmul) != (off % k->size == 0)) {
				fail("divmul inexact", k->size, off);
				break;
			}
		}
	}
	for (unsigned p = 16; p <= SMALL_MAX; p <<= 1) {
		unsigned c = lookup(p);

		if (classes[c].size != p)
			fail("power of two is not a class", p, 0);
	}
	for (unsigned n = 0; n <= SMALL_MAX; n++) {
		unsigned c = lookup(n);

		if (c == 0 || c >= nclasses || classes[c].size < n ||
		    (c > 1 && classes[c - 1].size >= n)) {
			fail("lookup is not the smallest fitting class", n, c);
			break;
		}
	}
	if (nclasses - 1 < 60 || nclasses - 1 > 70)
		fail("class count outside 60..70", nclasses - 1, 0);
	if (classes[nclasses - 1].size != SMALL_MAX)
		fail("last class is not SMALL_MAX", classes[nclasses - 1].size,
		     0);
}

static void print_bytes(const char *name, const uint8_t *t, unsigned n)
{
	printf("const uint8_t %s[%u] = {", name, n);
	for (unsigned i = 0; i < n; i++)
		printf("%s%u,", i % 16 == 0 ? "\n\t" : " ", t[i]);
	printf("\n};\n");
}

static void emit(void)
{
	printf("/*\n"
	       " * sizeclasses.c - GENERATED by tools/gen-sizeclasses.c; do "
	       "not edit.\n"
	       " *\n"
	       " * class  bytes/obj  pages/span  objects  tail waste  max "
	       "rounding waste\n");
	for (unsigned c = 1; c < nclasses; c++) {
		const struct class *k = &classes[c];
		unsigned bytes = k->npages * PAGE_SIZE;
		unsigned prev = classes[c - 1].size;

		printf(" * %5u  %9u  %10u  %7u  %9.2f%%  ", c, k->size,
		       k->npages, k->nelems, 100.0 * (bytes % k->size) / bytes);
		if (k->size <= 128)
			printf("  < 16 bytes\n");
		else
			printf("%9.2f%%\n",
			       100.0 * (k->size - prev - 1) / k->size);
	}
	printf(" */\n"
	       "#include \"heap.h\"\n\n"
	       "/* clang-format off */\n"
	       "_Static_assert(NUM_SIZE_CLASSES == %u, \"run "
	       "tools/gen-sizeclasses\");\n"
	       "_Static_assert(PAGE_SHIFT == %u && SMALL_MAX == %u, \"run "
	       "tools/gen-sizeclasses\");\n\n"
	       "const struct size_class size_classes[NUM_SIZE_CLASSES] = {\n"
	       "\t{0, 0, 0, 0},\n",
	       nclasses, PAGE_SHIFT, SMALL_MAX);
	for (unsigned c = 1; c < nclasses; c++)
		printf("\t{%u, %u, %u, %uu},\n", classes[c].size,
		       classes[c].npages, classes[c].nelems, classes[c].divmul);
	printf("};\n\n/* Class of n bytes: [(n + 7) >> 3] for n <= 1024, "
	       "else size_to_class128. */\n");
	print_bytes("size_to_class8", to_class8, sizeof(to_class8));
	printf("\n/* Class of n bytes, 1024 < n <= SMALL_MAX: "
	       "[(n - 1024 + 127) >> 7]. */\n");
	print_bytes("size_to_class128", to_class128, sizeof(to_class128));
	printf("/* clang-format on */\n");
}

int main(void)
{
	choose();
	tables();
	verify();
	if (failed)
		return 1;
	emit();
	return 0;
}
