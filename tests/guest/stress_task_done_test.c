/*
 * stress_task_done_test.c - batches of short tasks run on the mutator hart
 * while the collector hart waits for each one's done flag and looks at the
 * task record as task_join() is about to: an exited task's record says so
 * (stack_state DEAD, no stack) before its done flag does. The barrier under
 * test is TASK_DONE: the scheduler's release before it stores done (sched.c),
 * which orders everything the exited task and its exit path stored - its
 * record's last fields, its work - before the flag; task_join() then frees
 * the record and the C stack, so a store that lands after done would land
 * in freed (maybe reused) memory.
 *
 * In a simulation build the exit path's stores (t->stack_lo, stack_hi, sp
 * and stack_state DEAD) wait in the mutator hart's store buffer. With
 * TASK_DONE (a fence rw,w: a new epoch) done lands after them. Without it
 * (SF_MUTANT=BARRIER_TASK_DONE) done can land first: the waiter sees done
 * and a record that is not dead yet, and the case fails.
 *
 * The waiter spins on the flags with a relax in the loop: under MTTCG it
 * looks within a few instructions of the flag landing; where the harts take
 * turns on one host thread (MIPS boards) it sleeps and wakes at some point
 * of the mutator's work, finding its buffer as it was left.
 */
#include <stdint.h>

#include "atomic.h"
#include "barrier.h"
#include "counter.h"
#include "hart.h"
#include "ktap.h"
#include "task.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#define BATCH	16
#define SECONDS 3

static const struct frame_desc child_desc = FRAME_DESC("child", 2, 0x1);

static struct task *batch[BATCH];
static uint64_t joined, not_dead;

static void *child(void *arg)
{
	struct frame *f = frame_push_or_panic(&child_desc);

	f->slot[1] = (uintptr_t)arg;
	frame_pop();
	return arg;
}

/* On the collector hart: wait for each task of the batch, in order. */
static void *waiter(void *arg)
{
	(void)arg;
	for (int i = 0; i < BATCH; i++) {
		struct task *t = batch[i];

		while (shared_load32(&t->done) == 0)
			arch_cpu_relax();
		/* What task_join does after the flag (its acquire). */
		arch_acquire_barrier();
		if (shared_load32(&t->stack_state) != TASK_STACK_DEAD ||
		    shared_load_ptr((void *const volatile *)&t->stack_lo) !=
			NULL)
			not_dead++;
		if (task_join(t) != (void *)(uintptr_t)(i + 1))
			not_dead++;
		joined++;
	}
	return NULL;
}

static void test_done_means_dead(void)
{
	struct hart *col = collector_hart();
	const struct task_opts opts = {.cstack_size = 16 * 1024};
	uint64_t batches = 0;

	if (!KTAP_EXPECT(col != NULL))
		return;
#ifdef SF_SIMULATE
	sim_configure(32, 16);
#endif
	uint64_t t0 = counter_time();
	uint64_t until = t0 + SECONDS * counter_time_hz();
	while (counter_time() < until) {
		for (int i = 0; i < BATCH; i++) {
			batch[i] =
			    task_spawn(task_mutator_hart(0), "child", child,
				       (void *)(uintptr_t)(i + 1), &opts);
			if (!KTAP_EXPECT(batch[i] != NULL))
				return;
		}
		hart_call(col, waiter, NULL);
		sched_run_all();
		hart_wait(col);
		batches++;
	}
	ktap_diag(
	    "%lu tasks in %lu batches: %lu seen done before dead; %lu "
	    "ms",
	    (unsigned long)joined, (unsigned long)batches,
	    (unsigned long)not_dead,
	    (unsigned long)((counter_time() - t0) * 1000 / counter_time_hz()));
	KTAP_EXPECT(joined == batches * BATCH);
	KTAP_EXPECT(not_dead == 0);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_done_means_dead),
};

int main(void)
{
	return ktap_run("stress-task-done", cases, KTAP_COUNT(cases));
}
