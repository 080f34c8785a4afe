/*
 * stress_hart_call_test.c - hart_call ping-pong with a payload each way,
 * checked on arrival. The barriers under test:
 *
 *   HART_CALL_POST  hart_call(): the caller's stores (here a request of
 *                   REQ_WORDS words) before the mailbox turns POSTED. The
 *                   callee checks the request it finds after POSTED.
 *   HART_CALL_DONE  hart_serve(): the callee's work (here a response of
 *                   REQ_WORDS words) before the mailbox turns DONE. The
 *                   caller checks the response after hart_wait().
 *
 * The payloads are written with shared_store64, so in a simulation build
 * they wait in the writer's store buffer; each barrier (a fence rw,w: a new
 * epoch in the simulator) makes them land before the mailbox store. Without
 * one (SF_MUTANT=BARRIER_HART_CALL_POST or _DONE) the mailbox store can
 * land first and the other hart reads old words: counted, and the case
 * fails. Each round's values are new (round * REQ_WORDS + i), so a stale
 * word is always a wrong one.
 */
#include <stdint.h>

#include "atomic.h"
#include "barrier.h"
#include "counter.h"
#include "hart.h"
#include "ktap.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#define ROUNDS	  4000u
#define REQ_WORDS 56
#define SECONDS	  8 /* at most: a slow board stops early (printed) */

static volatile uint64_t req[REQ_WORDS], resp[REQ_WORDS];

static uint64_t value(uint64_t round, unsigned i)
{
	return round * REQ_WORDS + i + 1;
}

/* On the collector hart: check the request, write the response. */
static void *serve(void *arg)
{
	uint64_t round = (uint64_t)(uintptr_t)arg, bad = 0;

	for (unsigned i = 0; i < REQ_WORDS; i++)
		bad += shared_load64(&req[i]) != value(round, i);
	for (unsigned i = 0; i < REQ_WORDS; i++)
		shared_store64(&resp[i], ~value(round, i));
	return (void *)(uintptr_t)bad;
}

static void test_payloads_arrive(void)
{
	struct hart *col = collector_hart();
	uint64_t bad_requests = 0, bad_responses = 0, first_bad = 0;

	if (!KTAP_EXPECT(col != NULL))
		return;
#ifdef SF_SIMULATE
	sim_configure(64, 4);
#endif
	uint64_t t0 = counter_time(), round;
	uint64_t until = t0 + SECONDS * counter_time_hz();
	for (round = 1; round <= ROUNDS && counter_time() < until; round++) {
		for (unsigned i = 0; i < REQ_WORDS; i++)
			shared_store64(&req[i], value(round, i));
		hart_call(col, serve, (void *)(uintptr_t)round);
		uint64_t bad = (uint64_t)(uintptr_t)hart_wait(col);
		bad_requests += bad;
		for (unsigned i = 0; i < REQ_WORDS; i++) {
			uint64_t stale =
			    shared_load64(&resp[i]) != ~value(round, i);
			bad += stale;
			bad_responses += stale;
		}
		if (bad && !first_bad)
			first_bad = round;
	}
	ktap_diag(
	    "%lu rounds of %d words each way: %lu stale request words "
	    "(HART_CALL_POST), %lu stale response words "
	    "(HART_CALL_DONE), first in round %lu; %lu ms",
	    (unsigned long)(round - 1), REQ_WORDS, (unsigned long)bad_requests,
	    (unsigned long)bad_responses, (unsigned long)first_bad,
	    (unsigned long)((counter_time() - t0) * 1000 / counter_time_hz()));
	KTAP_EXPECT(bad_requests == 0);
	KTAP_EXPECT(bad_responses == 0);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_payloads_arrive),
};

int main(void)
{
	return ktap_run("stress-hart-call", cases, KTAP_COUNT(cases));
}
