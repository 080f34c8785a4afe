/*
 * heap_bench.c - host benchmark (not a test): spanfence against glibc
 * malloc, mimalloc and jemalloc, each workload run in interleaved rounds in
 * one process; prints the median ns per operation and the ratio to
 * spanfence. mimalloc and jemalloc are dlopen'ed RTLD_LOCAL so that glibc
 * stays the process's malloc.
 *
 *   heap_bench                 the table
 *   heap_bench W...            the table's rows W... only (0: first row)
 *   heap_bench run W ALLOC N   workload W (0: first row) with allocator
 *                              ALLOC only; N pairs for the malloc+free rows
 *                              (for callgrind and perf); prints "P pairs",
 *                              the malloc+free pairs it ran
 *
 * jemalloc needs static TLS space when dlopen'ed: run with
 * GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 (host-bench does).
 */
#include <dlfcn.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"
#include "host.h"
#include "spanfence.h"

struct allocator {
	const char *name;
	void *(*alloc)(size_t);
	void (*release)(void *);
};

static struct allocator allocators[4];
static int nallocators;

static void add_dl(const char *name, const char *lib, const char *m,
		   const char *f)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	struct allocator *a = &allocators[nallocators];

	if (h == NULL) {
		printf("# %s skipped: %s\n", name, dlerror());
		return;
	}
	a->name = name;
	a->alloc = (void *(*)(size_t))dlsym(h, m);
	a->release = (void (*)(void *))dlsym(h, f);
	if (a->alloc != NULL && a->release != NULL)
		nallocators++;
}

static void load_allocators(void)
{
	allocators[nallocators++] =
	    (struct allocator){"spanfence", sf_malloc, sf_free};
	allocators[nallocators++] = (struct allocator){"glibc", malloc, free};
	add_dl("mimalloc", "libmimalloc.so.2", "mi_malloc", "mi_free");
	add_dl("jemalloc", "libjemalloc.so.2", "malloc", "free");
}

static struct allocator *find(const char *name)
{
	for (int i = 0; i < nallocators; i++)
		if (strcmp(allocators[i].name, name) == 0)
			return &allocators[i];
	return NULL;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* --- workloads: each returns the number of malloc+free pairs --------- */

static size_t pair_size;

static __attribute__((noinline)) uint64_t run_pairs(const struct allocator *a,
						    uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		char *p = a->alloc(pair_size);

		*(volatile char *)p = 1;
		a->release(p);
	}
	return n;
}

enum { BATCH = 1000, BATCH_ROUNDS = 400 };
static size_t batch_sizes[BATCH];
static unsigned batch_order[BATCH];

/* Allocate 1000 blocks of 16..512 bytes, free them in a shuffled order. */
static uint64_t run_batch(const struct allocator *a, uint64_t unused)
{
	static void *v[BATCH];

	(void)unused;
	for (int r = 0; r < BATCH_ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++) {
			v[i] = a->alloc(batch_sizes[i]);
			*(volatile char *)v[i] = 1;
		}
		for (int i = 0; i < BATCH; i++)
			a->release(v[batch_order[i]]);
	}
	return (uint64_t)BATCH * BATCH_ROUNDS;
}

enum { SLOTS = 8192, STEPS = 1 << 21 };
static uint32_t ws_slot[STEPS];
static uint32_t ws_size[STEPS];

/* A working set of 8192 blocks, 16 B..8 KiB, replaced at random. */
static uint64_t run_working_set(const struct allocator *a, uint64_t unused)
{
	static void *v[SLOTS];

	(void)unused;
	for (int i = 0; i < SLOTS; i++)
		v[i] = a->alloc(ws_size[i]);
	for (int i = 0; i < STEPS; i++) {
		uint32_t s = ws_slot[i];

		a->release(v[s]);
		v[s] = a->alloc(ws_size[i]);
		*(volatile char *)v[s] = 1;
	}
	for (int i = 0; i < SLOTS; i++)
		a->release(v[i]);
	return STEPS + SLOTS;
}

/*
 * Producer/consumer on two harts, in batches of 64 objects: every free is
 * on the other hart (the handover costs the same for every allocator).
 */
enum { RING = 16, BATCH_OBJECTS = 64, XBATCHES = 1 << 14 };
static struct {
	void *objs[BATCH_OBJECTS];
	volatile uint32_t full;
} __attribute__((aligned(64))) ring[RING];
static const struct allocator *xalloc;

/* Wait for slot->full == want: spin a little, then yield the CPU. */
static void wait_full(volatile uint32_t *full, uint32_t want)
{
	for (unsigned spins = 0;
	     __atomic_load_n(full, __ATOMIC_ACQUIRE) != want; spins++)
		if (spins > 1000)
			sched_yield();
}

static void xthread_worker(struct hart *h, void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < XBATCHES; i++) {
		__typeof__(ring[0]) *slot = &ring[i % RING];

		if (h->index == 1) {
			wait_full(&slot->full, 0);
			for (int k = 0; k < BATCH_OBJECTS; k++)
				slot->objs[k] = xalloc->alloc(
				    16 + (i * 7919 + k * 31) % 240);
			__atomic_store_n(&slot->full, 1, __ATOMIC_RELEASE);
		} else {
			wait_full(&slot->full, 1);
			for (int k = 0; k < BATCH_OBJECTS; k++)
				xalloc->release(slot->objs[k]);
			__atomic_store_n(&slot->full, 0, __ATOMIC_RELEASE);
		}
	}
	heap_cache_flush();
}

static uint64_t run_xthread(const struct allocator *a, uint64_t unused)
{
	(void)unused;
	xalloc = a;
	host_harts_start(2, xthread_worker, NULL);
	return (uint64_t)XBATCHES * BATCH_OBJECTS;
}

struct workload {
	const char *name;
	uint64_t (*run)(const struct allocator *, uint64_t);
	size_t size; /* for pairs */
};

static const struct workload workloads[] = {
    {"malloc+free 16 B", run_pairs, 16},
    {"malloc+free 64 B", run_pairs, 64},
    {"malloc+free 512 B", run_pairs, 512},
    {"malloc+free 4 KiB", run_pairs, 4096},
    {"malloc+free 64 KiB", run_pairs, 65536},
    {"batch 1000 x 16..512 B", run_batch, 0},
    {"working set 8192 x 16 B..8 KiB", run_working_set, 0},
    {"2 harts, producer/consumer", run_xthread, 0},
};

enum { ROUNDS = 7, PAIRS = 4000000 };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void prepare(void)
{
	for (int i = 0; i < BATCH; i++) {
		batch_sizes[i] = 16 + next_rand() % 497;
		batch_order[i] = (unsigned)i;
	}
	for (int i = BATCH - 1; i > 0; i--) {
		unsigned j = (unsigned)(next_rand() % (uint64_t)(i + 1));
		unsigned t = batch_order[i];

		batch_order[i] = batch_order[j];
		batch_order[j] = t;
	}
	for (int i = 0; i < STEPS; i++) {
		uint64_t r = next_rand();

		ws_slot[i] = (uint32_t)(r % SLOTS);
		/* 70% 16..128 B, the rest up to 8 KiB */
		unsigned shift =
		    (r >> 40) % 10 < 7 ? (r >> 20) % 4 : (r >> 20) % 10;
		ws_size[i] = (uint32_t)((16u << shift) - (r >> 32) % 16);
	}
}

/* Row w of the table, or every row when the list is empty. */
static bool wanted(size_t w, int nrows, char **rows)
{
	for (int i = 0; i < nrows; i++)
		if (strtoul(rows[i], NULL, 0) == w)
			return true;
	return nrows == 0;
}

static void table(int nrows, char **rows)
{
	printf("| workload | ");
	for (int a = 0; a < nallocators; a++)
		printf("%s ns/op | ", allocators[a].name);
	for (int a = 1; a < nallocators; a++)
		printf("spanfence/%s | ", allocators[a].name);
	printf("\n|---|");
	for (int a = 0; a < 2 * nallocators - 1; a++)
		printf("---:|");
	printf("\n");
	for (size_t w = 0; w < sizeof(workloads) / sizeof(workloads[0]); w++) {
		const struct workload *wl = &workloads[w];
		uint64_t ns[4][ROUNDS];
		double median[4];

		if (!wanted(w, nrows, rows))
			continue;
		pair_size = wl->size;
		for (int r = 0; r < ROUNDS; r++)
			for (int a = 0; a < nallocators; a++) {
				uint64_t t0 = counter_time();
				uint64_t ops = wl->run(&allocators[a], PAIRS);

				ns[a][r] = (counter_time() - t0) * 1000 / ops;
			}
		printf("| %s | ", wl->name);
		for (int a = 0; a < nallocators; a++) {
			qsort(ns[a], ROUNDS, sizeof(uint64_t), cmp_u64);
			median[a] = ns[a][ROUNDS / 2] / 1000.0;
			printf("%.1f | ", median[a]);
		}
		for (int a = 1; a < nallocators; a++)
			printf("%.2f | ", median[0] / median[a]);
		printf("\n");
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	host_init((size_t)1 << 30);
	load_allocators();
	prepare();
	if (argc == 5 && strcmp(argv[1], "run") == 0) {
		size_t w = strtoul(argv[2], NULL, 0);
		const struct allocator *a = find(argv[3]);

		if (a == NULL || w >= sizeof(workloads) / sizeof(workloads[0]))
			return 1;
		pair_size = workloads[w].size;
		printf("%llu pairs\n", (unsigned long long)workloads[w].run(
					   a, strtoull(argv[4], NULL, 0)));
		return 0;
	}
	printf("# heap_bench: median of %d interleaved rounds, ns per "
	       "malloc+free pair\n",
	       ROUNDS);
	table(argc - 1, argv + 1);
	return 0;
}
