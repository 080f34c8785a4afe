/*
 * stress_spinlock_test.c - two harts increment counters under one spinlock
 * with shared_load/shared_store; no increment may be lost. The barrier
 * under test is SPIN_UNLOCK: the release in spin_unlock() that orders the
 * critical section's stores before the store that frees the lock.
 *
 * In a simulation build the counter stores sit in the hart's store buffer;
 * with SPIN_UNLOCK (a fence rw,w: the simulator starts a new epoch) the
 * unlock store lands after them, always. Without it (SF_MUTANT=
 * BARRIER_SPIN_UNLOCK) the unlock can land first, the other hart takes the
 * lock and reads a counter that is not yet in memory: an increment is
 * lost and the totals are short.
 *
 * After each unlock a hart makes a few more simulated accesses (each may
 * drain one buffered store, in random order) and relaxes: where harts take
 * turns on one host thread (MIPS boards), a relaxing hart soon sleeps
 * (arch/mips64/smp.c) and the other one runs, finding the buffer of the
 * first as it was left; under MTTCG both run at once.
 */
#include <stdint.h>

#include "atomic.h"
#include "barrier.h"
#include "counter.h"
#include "hart.h"
#include "ktap.h"
#include "spinlock.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#define ITERS	30000u
#define SECONDS 8 /* at most: a slow board stops early (printed) */

static struct spinlock lock;
static volatile uint64_t count1, count2; /* under lock */
static volatile uint64_t scratch[MAX_HARTS][8];
static uint64_t until;
static unsigned done_iters[MAX_HARTS];

static void *worker(void *arg)
{
	unsigned me = this_hart()->index;
	uint64_t r = 0x9e3779b97f4a7c15ull * (me + 1);

	(void)arg;
	unsigned i;
	for (i = 0; i < ITERS && counter_time() < until; i++) {
		spin_lock(&lock);
		shared_store64(&count1, shared_load64(&count1) + 1);
		shared_store64(&count2, shared_load64(&count2) + 2);
		spin_unlock(&lock);
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		for (unsigned k = 0; k < (r & 3); k++)
			(void)shared_load64(&scratch[me][k]);
		arch_cpu_relax();
	}
	done_iters[me] = i;
	return NULL;
}

static void test_no_lost_increment(void)
{
	struct hart *col = collector_hart();

	if (!KTAP_EXPECT(col != NULL))
		return;
#ifdef SF_SIMULATE
	sim_configure(32, 2);
#endif
	uint64_t t0 = counter_time();
	until = t0 + SECONDS * counter_time_hz();
	hart_call(col, worker, NULL);
	worker(NULL);
	hart_wait(col);
	uint64_t n = (uint64_t)done_iters[0] + done_iters[col->index];
	uint64_t c1 = shared_load64(&count1), c2 = shared_load64(&count2);
	ktap_diag(
	    "%u + %u increments on 2 harts: count1 %lu (want %lu), "
	    "count2 %lu (want %lu), %lu ms",
	    done_iters[0], done_iters[col->index], (unsigned long)c1,
	    (unsigned long)n, (unsigned long)c2, (unsigned long)(2 * n),
	    (unsigned long)((counter_time() - t0) * 1000 / counter_time_hz()));
	KTAP_EXPECT(c1 == n);
	KTAP_EXPECT(c2 == 2 * n);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_no_lost_increment),
};

int main(void)
{
	return ktap_run("stress-spinlock", cases, KTAP_COUNT(cases));
}
