/*
 * gc_bintree_test.c - binary-trees (the Computer Language Benchmarks Game,
 * from Hans Boehm's GCBench): a stretch tree of depth max+1, a long-lived
 * tree of depth max, and for d = 4, 6, ..., max: 2^(max - d + 4) trees of
 * depth d built bottom-up and checked (node count). The depths run as
 * tasks spread over every mutator hart (the parallel version), with the
 * collector concurrent; each task checks the long-lived tree after every
 * collection cycle it sees complete. max = 12 here (the benchmark's is
 * 21; the host benchmark runs 16): it fits a QEMU TCG boot.
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

#ifndef BT_MAX
#ifdef SF_SIMULATE /* every shared access is a call: smaller */
#define BT_MAX 10
#else
#define BT_MAX 12
#endif
#endif
#define BT_MIN	   4
#define BT_NDEPTHS ((BT_MAX - BT_MIN) / 2 + 1)

struct node {
	struct node *left, *right;
};
static const struct gc_type node_type =
    GC_TYPE("bintree.node", struct node, 0x3);

/* slot 0: out (a slot of the caller's frame), 1 left, 2 right */
static const struct frame_desc tree_desc = FRAME_DESC("bintree.tree", 3, 0x7);

static void bottom_up(int depth, void **out)
{
	uintptr_t args[1] = {(uintptr_t)out};
	struct frame *f = frame_push_args(&tree_desc, args, 1);

	if (f == NULL)
		panic("bintree: %s", task_error_msg(task_current()));
	if (depth > 0) {
		bottom_up(depth - 1, (void **)&f->slot[1]);
		f = frame_top();
		bottom_up(depth - 1, (void **)&f->slot[2]);
	}
	struct node *n = gc_alloc(&node_type);
	f = frame_top();
	gc_store(&n->left, frame_ptr(f, 1));
	gc_store(&n->right, frame_ptr(f, 2));
	*(void **)frame_ptr(f, 0) = n;
	frame_pop();
}

static long item_check(struct node *n)
{
	struct node *l = gc_load(&n->left);

	if (l == NULL)
		return 1;
	return 1 + item_check(l) + item_check(gc_load(&n->right));
}

static struct node *long_lived;
static volatile uint64_t damaged;

struct depth_job {
	int depth;
	long iterations, check;
	uint64_t seen_cycle, checks;
};

/* slot 0: the tree being checked */
static const struct frame_desc job_desc = FRAME_DESC("bintree.job", 1, 0x1);

static void check_long_lived(struct depth_job *j)
{
	struct gc_stats st;

	gc_get_stats(&st);
	if (st.cycles == j->seen_cycle)
		return;
	j->seen_cycle = st.cycles;
	j->checks++;
	if (item_check(gc_load(&long_lived)) != (2L << BT_MAX) - 1)
		atomic_fetch_add64(&damaged, 1);
}

static void *depth_task(void *arg)
{
	struct depth_job *j = arg;

	frame_push_or_panic(&job_desc);
	for (long i = 0; i < j->iterations; i++) {
		bottom_up(j->depth, (void **)&frame_top()->slot[0]);
		j->check += item_check(frame_ptr(frame_top(), 0));
		frame_set_ptr(frame_top(), 0, NULL);
		check_long_lived(j);
		if (i % 16 == 0)
			task_yield();
	}
	frame_pop();
	return NULL;
}

/* slot 0: the stretch tree, then the long-lived one */
static const struct frame_desc main_desc = FRAME_DESC("bintree.main", 1, 0x1);
static struct depth_job jobs[BT_NDEPTHS];
static long stretch_check;

static void *bintree_main(void *arg)
{
	struct task *ts[BT_NDEPTHS];
	unsigned m = task_mutator_count();

	(void)arg;
	frame_push_or_panic(&main_desc);
	bottom_up(BT_MAX + 1, (void **)&frame_top()->slot[0]);
	stretch_check = item_check(frame_ptr(frame_top(), 0));
	frame_set_ptr(frame_top(), 0, NULL);
	bottom_up(BT_MAX, (void **)&frame_top()->slot[0]);
	gc_store(&long_lived, frame_ptr(frame_top(), 0));
	for (int k = 0; k < BT_NDEPTHS; k++) {
		jobs[k] = (struct depth_job){
		    .depth = BT_MIN + 2 * k,
		    .iterations = 1L << (BT_MAX - (BT_MIN + 2 * k) + BT_MIN),
		};
		ts[k] = task_spawn(task_mutator_hart((unsigned)k % m),
				   "bintree.depth", depth_task, &jobs[k], NULL);
		if (ts[k] == NULL)
			panic("bintree: spawn");
	}
	for (int k = 0; k < BT_NDEPTHS; k++)
		task_join(ts[k]);
	frame_pop();
	return NULL;
}

static void run(uint64_t min_cycles)
{
	struct gc_stats a, b;
	uint64_t t0 = counter_time();
	int rounds = 0;

	memset(jobs, 0, sizeof(jobs));
	shared_store64(&damaged, 0);
	/* The last run's tree was freed after its root went away: a stale
	 * value in a root is a bad pointer the collector reports. */
	long_lived = NULL;
	gc_root_register(&long_lived, "bintree long-lived tree");
	gc_get_stats(&a);
	/* Again until enough cycles ran (the host's timing varies). */
	do {
		memset(jobs, 0, sizeof(jobs));
		struct task *t = task_spawn(task_mutator_hart(0), "bintree",
					    bintree_main, NULL, NULL);
		KTAP_EXPECT(t != NULL);
		sched_run_all();
		task_join(t);
		gc_get_stats(&b);
		rounds++;
	} while (b.cycles - a.cycles < min_cycles && rounds < 16);
	uint64_t ticks = counter_time() - t0;
	KTAP_EXPECT(stretch_check == (2L << (BT_MAX + 1)) - 1);
	uint64_t checks = 0;
	for (int k = 0; k < BT_NDEPTHS; k++) {
		long nodes = (2L << jobs[k].depth) - 1;
		if (!KTAP_EXPECT(jobs[k].check == jobs[k].iterations * nodes))
			ktap_diag("depth %d: check %ld, expected %ld",
				  jobs[k].depth, jobs[k].check,
				  jobs[k].iterations * nodes);
		checks += jobs[k].checks;
	}
	KTAP_EXPECT(item_check(gc_load(&long_lived)) == (2L << BT_MAX) - 1);
	KTAP_EXPECT(shared_load64(&damaged) == 0);
	KTAP_EXPECT(b.cycles - a.cycles >= min_cycles);
	ktap_diag("binary-trees %d x %d: %lu ms, %lu cycles, %lu long-lived "
		  "checks (last round), max pause %lu us, %lu MiB allocated",
		  BT_MAX, rounds,
		  (unsigned long)(ticks * 1000 / counter_time_hz()),
		  (unsigned long)(b.cycles - a.cycles), (unsigned long)checks,
		  (unsigned long)(b.pause_max_ns / 1000),
		  (unsigned long)((b.allocated - a.allocated) >> 20));
	gc_root_unregister(&long_lived);
}

/* Paced (GOGC 25): how many cycles depends on the harts' timing. */
static void test_binary_trees(void)
{
	int old = gc_set_percent(25);
	run(3);
	gc_set_percent(old);
}

/* Back-to-back cycles, each verified. */
static void test_binary_trees_verified(void)
{
	gc_set_verify(true);
	gc_set_continuous(true);
	run(3);
	gc_set_continuous(false);
	gc_set_verify(false);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_binary_trees),
    KTAP_CASE(test_binary_trees_verified),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("gc-bintree", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
