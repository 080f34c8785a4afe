/*
 * stress_task_park_test.c - tasks park at random depths while a scanner on
 * the collector hart claims them (task_scan_begin) and checks that what it
 * reads after the claim is what the task left: the frame chain from
 * t->frame is as deep as the task says (st->depth, written before it
 * parked), and t->sp is the end of the top frame. The barrier under test is
 * TASK_PARK: the release before every PARKED store (task_yield's park in
 * sched.c, and task_scan_end), which orders the task's fields - t->frame
 * and t->sp, stored with shared_store* at each push and pop - before
 * PARKED. It pairs with TASK_CLAIM, the acquire after the claiming CAS.
 *
 * The other way round, the scanner writes a token into the parked task's
 * top frame (a collector that updates a stack slot) and task_scan_end()
 * hands the task back with TASK_PARK before PARKED: when the task runs
 * again it must find the token.
 *
 * In a simulation build the stores wait in the storing hart's store
 * buffer. With TASK_PARK (a fence rw,w: a new epoch) PARKED lands after
 * them. Without it (SF_MUTANT=BARRIER_TASK_PARK) PARKED can land first: the
 * scanner claims the task and finds the frame it had before its last push
 * (a stack one frame short), or the task runs again without the token; the
 * case fails. The run-queue lock right after a park drains the task's
 * hart quickly, so the scanner's side is the wider window: after each
 * round it makes a few simulated accesses (random drains) and relaxes.
 *
 * The stacks stay at 2 KiB (frames of 4 words, at most MAX_DEPTH of them),
 * so no relocation (whose own barriers would order the same stores) comes
 * between the last push and the park. TASK_CLAIM itself, an acquire, is
 * not something the store-buffer simulator can take away (README).
 */
#include <stdint.h>
#include <string.h>

#include "atomic.h"
#include "barrier.h"
#include "counter.h"
#include "hart.h"
#include "ktap.h"
#include "task.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#define TASKS	  2
#define PARKS	  1000000u /* per task: the time limit ends it */
#define MAX_DEPTH 16
#define SECONDS	  3

static const struct frame_desc level_desc = FRAME_DESC("level", 4, 0);

struct park_task {
	volatile uint32_t depth; /* frames above the base, while parked */
	volatile uint64_t token; /* the scanner's last token, or 0 */
	uint64_t parks, bad_tokens;
};

static struct park_task pt[TASKS];
static volatile uint32_t scan_stop;
static uint64_t claims, bad_depth, bad_sp, first_bad_claim, tokens;
static uint64_t deadline;

static void *park_body(void *arg)
{
	struct park_task *st = arg;
	uint64_t r = (uintptr_t)arg * 0x9e3779b97f4a7c15ull | 1;

	for (unsigned i = 0; i < PARKS && counter_time() < deadline; i++) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		unsigned d = 1 + (unsigned)(r % MAX_DEPTH);
		for (unsigned k = 0; k < d; k++)
			frame_push_or_panic(&level_desc)->slot[0] = k;
		st->depth = d;
		task_yield(); /* parks: the scanner may claim us now */
		st->depth = 0;
		if (st->token) {
			struct frame *f = frame_top();
			if (shared_load64((volatile uint64_t *)&f->slot[1]) !=
			    st->token)
				st->bad_tokens++;
			st->token = 0;
		}
		for (unsigned k = 0; k < d; k++)
			frame_pop();
		st->parks++;
	}
	return NULL;
}

static void check_claimed(struct task *t)
{
	struct park_task *st = t->arg;
	struct frame *f = shared_load_ptr((void *const volatile *)&t->frame);
	char *sp = shared_load_ptr((void *const volatile *)&t->sp);
	unsigned n = 0;

	claims++;
	if (st->depth == 0)
		return; /* parked between iterations, before its pushes */
	for (struct frame *g = f; g; g = frame_parent(g))
		n++;
	if (n != st->depth) {
		bad_depth++;
		if (!first_bad_claim)
			first_bad_claim = claims;
	}
	if (f && sp != (char *)f + frame_bytes(f->desc))
		bad_sp++;
	/* A token in the top frame, for the task to find when it runs. */
	if (f && n == st->depth) {
		st->token = ++tokens;
		shared_store64((volatile uint64_t *)&f->slot[1], tokens);
	}
}

static void claim_and_check(struct task *t, void *ctx)
{
	(void)ctx;
	if (!task_scan_begin(t))
		return;
	check_claimed(t);
	task_scan_end(t);
}

static void *scanner(void *arg)
{
	(void)arg;
	while (!shared_load32(&scan_stop)) {
		task_for_each(claim_and_check, NULL);
		for (int k = 0; k < 64; k++) {
			(void)shared_load32(&scan_stop);
			arch_cpu_relax();
		}
	}
	return NULL;
}

static void test_claimed_task_is_as_parked(void)
{
	struct hart *col = collector_hart();
	struct task *ts[TASKS];

	if (!KTAP_EXPECT(col != NULL))
		return;
#ifdef SF_SIMULATE
	sim_configure(32, 16);
#endif
	uint64_t t0 = counter_time();
	deadline = t0 + SECONDS * counter_time_hz();
	for (int i = 0; i < TASKS; i++) {
		ts[i] = task_spawn(task_mutator_hart(0), "park", park_body,
				   &pt[i], NULL);
		if (!KTAP_EXPECT(ts[i] != NULL))
			return;
	}
	hart_call(col, scanner, NULL);
	sched_run_all();
	shared_store32(&scan_stop, 1);
	hart_wait(col);
	uint64_t parks = 0, bad_tokens = 0;
	for (int i = 0; i < TASKS; i++) {
		task_join(ts[i]);
		parks += pt[i].parks;
		bad_tokens += pt[i].bad_tokens;
	}
	ktap_diag(
	    "%lu parks, %lu claimed by the scanner: %lu with a short "
	    "frame chain (first at claim %lu), %lu with a stale sp; %lu "
	    "of %lu tokens missed by the task; %lu ms",
	    (unsigned long)parks, (unsigned long)claims,
	    (unsigned long)bad_depth, (unsigned long)first_bad_claim,
	    (unsigned long)bad_sp, (unsigned long)bad_tokens,
	    (unsigned long)tokens,
	    (unsigned long)((counter_time() - t0) * 1000 / counter_time_hz()));
	KTAP_EXPECT(claims > 0);
	KTAP_EXPECT(bad_depth == 0);
	KTAP_EXPECT(bad_sp == 0);
	KTAP_EXPECT(bad_tokens == 0);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_claimed_task_is_as_parked),
};

int main(void)
{
	return ktap_run("stress-task-park", cases, KTAP_COUNT(cases));
}
