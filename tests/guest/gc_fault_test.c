/*
 * gc_fault_test.c - the collector hart stops responding (the test hook
 * gc_test_stall_collector makes it spin at its next step without a
 * heartbeat) and the mutators must not deadlock: a mutator that waits for
 * a cycle (the heap limit, gc_collect) and sees no heartbeat for the stall
 * timeout takes the driver and finishes the cycle itself, stop-the-world
 * (rescanning every marked object, since the collector may have held grey
 * ones). Verification is on throughout: nothing reachable may be lost.
 *
 *   test_stall_idle       stalled between cycles: the mutators allocate
 *                         past the limit; takeovers run whole cycles
 *   test_stall_mid_mark   stalled while marking (continuous cycles): a
 *                         takeover finishes the collector's mark
 *   test_mid_mark_then_stall  released, then stalled at its next step
 *                         while marking, as the workers wait for
 *                         collections: they take the mark over
 *   test_recovered        the collector is released: it notices it lost
 *                         the driver, drops its work, and collects again
 *   test_slow_kept        the collector is only slow (GC_STALL_SLOW: no
 *                         heartbeat for twice the timeout, inside a step,
 *                         at a cycle's start), in stop-the-world and in
 *                         concurrent mode, while the workers wait for
 *                         collections: nobody takes over, no two harts
 *                         drive one cycle (they once did, and deadlocked)
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

struct node {
	struct node *next;
	long key, sum;
};
static const struct gc_type node_type = GC_TYPE("fault.node", struct node, 0x1);
static const struct gc_type blob_type = GC_TYPE_NOSCAN("fault.blob", 512);

#define NT 4
static struct node *lists[NT];
static volatile uint64_t damaged;
static volatile uint32_t workers_collect; /* call gc_collect now and then */

/* slot 0: scratch */
static const struct frame_desc fd = FRAME_DESC("fault", 1, 0x1);

static long list_sum(struct node *x)
{
	long s = 0;

	for (; x != NULL; x = gc_load(&x->next))
		s += x->key;
	return s;
}

static void *worker(void *arg)
{
	struct node **list = arg;
	long want = 0;

	frame_push_or_panic(&fd);
	for (long i = 0; i < 1500; i++) {
		/* A long-lived list grows by one node in 16. */
		if (i % 16 == 0) {
			struct node *x = gc_alloc(&node_type);
			x->key = i;
			gc_store(&x->next, gc_load(list));
			gc_store(list, x);
			want += i;
		}
		/* Garbage: 16 x 512 bytes per step. */
		for (int k = 0; k < 16; k++)
			frame_set_ptr(frame_top(), 0, gc_alloc(&blob_type));
		if (i % 50 == 0 && list_sum(gc_load(list)) != want)
			atomic_fetch_add64(&damaged, 1);
		if (i % 8 == 0)
			task_yield();
		if (i % 300 == 150 && shared_load32(&workers_collect))
			gc_collect();
	}
	frame_pop();
	if (list_sum(gc_load(list)) != want)
		atomic_fetch_add64(&damaged, 1);
	return NULL;
}

static void run_workers(void)
{
	unsigned m = task_mutator_count();
	struct task *ts[NT];

	for (int i = 0; i < NT; i++) {
		gc_root_register(&lists[i], "fault list");
		ts[i] = task_spawn(task_mutator_hart((unsigned)i % m), "worker",
				   worker, &lists[i], NULL);
	}
	sched_run_all();
	for (int i = 0; i < NT; i++) {
		task_join(ts[i]);
		gc_root_unregister(&lists[i]);
		lists[i] = NULL;
	}
}

/* Release the collector and wait until its heartbeat shows it alive (a
 * mutator that waits for a cycle before that would still take over). */
static void unstall(void)
{
	struct gc_stats st;

	gc_test_stall_collector(GC_STALL_OFF);
	gc_get_stats(&st);
	uint64_t hb = st.heartbeat;
	uint64_t until = counter_time() + 10 * counter_time_hz();
	do
		gc_get_stats(&st);
	while (st.heartbeat < hb + 4 && counter_time() < until);
}

static void test_stall_idle(void)
{
	struct gc_stats a, b;

	KTAP_EXPECT(collector_hart() != NULL);
	size_t old = gc_set_limit(8u << 20);
	gc_set_verify(true);
	gc_collect();
	gc_get_stats(&a);
	gc_test_stall_collector(GC_STALL_ANY);
	uint64_t t0 = counter_time();
	run_workers();
	uint64_t ms = (counter_time() - t0) * 1000 / counter_time_hz();
	gc_get_stats(&b);
	KTAP_EXPECT(shared_load64(&damaged) == 0);
	KTAP_EXPECT(b.takeovers > a.takeovers);
	KTAP_EXPECT(b.cycles > a.cycles);
	ktap_diag("collector stalled: %lu cycles by %lu takeovers in %lu ms, "
		  "%lu MiB allocated under an 8 MiB limit",
		  (unsigned long)(b.cycles - a.cycles),
		  (unsigned long)(b.takeovers - a.takeovers), (unsigned long)ms,
		  (unsigned long)((b.allocated - a.allocated) >> 20));
	gc_set_limit(old);
}

static void test_stall_mid_mark(void)
{
	struct gc_stats a, b;

	gc_set_continuous(true);
	gc_get_stats(&a);
	run_workers(); /* the collector is still stalled: takeovers */
	gc_get_stats(&b);
	gc_set_continuous(false);
	KTAP_EXPECT(shared_load64(&damaged) == 0);
	KTAP_EXPECT(b.takeovers > a.takeovers);
	ktap_diag("%lu takeovers, %lu while marking",
		  (unsigned long)(b.takeovers - a.takeovers),
		  (unsigned long)(b.takeovers_mark - a.takeovers_mark));
}

static void test_mid_mark_then_stall(void)
{
	struct gc_stats a, b;

	/* Released, then stalled at its next step while it marks
	 * (continuous cycles); the workers wait for collections. */
	unstall();
	gc_collect();
	gc_set_continuous(true);
	gc_get_stats(&a);
	gc_test_stall_collector(GC_STALL_MARKING);
	shared_store32(&workers_collect, 1);
	run_workers();
	shared_store32(&workers_collect, 0);
	gc_get_stats(&b);
	gc_set_continuous(false);
	KTAP_EXPECT(shared_load64(&damaged) == 0);
	KTAP_EXPECT(b.takeovers > a.takeovers);
	KTAP_EXPECT(b.takeovers_mark > a.takeovers_mark);
	ktap_diag("%lu takeovers, %lu while marking",
		  (unsigned long)(b.takeovers - a.takeovers),
		  (unsigned long)(b.takeovers_mark - a.takeovers_mark));
}

static void test_recovered(void)
{
	struct gc_stats a, b;

	unstall();
	gc_get_stats(&a);
	run_workers();
	gc_collect();
	gc_collect();
	gc_get_stats(&b);
	gc_set_verify(false);
	KTAP_EXPECT(shared_load64(&damaged) == 0);
	KTAP_EXPECT(b.cycles >= a.cycles + 2);
	KTAP_EXPECT(b.takeovers == a.takeovers);
}

static void test_slow_kept(void)
{
	struct gc_stats a, b;
	static const enum gc_mode modes[] = {GC_STOP_THE_WORLD, GC_CONCURRENT};

	gc_set_verify(true);
	gc_get_stats(&a);
	for (unsigned i = 0; i < 2; i++) {
		gc_set_mode(modes[i]);
		gc_test_stall_collector(GC_STALL_SLOW);
		shared_store32(&workers_collect, 1);
		run_workers();
		shared_store32(&workers_collect, 0);
		gc_collect();
		/* The slow step happened: the collector turned it off. */
		KTAP_EXPECT(gc_test_stall_collector(GC_STALL_OFF) ==
			    GC_STALL_OFF);
	}
	gc_get_stats(&b);
	gc_set_verify(false);
	KTAP_EXPECT(shared_load64(&damaged) == 0);
	KTAP_EXPECT(b.takeovers == a.takeovers);
	KTAP_EXPECT(b.cycles >= a.cycles + 2);
	ktap_diag("slow collector: %lu cycles, %lu takeovers",
		  (unsigned long)(b.cycles - a.cycles),
		  (unsigned long)(b.takeovers - a.takeovers));
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_stall_idle),		 /* between cycles */
    KTAP_CASE(test_stall_mid_mark),	 /* while marking */
    KTAP_CASE(test_mid_mark_then_stall), /* at the next step, marking */
    KTAP_CASE(test_recovered),		 /* released: drops its work */
    KTAP_CASE(test_slow_kept),		 /* only slow: nobody takes over */
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("gc-fault", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
