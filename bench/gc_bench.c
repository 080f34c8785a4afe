/*
 * gc_bench.c - the collector's benchmark, on a board (make -f mk/gc.mk
 * BOARD=b gc-bench) and on the host (gc-host-bench, against bdwgc in
 * bench/gc_bdwgc.c).
 *
 * For the concurrent collector and then the stop-the-world mode of the
 * same collector, on the same heap (limit BENCH_LIMIT):
 *
 *   gcbench-1   GCBench (bench: stretch 18, long-lived 16, array 500000,
 *               trees 4..16 on the host; smaller on a board) as one task on
 *               one mutator hart: throughput, to compare with bdwgc
 *   gcbench-N   one GCBench per mutator hart at once: pauses under load
 *   bintree     binary-trees, its depths as tasks over every mutator hart
 *
 * and prints per mode: the time of each, the cycles, the longest and the
 * 99th-percentile mutator pause (timer ticks and microseconds of guest
 * time: counter_time(); a pause is time a hart spends in the collector's
 * handshakes or stopped), the mean and longest mark and stop-the-world
 * section, and a gctrace line per cycle of gcbench-N (tools: gc/trace2svg
 * turns them into a plot). The last line compares the longest pauses.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "console.h"
#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "task.h"

#ifndef BOARD_NAME
#define BOARD_NAME "host"
#endif

#ifndef BENCH_STRETCH
#if defined(__x86_64__)
#define BENCH_STRETCH 18
#define BENCH_LONG    16
#define BENCH_ARRAY   500000
#define BENCH_MAXD    16
#define BENCH_BT      16
#define BENCH_LIMIT   (256u << 20)
#else
/* A board under QEMU TCG: the long-lived data of the original (a tree of
 * depth 16, 500000 doubles: ~10 MiB live) on a 64 MiB heap, fewer
 * temporary trees. */
#define BENCH_STRETCH 14
#define BENCH_LONG    16
#define BENCH_ARRAY   500000
#define BENCH_MAXD    12
#define BENCH_BT      12
#define BENCH_LIMIT   (64u << 20)
#define BENCH_REPEAT  1
#endif
#endif
#define BENCH_MIND 4

struct node {
	struct node *left, *right;
	long i, j;
};
static const struct gc_type node_type = GC_TYPE("bench.node", struct node, 0x3);
static const struct gc_type double_type = GC_TYPE_NOSCAN("bench.double", 8);

/* A node; out of memory under the heap limit stops the bench, saying so. */
static struct node *new_node(void)
{
	struct node *n = gc_alloc(&node_type);

	if (n == NULL)
		panic("bench: gc_alloc: out of memory (errno %d) under the "
		      "heap limit",
		      errno);
	return n;
}

/* ---- GCBench (see tests/guest/gc_gcbench_test.c) ---- */

static long tree_size(int i)
{
	return (1L << (i + 1)) - 1;
}

static void populate(int depth, struct node *node)
{
	if (depth <= 0)
		return;
	depth--;
	gc_store(&node->left, new_node());
	gc_store(&node->right, new_node());
	populate(depth, gc_load(&node->left));
	populate(depth, gc_load(&node->right));
}

/* Bottom-up. The result goes to slot k of the caller's frame (the frame
 * below ours: position-independent, so no stack pointer is passed and
 * frame_push's fast path is taken); slots 0 and 1 hold the children. */
static const struct frame_desc make_desc = FRAME_DESC("bench.make", 2, 0x3);

static void make_tree(int depth, unsigned k)
{
	if (depth <= 0) {
		/* A leaf, as in the originals: no children, no frame. */
		struct node *n = new_node();
		frame_top()->slot[k] = (uintptr_t)n;
		return;
	}
	struct frame *f = frame_push(&make_desc);

	if (f == NULL)
		panic("bench: %s", task_error_msg(task_current()));
	make_tree(depth - 1, 0);
	make_tree(depth - 1, 1);
	struct node *n = new_node();
	f = frame_top();
	gc_store(&n->left, frame_ptr(f, 0));
	gc_store(&n->right, frame_ptr(f, 1));
	frame_parent(f)->slot[k] = (uintptr_t)n;
	frame_pop();
}

static long count(struct node *n)
{
	long c = 0;

	for (; n != NULL; n = gc_load(&n->right))
		c += 1 + count(gc_load(&n->left));
	return c;
}

struct gcb {
	struct node *long_lived;
	double *array;
	int ok;
};

static const struct frame_desc base_desc = FRAME_DESC("bench.base", 1, 0x1);

static void *gcbench(void *arg)
{
	struct gcb *g = arg;

	frame_push_or_panic(&base_desc);
	make_tree(BENCH_STRETCH, 0);
	frame_set_ptr(frame_top(), 0, NULL);
	gc_store(&g->long_lived, new_node());
	populate(BENCH_LONG, gc_load(&g->long_lived));
	double *a = gc_alloc_array(&double_type, BENCH_ARRAY);
	if (a == NULL)
		panic("bench: gc_alloc_array: out of memory (errno %d)", errno);
	for (int i = 0; i < BENCH_ARRAY; i++)
		a[i] = 1.0 / (double)(i + 1);
	gc_store(&g->array, a);
	for (int d = BENCH_MIND; d <= BENCH_MAXD; d += 2) {
		long iters = 2 * tree_size(BENCH_STRETCH) / tree_size(d);
		for (long i = 0; i < iters; i++) {
			struct frame *f = frame_top();
			frame_set_ptr(f, 0, new_node());
			populate(d, frame_ptr(f, 0));
			frame_set_ptr(frame_top(), 0, NULL);
		}
		for (long i = 0; i < iters; i++) {
			make_tree(d, 0);
			frame_set_ptr(frame_top(), 0, NULL);
			if (i % 64 == 0)
				task_yield();
		}
	}
	a = gc_load(&g->array);
	g->ok = count(gc_load(&g->long_lived)) == tree_size(BENCH_LONG) &&
		a[1000] == 1.0 / 1001.0;
	frame_pop();
	return NULL;
}

/* ---- binary-trees (see tests/guest/gc_bintree_test.c) ---- */

struct bt_job {
	int depth;
	long iterations, check;
};

static long item_check(struct node *n)
{
	struct node *l = gc_load(&n->left);

	return l == NULL ? 1
			 : 1 + item_check(l) + item_check(gc_load(&n->right));
}

static void *bt_depth(void *arg)
{
	struct bt_job *j = arg;

	frame_push_or_panic(&base_desc);
	for (long i = 0; i < j->iterations; i++) {
		make_tree(j->depth, 0);
		j->check += item_check(frame_ptr(frame_top(), 0));
		frame_set_ptr(frame_top(), 0, NULL);
		if (i % 16 == 0)
			task_yield();
	}
	frame_pop();
	return NULL;
}

static struct node *bt_long_lived;

static void *bintree(void *arg)
{
	struct bt_job jobs[16];
	struct task *ts[16];
	unsigned m = task_mutator_count();
	int n = 0;

	(void)arg;
	frame_push_or_panic(&base_desc);
	make_tree(BENCH_BT + 1, 0);
	frame_set_ptr(frame_top(), 0, NULL);
	make_tree(BENCH_BT, 0);
	gc_store(&bt_long_lived, frame_ptr(frame_top(), 0));
	for (int d = 4; d <= BENCH_BT; d += 2, n++) {
		jobs[n] = (struct bt_job){
		    .depth = d, .iterations = 1L << (BENCH_BT - d + 4)};
		ts[n] = task_spawn(task_mutator_hart((unsigned)n % m), "bt",
				   bt_depth, &jobs[n], NULL);
	}
	for (int k = 0; k < n; k++)
		task_join(ts[k]);
	frame_pop();
	return NULL;
}

/* ---- measuring ---- */

static uint64_t pauses[GC_PAUSE_LOG];

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	uint64_t ms, cycles, npauses, pmax_ns, p99_ns, p50_ns, mark_avg_ns,
	    mark_max_ns, allocated;
};

static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns * (counter_time_hz() / 1000) / 1000000;
}

#ifndef BENCH_REPEAT
#define BENCH_REPEAT 3
#endif

/* Run spawn_and_run BENCH_REPEAT times: the best time (the host is
 * shared), every pause of every run (max and p99 over all). */
static struct result measure(void (*spawn_and_run)(void))
{
	struct gc_stats a, b;
	struct result r = {.ms = ~0ull};
	static uint64_t all[GC_PAUSE_LOG];
	size_t nall = 0;

	gc_collect();
	gc_reset_maxima();
	for (int rep = 0; rep < BENCH_REPEAT; rep++) {
		gc_collect();
		gc_get_stats(&a);
		size_t n0 = gc_pauses(pauses, 0);
		uint64_t t0 = counter_time();
		spawn_and_run();
		uint64_t t1 = counter_time();
		gc_get_stats(&b);
		size_t n1 = gc_pauses(pauses, GC_PAUSE_LOG);
		size_t kept = n1 < GC_PAUSE_LOG ? n1 : GC_PAUSE_LOG;
		size_t n = n1 - n0 < kept ? n1 - n0 : kept;
		for (size_t i = 0; i < n && nall < GC_PAUSE_LOG; i++)
			all[nall++] = pauses[kept - n + i];
		uint64_t ms = (t1 - t0) * 1000 / counter_time_hz();
		if (ms < r.ms) {
			r.ms = ms;
			r.cycles = b.cycles - a.cycles;
			r.mark_avg_ns =
			    r.cycles
				? (b.mark_ns_total - a.mark_ns_total) / r.cycles
				: 0;
			r.allocated = b.allocated - a.allocated;
		}
		r.npauses += n1 - n0;
		if (b.mark_ns_max > r.mark_max_ns)
			r.mark_max_ns = b.mark_ns_max;
	}
	qsort(all, nall, sizeof(all[0]), cmp64);
	r.pmax_ns = nall ? all[nall - 1] : 0;
	r.p99_ns =
	    nall ? all[nall * 99 / 100 < nall ? nall * 99 / 100 : nall - 1] : 0;
	r.p50_ns = nall ? all[nall / 2] : 0;
	return r;
}

static struct gcb gcbs[8];

static void run_gcbench(unsigned n)
{
	struct task *ts[8];

	for (unsigned i = 0; i < n; i++) {
		memset(&gcbs[i], 0, sizeof(gcbs[i]));
		gc_root_register(&gcbs[i].long_lived, "bench long-lived");
		gc_root_register(&gcbs[i].array, "bench array");
		ts[i] = task_spawn(task_mutator_hart(i), "gcbench", gcbench,
				   &gcbs[i], NULL);
	}
	sched_run_all();
	for (unsigned i = 0; i < n; i++) {
		task_join(ts[i]);
		if (!gcbs[i].ok)
			kprintf(
			    "# bench: GCBench %u: long-lived data damaged\n",
			    i);
		gc_root_unregister(&gcbs[i].long_lived);
		gc_root_unregister(&gcbs[i].array);
	}
}

static void run_gcbench_1(void)
{
	run_gcbench(1);
}

static void run_gcbench_n(void)
{
	unsigned m = task_mutator_count();

	run_gcbench(m > 8 ? 8 : m);
}

static void run_bintree(void)
{
	bt_long_lived = NULL; /* the last run's tree is gone */
	gc_root_register(&bt_long_lived, "bench bintree");
	struct task *t =
	    task_spawn(task_mutator_hart(0), "bintree", bintree, NULL, NULL);
	sched_run_all();
	task_join(t);
	gc_root_unregister(&bt_long_lived);
}

static void report(const char *mode, const char *what, const struct result *r)
{
	kprintf("bench: %s %uh %-10s %-9s %6lu ms %4lu cycles  pause max "
		"%lu us (%lu ticks) p99 %lu us (%lu ticks) p50 %lu us of %lu  "
		"mark avg %lu us max %lu us  %lu MiB\n",
		BOARD_NAME, hart_count, mode, what, (unsigned long)r->ms,
		(unsigned long)r->cycles, (unsigned long)(r->pmax_ns / 1000),
		(unsigned long)ns_to_ticks(r->pmax_ns),
		(unsigned long)(r->p99_ns / 1000),
		(unsigned long)ns_to_ticks(r->p99_ns),
		(unsigned long)(r->p50_ns / 1000), (unsigned long)r->npauses,
		(unsigned long)(r->mark_avg_ns / 1000),
		(unsigned long)(r->mark_max_ns / 1000),
		(unsigned long)(r->allocated >> 20));
}

int main(void)
{
	struct result res[2][3];
	static const char *const modes[2] = {"concurrent", "stw"};

	gc_init(NULL);
	gc_set_limit(BENCH_LIMIT);
	kprintf("# gc bench on %s, %u harts (%u mutators), limit %u MiB, "
		"GCBench %d/%d/%d 4..%d, binary-trees %d, timer %lu Hz\n",
		BOARD_NAME, hart_count, task_mutator_count(),
		(unsigned)(BENCH_LIMIT >> 20), BENCH_STRETCH, BENCH_LONG,
		BENCH_ARRAY, BENCH_MAXD, BENCH_BT,
		(unsigned long)counter_time_hz());
	/* Warm up: the first run pays for the region's first page faults. */
	run_gcbench_1();
	for (int m = 0; m < 2; m++) {
		gc_set_mode(m ? GC_STOP_THE_WORLD : GC_CONCURRENT);
		res[m][0] = measure(run_gcbench_1);
		report(modes[m], "gcbench-1", &res[m][0]);
		bool trace = gc_set_trace(true);
		res[m][1] = measure(run_gcbench_n);
		gc_set_trace(trace);
		report(modes[m], "gcbench-N", &res[m][1]);
		res[m][2] = measure(run_bintree);
		report(modes[m], "bintree", &res[m][2]);
	}
	uint64_t cmax = 0, smax = 0;
	for (int k = 0; k < 3; k++) {
		if (res[0][k].pmax_ns > cmax)
			cmax = res[0][k].pmax_ns;
		if (res[1][k].pmax_ns > smax)
			smax = res[1][k].pmax_ns;
	}
	kprintf("bench: %s %uh longest pause: concurrent %lu us, "
		"stop-the-world %lu us: 1/%lu\n",
		BOARD_NAME, hart_count, (unsigned long)(cmax / 1000),
		(unsigned long)(smax / 1000),
		(unsigned long)(cmax ? smax / cmax : 0));
	gc_shutdown();
	return 0;
}
