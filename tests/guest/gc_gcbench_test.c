/*
 * gc_gcbench_test.c - GCBench (John Ellis and Pete Kovac, Post
 * Communications; modified by Hans Boehm): a long-lived tree and array
 * that must survive, and temporary trees of depth kMin..kMax built
 * top-down (Populate: the parent first, children stored into it) and
 * bottom-up (MakeTree: the children first, kept in frame slots, then the
 * parent). Here one GCBench runs as a task on every mutator hart at once,
 * with the collector running concurrently, and each checks its long-lived
 * structures (a checksum of the tree, every array element) after every
 * collection cycle it sees complete.
 *
 * Depths are reduced to fit the boards' 256 MiB and a boot of well under a
 * minute under QEMU TCG: stretch 14, long-lived 12, array 50000, temporary
 * trees 4..12 (the original: 18, 16, 500000, 4..16; bench/gc_bench.c runs
 * those on the host).
 *
 * The calling convention that keeps a result alive (THE RULE, gc.h): a
 * callee stores its result through a pointer to a slot of the caller's
 * frame (passed with frame_push_args, which adjusts it if the push moves
 * the stack) before it pops its own frame: a frame pop is a safe point.
 */
#include <stdint.h>
#include <string.h>

#include "atomic.h"
#include "console.h"
#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "ktap.h"
#include "task.h"

#ifndef GCB_STRETCH
#ifdef SF_SIMULATE /* every shared access is a call: smaller */
#define GCB_STRETCH    12
#define GCB_LONG_LIVED 10
#define GCB_ARRAY      10000
#define GCB_MIN	       4
#define GCB_MAX	       10
#else
#define GCB_STRETCH    14
#define GCB_LONG_LIVED 12
#define GCB_ARRAY      50000
#define GCB_MIN	       4
#define GCB_MAX	       12
#endif
#endif

struct node {
	struct node *left, *right;
	long i, j;
};
static const struct gc_type node_type =
    GC_TYPE("gcbench.node", struct node, 0x3);
static const struct gc_type double_type = GC_TYPE_NOSCAN("gcbench.double", 8);

static long tree_size(int i)
{
	return (1L << (i + 1)) - 1;
}

static long num_iters(int i)
{
	return 2 * tree_size(GCB_STRETCH) / tree_size(i);
}

/* Top-down: node is reachable (from a frame slot, through the tree). */
static void populate(int depth, struct node *node)
{
	if (depth <= 0)
		return;
	depth--;
	gc_store(&node->left, gc_alloc(&node_type));
	gc_store(&node->right, gc_alloc(&node_type));
	populate(depth, gc_load(&node->left));
	populate(depth, gc_load(&node->right));
}

/* Bottom-up: slot 0 out (a slot of the caller's frame), 1 left, 2 right */
static const struct frame_desc make_desc = FRAME_DESC("gcbench.make", 3, 0x7);

static void make_tree(int depth, void **out)
{
	uintptr_t args[1] = {(uintptr_t)out};
	struct frame *f = frame_push_args(&make_desc, args, 1);

	if (f == NULL)
		panic("gcbench: %s", task_error_msg(task_current()));
	if (depth > 0) {
		make_tree(depth - 1, (void **)&f->slot[1]);
		f = frame_top();
		make_tree(depth - 1, (void **)&f->slot[2]);
	}
	struct node *n = gc_alloc(&node_type);
	f = frame_top();
	gc_store(&n->left, frame_ptr(f, 1));
	gc_store(&n->right, frame_ptr(f, 2));
	*(void **)frame_ptr(f, 0) = n;
	frame_pop();
}

/* Number the tree's nodes in preorder; returns the next number. */
static long number(struct node *n, long k)
{
	for (; n != NULL; n = gc_load(&n->right)) {
		n->i = k++;
		n->j = ~n->i;
		k = number(gc_load(&n->left), k);
	}
	return k;
}

static long checksum(struct node *n, long *count)
{
	long sum = 0;

	for (; n != NULL; n = gc_load(&n->right)) {
		if (n->j != ~n->i)
			return -1;
		sum += n->i;
		(*count)++;
		long s = checksum(gc_load(&n->left), count);
		if (s < 0)
			return -1;
		sum += s;
	}
	return sum;
}

struct gcb {
	struct node *long_lived; /* roots */
	double *array;
	uint64_t seen_cycle;
	uint64_t checks, failures;
	long expect_sum, expect_count;
	uint64_t ticks;
};

#define MAX_GCB 8
static struct gcb gcbs[MAX_GCB];

/* After every completed cycle: the long-lived structures are intact. */
static void check_long_lived(struct gcb *g)
{
	struct gc_stats st;

	gc_get_stats(&st);
	if (st.cycles == g->seen_cycle)
		return;
	g->seen_cycle = st.cycles;
	long count = 0;
	long sum = checksum(gc_load(&g->long_lived), &count);
	int ok = sum == g->expect_sum && count == g->expect_count;
	double *a = gc_load(&g->array);
	for (int i = 0; ok && i < GCB_ARRAY; i += 1 + i / 64)
		ok = a[i] == 1.0 / (double)(i + 1);
	g->checks++;
	if (!ok && g->failures++ == 0)
		kprintf("# gcbench: long-lived structures damaged at cycle "
			"%lu (sum %ld of %ld, count %ld of %ld)\n",
			(unsigned long)st.cycles, sum, g->expect_sum, count,
			g->expect_count);
}

/* slot 0: the temporary tree */
static const struct frame_desc base_desc = FRAME_DESC("gcbench.base", 1, 0x1);

static void time_construction(struct gcb *g, int depth)
{
	long iters = num_iters(depth);

	for (long i = 0; i < iters; i++) {
		struct frame *f = frame_top();
		frame_set_ptr(f, 0, gc_alloc(&node_type));
		populate(depth, frame_ptr(f, 0));
		frame_set_ptr(frame_top(), 0, NULL);
		check_long_lived(g);
	}
	for (long i = 0; i < iters; i++) {
		make_tree(depth, (void **)&frame_top()->slot[0]);
		frame_set_ptr(frame_top(), 0, NULL);
		check_long_lived(g);
		if (i % 64 == 0)
			task_yield();
	}
}

static void *gcbench(void *arg)
{
	struct gcb *g = arg;
	uint64_t t0 = counter_time();

	frame_push_or_panic(&base_desc);
	/* Stretch the heap with a tree that is dropped at once. */
	make_tree(GCB_STRETCH, (void **)&frame_top()->slot[0]);
	frame_set_ptr(frame_top(), 0, NULL);
	/* The long-lived tree, top-down, and the array. */
	gc_store(&g->long_lived, gc_alloc(&node_type));
	populate(GCB_LONG_LIVED, gc_load(&g->long_lived));
	g->expect_count = number(gc_load(&g->long_lived), 0);
	g->expect_sum = g->expect_count * (g->expect_count - 1) / 2;
	double *a = gc_alloc_array(&double_type, GCB_ARRAY);
	for (int i = 0; i < GCB_ARRAY; i++)
		a[i] = 1.0 / (double)(i + 1);
	gc_store(&g->array, a);
	for (int d = GCB_MIN; d <= GCB_MAX; d += 2)
		time_construction(g, d);
	g->seen_cycle = 0;
	check_long_lived(g);
	frame_pop();
	g->ticks = counter_time() - t0;
	return NULL;
}

static void run(bool verify)
{
	unsigned m = task_mutator_count();
	struct task *ts[MAX_GCB];
	struct gc_stats a, b;
	uint64_t checks = 0, failures = 0, ticks = 0;
	int rounds = 0;

	if (m > MAX_GCB)
		m = MAX_GCB;
	gc_set_verify(verify);
	gc_get_stats(&a);
	/* Again until enough cycles ran (the host's timing varies). */
	do {
		memset(gcbs, 0, sizeof(gcbs));
		for (unsigned i = 0; i < m; i++) {
			gc_root_register(&gcbs[i].long_lived,
					 "gcbench long-lived tree");
			gc_root_register(&gcbs[i].array, "gcbench array");
			ts[i] = task_spawn(task_mutator_hart(i), "gcbench",
					   gcbench, &gcbs[i], NULL);
			KTAP_EXPECT(ts[i] != NULL);
		}
		sched_run_all();
		for (unsigned i = 0; i < m; i++) {
			task_join(ts[i]);
			checks += gcbs[i].checks;
			failures += gcbs[i].failures;
			if (gcbs[i].ticks > ticks)
				ticks = gcbs[i].ticks;
			gc_root_unregister(&gcbs[i].long_lived);
			gc_root_unregister(&gcbs[i].array);
		}
		gc_get_stats(&b);
		rounds++;
	} while (b.cycles - a.cycles < 3 && rounds < 16);
	gc_set_verify(false);
	KTAP_EXPECT(failures == 0);
	KTAP_EXPECT(checks >= m); /* at least the final check of each */
	KTAP_EXPECT(b.cycles - a.cycles >= 3);
	ktap_diag(
	    "%u x GCBench(%d/%d/%d, %d..%d) x %d: %lu ms, %lu cycles (%lu "
	    "verified), %lu checks; max pause %lu us, mark max %lu ms, "
	    "%lu MiB allocated, %lu MiB freed",
	    m, GCB_STRETCH, GCB_LONG_LIVED, GCB_ARRAY, GCB_MIN, GCB_MAX, rounds,
	    (unsigned long)(ticks * 1000 / counter_time_hz()),
	    (unsigned long)(b.cycles - a.cycles),
	    (unsigned long)(b.verified - a.verified), (unsigned long)checks,
	    (unsigned long)(b.pause_max_ns / 1000),
	    (unsigned long)(b.mark_ns_max / 1000000),
	    (unsigned long)((b.allocated - a.allocated) >> 20),
	    (unsigned long)((b.freed - a.freed) >> 20));
}

static void test_gcbench_concurrent(void)
{
	run(false);
}

static void test_gcbench_verified(void)
{
	gc_set_continuous(true);
	run(true);
	gc_set_continuous(false);
}

static void test_gcbench_stw(void)
{
	gc_set_mode(GC_STOP_THE_WORLD);
	run(false);
	gc_set_mode(GC_CONCURRENT);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_gcbench_concurrent),
    KTAP_CASE(test_gcbench_verified),
    KTAP_CASE(test_gcbench_stw),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("gc-gcbench", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
