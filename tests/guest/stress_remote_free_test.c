/*
 * stress_remote_free_test.c - producer/consumer across harts: the boot hart
 * allocates blocks and hands them over a ring to the collector hart, which
 * checks and frees them. Every free is remote (the producer's hart owns
 * the span): the consumer sets the slot's guard bit, writes the inbox link
 * into the block's first word and pushes the block on the producer's inbox
 * with a CAS; the producer takes the inbox at its next refill and follows
 * the links. The barrier under test is REMOTE_FREE: the release in
 * inbox_push() that orders the link word before the CAS.
 *
 * In a simulation build the link store waits in the consumer's store
 * buffer, and the CAS (an RMW) drains only the consumer's stores to the
 * inbox word itself and those before a fence. Without REMOTE_FREE
 * (SF_MUTANT=BARRIER_REMOTE_FREE) the producer can take a block whose link
 * is not in memory yet: it reads the block's first word as the producer
 * wrote it, POISON, an address outside the heap, and the heap reports it
 * or the hart traps; at best blocks are lost and the final count is off.
 *
 * The ring between the two is test plumbing, not under test: shared_*
 * accesses ordered by tests/plumbing.h, so that no barrier mutant breaks
 * it.
 */
#include <stdint.h>

#include "atomic.h"
#include "barrier.h"
#include "counter.h"
#include "hart.h"
#include "ktap.h"
#include "plumbing.h"
#include "spanfence.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#define BLOCKS	    200000u
#define SECONDS	    8	 /* at most: a slow board stops early (printed) */
#define RING	    256u /* power of two */
#define BLOCK_BYTES 48
#define POISON	    0x5a5a000000000001ull /* never a heap address */

static volatile uint64_t ring[RING];
static volatile uint64_t head, tail; /* consumer's, producer's counts */
static volatile uint64_t producer_done;
static uint64_t consumed, bad_blocks;

static void *consumer(void *arg)
{
	uint64_t h = 0;

	(void)arg;
	for (;;) {
		uint64_t t = shared_load64(&tail);
		if (h == t) {
			if (shared_load64(&producer_done) &&
			    shared_load64(&tail) == h)
				break;
			arch_cpu_relax();
			continue;
		}
		plumbing_acquire(); /* the slot after the count */
		uint64_t *p =
		    (uint64_t *)(uintptr_t)shared_load64(&ring[h % RING]);
		if (p[0] != POISON || p[1] != (uintptr_t)p)
			bad_blocks++;
		sf_free(p);
		h++;
		plumbing_release(); /* our reads before the slot's reuse */
		shared_store64(&head, h);
	}
	consumed = h;
	return NULL;
}

static void test_remote_frees(void)
{
	struct hart *col = collector_hart();
	uint64_t t = 0;

	if (!KTAP_EXPECT(col != NULL))
		return;
#ifdef SF_SIMULATE
	sim_configure(32, 8);
#endif
	uint64_t t0 = counter_time();
	uint64_t until = t0 + SECONDS * counter_time_hz();
	hart_call(col, consumer, NULL);
	for (; t < BLOCKS && counter_time() < until; t++) {
		uint64_t *p = sf_malloc(BLOCK_BYTES);
		if (!KTAP_EXPECT(p != NULL))
			break;
		p[0] = POISON;
		p[1] = (uintptr_t)p;
		while (t - shared_load64(&head) >= RING)
			arch_cpu_relax();
		plumbing_acquire(); /* the consumer's reads of the slot */
		shared_store64(&ring[t % RING], (uintptr_t)p);
		plumbing_release(); /* the block and slot before the count */
		shared_store64(&tail, t + 1);
	}
	plumbing_release();
	shared_store64(&producer_done, 1);
	hart_wait(col);
	heap_cache_flush(); /* takes the last remote frees */
	struct heap_stats st;
	heap_get_stats(&st);
	ktap_diag(
	    "%lu blocks of %d bytes freed remotely, %lu consumed, %lu "
	    "bad; %lu ms; %lu of %lu pages free",
	    (unsigned long)t, BLOCK_BYTES, (unsigned long)consumed,
	    (unsigned long)bad_blocks,
	    (unsigned long)((counter_time() - t0) * 1000 / counter_time_hz()),
	    (unsigned long)st.pages_free, (unsigned long)st.pages_total);
	KTAP_EXPECT(consumed == t);
	KTAP_EXPECT(bad_blocks == 0);
	/* Every block came back: at most the kept empty spans are in use. */
	KTAP_EXPECT(st.pages_total - st.pages_free <= 64);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_remote_frees),
};

int main(void)
{
	return ktap_run("stress-remote-free", cases, KTAP_COUNT(cases));
}
