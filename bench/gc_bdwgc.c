/*
 * gc_bdwgc.c - GCBench and binary-trees on bdwgc (the Boehm-Demers-Weiser
 * conservative collector, Debian's libgc-dev), the host baseline for
 * bench/gc_bench.c: the same workloads and sizes, one thread, the same
 * heap limit (GC_set_max_heap_size). Each collection is a stop-the-world
 * pause (bdwgc's default, non-incremental mode): its longest and 99th
 * percentile are measured with GC_set_on_collection_event.
 *
 *   make -f mk/gc.mk gc-host-bench
 */
#include <gc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_STRETCH 18
#define BENCH_LONG    16
#define BENCH_ARRAY   500000
#define BENCH_MIND    4
#define BENCH_MAXD    16
#define BENCH_BT      16
#define BENCH_LIMIT   (256u << 20)

struct node {
	struct node *left, *right;
	long i, j;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t pause_start, pauses[1 << 16];
static size_t npauses;

static void on_event(GC_EventType e)
{
	if (e == GC_EVENT_START)
		pause_start = now_ns();
	else if (e == GC_EVENT_END && npauses < sizeof(pauses) / 8)
		pauses[npauses++] = now_ns() - pause_start;
}

static struct node *new_node(struct node *l, struct node *r)
{
	struct node *n = GC_MALLOC(sizeof(*n));

	n->left = l;
	n->right = r;
	return n;
}

static long tree_size(int i)
{
	return (1L << (i + 1)) - 1;
}

static void populate(int depth, struct node *node)
{
	if (depth <= 0)
		return;
	depth--;
	node->left = new_node(NULL, NULL);
	node->right = new_node(NULL, NULL);
	populate(depth, node->left);
	populate(depth, node->right);
}

static struct node *make_tree(int depth)
{
	if (depth <= 0)
		return new_node(NULL, NULL);
	struct node *l = make_tree(depth - 1);
	return new_node(l, make_tree(depth - 1));
}

static long count(struct node *n)
{
	return n ? 1 + count(n->left) + count(n->right) : 0;
}

static int gcbench(void)
{
	struct node *volatile temp = make_tree(BENCH_STRETCH);
	temp = NULL;
	struct node *long_lived = new_node(NULL, NULL);
	populate(BENCH_LONG, long_lived);
	double *array = GC_MALLOC_ATOMIC(sizeof(double) * BENCH_ARRAY);
	for (int i = 0; i < BENCH_ARRAY; i++)
		array[i] = 1.0 / (double)(i + 1);
	for (int d = BENCH_MIND; d <= BENCH_MAXD; d += 2) {
		long iters = 2 * tree_size(BENCH_STRETCH) / tree_size(d);
		for (long i = 0; i < iters; i++) {
			temp = new_node(NULL, NULL);
			populate(d, temp);
			temp = NULL;
		}
		for (long i = 0; i < iters; i++) {
			temp = make_tree(d);
			temp = NULL;
		}
	}
	return count(long_lived) == tree_size(BENCH_LONG) &&
	       array[1000] == 1.0 / 1001.0;
}

static long item_check(struct node *n)
{
	return n->left == NULL ? 1
			       : 1 + item_check(n->left) + item_check(n->right);
}

static int bintree(void)
{
	struct node *volatile t = make_tree(BENCH_BT + 1);
	long c = item_check(t);
	t = NULL;
	struct node *long_lived = make_tree(BENCH_BT);
	for (int d = 4; d <= BENCH_BT; d += 2) {
		long iters = 1L << (BENCH_BT - d + 4), check = 0;
		for (long i = 0; i < iters; i++)
			check += item_check(make_tree(d));
		c += check;
	}
	return item_check(long_lived) == tree_size(BENCH_BT) && c > 0;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Three runs: the best time (the host is shared), all pauses. */
static void run(const char *what, int (*fn)(void))
{
	uint64_t ns = ~0ull;
	size_t gcs = 0;
	int ok = 1;

	npauses = 0;
	for (int rep = 0; rep < 3; rep++) {
		GC_gcollect();
		size_t g0 = GC_get_gc_no();
		uint64_t t0 = now_ns();
		ok &= fn();
		uint64_t t = now_ns() - t0;
		if (t < ns) {
			ns = t;
			gcs = GC_get_gc_no() - g0;
		}
	}
	qsort(pauses, npauses, sizeof(pauses[0]), cmp64);
	printf("bench: host bdwgc      %-9s %6lu ms %4lu cycles  pause max %lu "
	       "us p99 %lu us of %zu  heap %lu MiB%s\n",
	       what, (unsigned long)(ns / 1000000), (unsigned long)gcs,
	       (unsigned long)(npauses ? pauses[npauses - 1] / 1000 : 0),
	       (unsigned long)(npauses ? pauses[npauses * 99 / 100] / 1000 : 0),
	       npauses, (unsigned long)(GC_get_heap_size() >> 20),
	       ok ? "" : "  (WRONG RESULT)");
}

int main(void)
{
	GC_INIT();
	GC_set_max_heap_size(BENCH_LIMIT);
	GC_set_on_collection_event(on_event);
	printf("# bdwgc %u.%u.%u, limit %u MiB, GCBench %d/%d/%d 4..%d, "
	       "binary-trees %d\n",
	       (unsigned)GC_VERSION_MAJOR, (unsigned)GC_VERSION_MINOR,
	       (unsigned)GC_VERSION_MICRO, BENCH_LIMIT >> 20, BENCH_STRETCH,
	       BENCH_LONG, BENCH_ARRAY, BENCH_MAXD, BENCH_BT);
	gcbench(); /* warm up, as gc_bench does */
	run("gcbench-1", gcbench);
	run("bintree", bintree);
	return 0;
}
