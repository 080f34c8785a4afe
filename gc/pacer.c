/*
 * pacer.c - when cycles start, assists, the hard limit and taking over
 * from a collector that stopped responding (gc.h, "PACING", "FAULT
 * TOLERANCE").
 *
 *   goal    = marked * (100 + percent) / 100, at least GC_MIN_GOAL, at
 *             most the limit (percent < 0: the limit)
 *   trigger = marked + 7/10 of (goal - marked)
 *
 * heap_live is the pacer's measure: bytes marked at the last flip plus
 * every window loaded since (gc.h invariant 4). A refill that finds it at
 * the trigger requests a cycle; while marking, a hart past the goal
 * assists (GC_ASSIST_RATIO bytes scanned per byte it allocates); at the
 * limit it waits for the cycle to end.
 */
#include "gc.h"

#define GC_MIN_GOAL	(4ull << 20)
#define GC_ASSIST_RATIO 2
#define GC_LIMIT_CYCLES 8 /* cycles a refill waits at the limit, at most */

void gc_pacer_update(void)
{
	uint64_t marked = shared_load64(&gc.heap_marked);
	uint64_t limit = shared_load64(&gc.limit);
	int percent = (int)shared_load32(&gc.percent);
	uint64_t goal;

	if (percent < 0) {
		goal = limit;
	} else {
		goal = marked + marked / 100 * (uint64_t)percent;
		if (goal < GC_MIN_GOAL)
			goal = GC_MIN_GOAL;
	}
	if (limit != 0 && goal > limit)
		goal = limit;
	shared_store64(&gc.heap_goal, goal);
	shared_store64(&gc.heap_trigger,
		       marked + (goal > marked ? (goal - marked) / 10 * 7 : 0));
}

/* In the termination stop: live = marked, a new goal. */
void gc_pacer_flip(uint64_t marked)
{
	shared_store64(&gc.heap_marked, marked);
	shared_store64(&gc.heap_live, marked);
	gc_pacer_update();
}

/* The collector's heartbeat when a mutator last took over: while it is
 * still the same, the collector is known not to respond, and mutators
 * run cycles at once instead of waiting GC_STALL_NS again. */
static volatile uint64_t dead_heartbeat = ~0ull;

static bool collector_dead(void)
{
	return shared_load64(&dead_heartbeat) == shared_load64(&gc.heartbeat);
}

static bool is_mutator(void)
{
	return task_current() != NULL || shared_load32(&gc_me()->active);
}

/* Ask for a cycle; without a collector hart, run it here. */
static void request_cycle(void)
{
	shared_store32(&gc.request, 1);
	if (collector_dead()) {
		gc_takeover();
		return;
	}
	if (!gc_collector_running() &&
	    gc_driver_acquire(this_hart()->index + 1)) {
		shared_store32(&gc.request, 0);
		gc_cycle_here(false);
		gc_driver_release();
	}
}

/* Before a refill of about bytes: trigger, assist, limit. False: the
 * limit stays exceeded after full collections, and the last one found
 * too much live data to make room (or GC_LIMIT_CYCLES went by). */
bool gc_pacer_alloc(struct gc_hart *gh, uint64_t bytes)
{
	uint64_t live = shared_load64(&gc.heap_live);
	uint32_t phase = shared_load32(&gc.phase);

	(void)gh;
	if (phase == GC_PHASE_MARK) {
		if (live > shared_load64(&gc.heap_goal))
			gc_assist_work(bytes * GC_ASSIST_RATIO);
	} else if ((int32_t)shared_load32(&gc.percent) >= 0 &&
		   live + bytes >= shared_load64(&gc.heap_trigger)) {
		request_cycle();
	}
	for (int i = 0;; i++) {
		uint64_t limit = shared_load64(&gc.limit);
		if (shared_load64(&gc.heap_live) + bytes <= limit)
			return true;
		/* Out of memory once a whole cycle (the second wait) found
		 * no room for us in what it marked. While it did, the
		 * excess is what other mutators allocated since, which the
		 * next cycle frees: wait again, GC_LIMIT_CYCLES at most. */
		if (i >= 2 && (shared_load64(&gc.heap_marked) + bytes > limit ||
			       i >= GC_LIMIT_CYCLES))
			return false;
		/* At the limit: wait for the cycle in progress, or a new
		 * one, to end. */
		uint64_t c = shared_load64(&gc.cycle);
		gc_wait_cycle(c + 1, true);
	}
}

/*
 * The collector stopped responding: take the driver (from the collector,
 * if it offers it while stalled at a step, gc_step; or from nobody if it
 * never started the cycle) and finish the cycle here, stop-the-world.
 * False if someone else drives, or the collector drives and is only slow.
 */
bool gc_takeover(void)
{
	uint32_t me = this_hart()->index + 1;
	uint32_t d = shared_load32(&gc.driver);
	struct hart *c = collector_hart();

	if (d != 0 && (c == NULL || d != ((c->index + 1) | GC_DRIVER_OFFERED)))
		return false;
	if (!atomic_cas32(&gc.driver, d, me))
		return false;
	/* Orders our heap walk's loads of mark bits after taking the
	 * driver; pairs with the collector's release before its offer. */
	acquire_barrier(BARRIER_GC_ACK);
	if (shared_load32(&gc.trace) && !collector_dead())
		kprintf("gc: collector hart stopped responding (no heartbeat "
			"for %lu ms): hart %u finishes the cycle\n",
			(unsigned long)(GC_STALL_NS / 1000000), me - 1);
	shared_store64(&dead_heartbeat, shared_load64(&gc.heartbeat));
	shared_store32(&gc.request, 0);
	gc_cycle_here(true);
	gc_driver_release();
	return true;
}

/*
 * Sweep what is left, as far as the caller may: a mutator always (a flip
 * waits for it at a safe point), other code only while it holds the driver,
 * so that no flip makes its sweep generation stale (sweep.c, take_unswept).
 * Without a collector hart nobody else sweeps in the background.
 */
static void sweep_rest(bool mutator, uint32_t me)
{
	if (mutator) {
		while (gc_sweep_one())
			;
	} else if (gc_driver_acquire(me)) {
		while (gc_sweep_one())
			;
		gc_driver_release();
	}
}

/* Wait until gc.cycle reaches target (answering handshakes, assisting,
 * sweeping), taking over if the collector stalls; then maybe finish the
 * sweep. */
void gc_wait_cycle(uint64_t target, bool finish_sweep)
{
	uint32_t me = this_hart()->index + 1;
	uint64_t hb = shared_load64(&gc.heartbeat), since = gc_now_ns();
	bool mutator = is_mutator();

	while (shared_load64(&gc.cycle) < target) {
		if (mutator)
			gc_poll();
		if (shared_load32(&gc.phase) != GC_PHASE_MARK)
			shared_store32(&gc.request, 1);
		if (!gc_collector_running()) {
			if (gc_driver_acquire(me)) {
				shared_store32(&gc.request, 0);
				gc_cycle_here(false);
				gc_driver_release();
			}
			continue;
		}
		uint32_t phase = shared_load32(&gc.phase);
		if (phase == GC_PHASE_MARK && mutator &&
		    gc_assist_work(64u << 10) != 0)
			continue;
		if (phase == GC_PHASE_SWEEP && mutator && gc_sweep_one())
			continue;
		uint64_t h = shared_load64(&gc.heartbeat), now = gc_now_ns();
		if (collector_dead()) {
			gc_takeover();
			continue;
		}
		if (h != hb) {
			hb = h;
			since = now;
		} else if (now - since > GC_STALL_NS) {
			gc_takeover();
			since = gc_now_ns();
			continue;
		}
		gc_idle_pause();
	}
	if (!finish_sweep)
		return;
	sweep_rest(mutator, me);
	/* Others may be sweeping the last spans: wait for them, sweeping
	 * what we may meanwhile (with no collector hart, nobody else does). */
	while (shared_load64(&gc.nunswept) != 0 &&
	       shared_load64(&gc.cycle) == target) {
		gc_idle_pause();
		sweep_rest(mutator, me);
	}
	/* Orders the caller's reads of the swept spans after the sweepers'
	 * work; pairs with GC_SWEEP_DONE before each nunswept decrement. */
	acquire_barrier(BARRIER_GC_SWEEP_DONE);
}
