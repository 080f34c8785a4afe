/*
 * stress_record_recheck_test.c - the collector's task-record check must
 * not report a heap defer record that the task ran and freed under it. The
 * barrier under test is GC_RECORD_RECHECK (gc/roots.c, check_field): when
 * the span of a pointer loaded from t->defer is not in use, the collector
 * reloads t->defer after an acquire and reports only if the field still
 * names the pointer and a second lookup, after another acquire, still
 * finds no span in use.
 *
 * The workload makes that path common: a task pushes DEFER_RECORDS heap
 * defer records in one frame (many spans of the records' size class) and
 * pops the frame, which runs and frees them newest first; past the per-hart
 * cache's CACHE_EMPTY_PAGES, the emptied spans go back to the page heap, so
 * the record t->defer named a moment ago lies in a FREE span. The real
 * collector (gc/) runs back-to-back cycles and checks every task record
 * it loads (gc_check_task_record).
 *
 * With the barrier the check sees a stale record (gc_stats.stale_records,
 * printed: the collector must load t->defer just before the task frees
 * that record and its span, a few times in a run at most, so it is not
 * asserted) and never reports. Without it (SF_MUTANT=BARRIER_GC_RECORD_RECHECK,
 * in a simulation build: the loads after a removed acquire may be performed
 * early, sim/storebuf.c) the reload can return t->defer from before the
 * record was run, and the second lookup the span before it was freed or
 * after: then the collector reports "pointer to unallocated span" and the
 * boot fails.
 */
#include <stdint.h>

#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "ktap.h"
#include "task.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#define DEFER_RECORDS 12000 /* about 70 spans of the records' class */
#define SECONDS	      4

static const struct frame_desc churn_desc = {"churn", 1, NULL};

struct churn {
	uint64_t rounds, ran;
};

static void count_run(void *arg, uintptr_t data)
{
	(void)data;
	((struct churn *)arg)->ran++;
}

static void *churn_task(void *arg)
{
	struct churn *c = arg;
	uint64_t until = counter_time() + SECONDS * counter_time_hz();

	while (counter_time() < until) {
		frame_push_or_panic(&churn_desc);
		for (uintptr_t k = 0; k < DEFER_RECORDS; k++)
			if (defer_push(DEFER_HEAP, count_run, c, k) != 0)
				return NULL;
		frame_pop(); /* runs and frees every record */
		c->rounds++;
		task_yield(); /* a safe point: the collector's handshakes */
	}
	return NULL;
}

static void test_freed_records_are_not_reported(void)
{
	struct churn c = {0};
	struct gc_stats before, after;

#ifdef SF_SIMULATE
	sim_configure(64, 64);
#endif
	gc_get_stats(&before);
	uint64_t t0 = counter_time();
	struct task *t =
	    task_spawn(task_mutator_hart(0), "churn", churn_task, &c, NULL);
	if (!KTAP_EXPECT(t != NULL))
		return;
	sched_run_all();
	task_join(t);
	gc_get_stats(&after);
	uint64_t stale = after.stale_records - before.stale_records;
	ktap_diag(
	    "%lu rounds of %d heap defer records, %lu run, %lu ms; "
	    "collector: %lu task records checked, %lu freed records "
	    "seen, %lu bad pointers",
	    (unsigned long)c.rounds, DEFER_RECORDS, (unsigned long)c.ran,
	    (unsigned long)((counter_time() - t0) * 1000 / counter_time_hz()),
	    (unsigned long)(after.task_record_scans - before.task_record_scans),
	    (unsigned long)stale,
	    (unsigned long)(after.bad_pointers - before.bad_pointers));
	KTAP_EXPECT(c.rounds > 0);
	KTAP_EXPECT(c.ran == c.rounds * DEFER_RECORDS);
	KTAP_EXPECT(after.bad_pointers == before.bad_pointers);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_freed_records_are_not_reported),
};

int main(void)
{
	gc_init(NULL);
	gc_set_continuous(true);
	int r = ktap_run("stress-record-recheck", cases, KTAP_COUNT(cases));
	gc_set_continuous(false);
	gc_shutdown();
	return r;
}
