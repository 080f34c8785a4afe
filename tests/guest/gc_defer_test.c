/*
 * gc_defer_test.c - DeferHeapAndStack (tests/guest/defer_test.c, the task
 * engineer's port of the Go test that caught golang/go#35541) with the
 * real collector running concurrently: back-to-back cycles, each scanning
 * every task record (t->defer, t->frame, t->stack_lo loaded while the
 * tasks copy their stacks: gc_check_task_record), every stack (claimed
 * when parked, self-scanned at a safepoint when running), with the
 * verification re-mark on. The 1 KiB that each level allocates and drops
 * comes from the collected heap here (a noscan object held in a frame
 * slot), so the collector has garbage to find too.
 *
 * Short mode (P=2, N=1000, D=20) is gc_defer_test; long mode (P=4,
 * N=10000, D=200) is gc_defer_stress_test (make -f mk/gc.mk gc-stress).
 */
#include <stdint.h>
#include <string.h>

#include "atomic.h"
#include "console.h"
#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#include "task.h"
#include "../heap/heap.h"

/* The body's 1 KiB garbage comes from the collected heap. */
static const struct gc_type dhs_buf_type = GC_TYPE_NOSCAN("dhs.buf", 1024);
#define sf_malloc(n) gc_alloc_array(&dhs_buf_type, (n) / 1024)
#define sf_free(p)   ((void)(p))

#ifdef main
#define GC_DEFER_GUEST_MAIN 1
#undef main
#endif
#define main dhs_original_main
#if __has_include("defer_test.c")
#include "defer_test.c"
#else
#include "../../guest/defer_test.c"
#endif
#undef main
#ifdef GC_DEFER_GUEST_MAIN
#define main guest_main
#endif
#undef sf_malloc
#undef sf_free

int dhs_original_main(void);

static void run(bool verify)
{
	struct gc_stats a, b;

	gc_set_verify(verify);
	gc_set_continuous(true);
	gc_get_stats(&a);
	/* Again until the collector has seen the tasks run for a while
	 * (on a slow or single-threaded host it may start late). */
	for (int round = 0; round < 8; round++) {
		run_dhs(0);
		gc_get_stats(&b);
		if (b.task_record_scans - a.task_record_scans >= 32 &&
		    b.cycles - a.cycles >= 2)
			break;
	}
	gc_set_continuous(false);
	gc_collect();
	gc_set_verify(false);
	gc_get_stats(&b);
	KTAP_EXPECT(b.cycles - a.cycles >= 2);
	KTAP_EXPECT(b.task_record_scans - a.task_record_scans >= 32);
	KTAP_EXPECT(b.bad_pointers == a.bad_pointers);
	ktap_diag(
	    "collector: %lu cycles (%lu verified), %lu task records "
	    "checked (%lu freed heap records seen), %lu stacks scanned "
	    "claimed, %lu at a safepoint, max pause %lu us",
	    (unsigned long)(b.cycles - a.cycles),
	    (unsigned long)(b.verified - a.verified),
	    (unsigned long)(b.task_record_scans - a.task_record_scans),
	    (unsigned long)(b.stale_records - a.stale_records),
	    (unsigned long)(b.stacks_scanned - a.stacks_scanned),
	    (unsigned long)(b.stacks_self_scanned - a.stacks_self_scanned),
	    (unsigned long)(b.pause_max_ns / 1000));
}

static void test_defer_heap_and_stack_gc(void)
{
	run(false);
}

static void test_defer_heap_and_stack_gc_verified(void)
{
	run(true);
}

static const struct ktap_case gc_cases[] = {
    KTAP_CASE(test_defer_heap_and_stack_gc),
    KTAP_CASE(test_defer_heap_and_stack_gc_verified),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("gc-" DHS_SUITE, gc_cases, KTAP_COUNT(gc_cases));
	gc_shutdown();
	return r;
}
