/*
 * stress_gc_sweep_test.c - the next cycle's marks against a background
 * sweeper's clearing of mark bits: the barrier under test is GC_SWEEP_DONE
 * (gc/sweep.c), the sweeper's release before it decrements gc.nunswept,
 * paired with the driver's acquire after it reads 0 (gc_sweep_finish).
 *
 * Which sweeper needs it. A sweeper keeps alloc & mark and stores 0 over
 * each mark word of the span, then decrements the unswept count; the driver
 * starts the next mark once the count is 0 and sets mark bits with CASes on
 * the same words. A clear that lands after such a CAS wipes a live object's
 * mark: the object is freed by the next sweep while reachable. Most
 * sweepers are ordered before the next mark by something else as well: a
 * mutator (lazy sweeping in a refill, sweeping while it waits) answers the
 * next cycle's first handshake after a GC_ACK release, and the driver marks
 * nothing before every answer; the driver's own clears are its own stores;
 * code outside any mutator sweeps only while it holds gc.driver, and the
 * SPIN_UNLOCK of the central list it files the span on (or the page heap's
 * lock that frees it) comes before its release of the driver. The sweeper
 * that nothing else orders is the collector hart sweeping in the background
 * (collector_loop) while a mutator holds the driver: it never answers a
 * handshake, and the mutator's gc_sweep_finish can read the count it just
 * took to 0 while the clears of its last span still wait in its store
 * buffer.
 *
 * How the test gets there. A mutator drives a cycle only after it took the
 * driver from a collector that stopped responding (gc.h, FAULT TOLERANCE);
 * gc_test_stall_collector() makes the collector stop at its next step.
 * Each round: stall the collector; gc_collect() until one cycle was taken
 * over (from then on the collector counts as dead, and a requested cycle
 * is taken over at once); take one more over (T1), which leaves every span
 * unswept; release the collector and at once request the next cycle (T2).
 * The collector's heartbeat is not seen yet, so the mutator takes T2 over
 * too, and while its gc_sweep_finish sweeps, the collector wakes up in the
 * SWEEP phase, finds the driver taken and sweeps in the background: the
 * two race to the last spans. Then the mutator marks, stop-the-world.
 *
 * The heap: NBALLAST LARGE noscan objects (a span and one mark word each)
 * reached through one table, so the sweep is long (the collector has time
 * to join it) and the first marks of the cycle land on the spans swept
 * last; and lists of small nodes, allocated between garbage of their type,
 * so that their spans (and mark words) hold free slots too. With gcpercent 0
 * (the ballast keeps the goal over its 4 MiB minimum) the trigger is the marked
 * size, so one LARGE allocation, which asks the pacer first, requests a cycle.
 *
 * What catches a lost mark: verification (gc_set_verify, the stop-the-world
 * re-mark of every cycle: a reachable object unmarked or not allocated
 * panics), and the test's own walk of the lists (keys and check words) and
 * the ballast's pattern after every round.
 *
 * The simulator (SF_SIMULATE) is configured deep, with a rare random drain
 * (1 access in SWEEP_SB_DRAIN): with GC_SWEEP_DONE (a fence rw,w: an epoch
 * boundary) the decrement, an RMW, first drains the clears; without it
 * (SF_MUTANT=BARRIER_GC_SWEEP_DONE) they are still buffered when the count
 * reads 0, and the collector, which then files the span (a lock, an
 * unlock) and finds nothing left to sweep, makes no RMW that would drain
 * them: only a random drain or (MIPS) its sleep in a relax does, long after
 * the mutator's first marks. A faster drain closes the window: boots of
 * the mutant on riscv64-virt that failed, 1/1024: 0 of 6; 1/4096: 2 of 6;
 * 1/16384 (the default): 8 of 20 (mips64-malta: 8 of 10).
 *
 * The other direction: GC_FLIP (gc/sweep.c, gc_flip). When the mutator's
 * T2 ends, its flip makes every span unswept, and the collector, still
 * sweeping in the background, takes them at once: it must see T2's marks
 * (the mutator's CASes) before the new sweepgen, or it reads a live
 * object's mark word from before the CAS and frees the object ("pointer
 * to unallocated span" at the next cycle's mark of the table, the failure
 * of a make test on 2026-11-25). The window the simulator can show is
 * the driver's stores between the flip and its next read-modify-write,
 * which drains the flip's epoch: NPARKED parked tasks, which every STOP
 * claims and gc_world_release hands back with one store each after the
 * flip, make it long enough to hit.
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

#ifndef SWEEP_SECONDS
#define SWEEP_SECONDS 6
#endif
#ifndef SWEEP_SB_DEPTH
#define SWEEP_SB_DEPTH 256
#endif
#ifndef SWEEP_SB_DRAIN
#define SWEEP_SB_DRAIN 16384
#endif

struct node {
	struct node *next;
	uint64_t key, check;
};
static const struct gc_type node_type = GC_TYPE("sweep.node", struct node, 0x1);

/*
 * Ballast: NBALLAST LARGE noscan objects (5 pages each: a span each, one
 * mark word each), reached through one table. They make the sweep long
 * (a span each to sweep) and keep the marked size over GC_MIN_GOAL, so
 * that with gcpercent 0 the trigger is the marked size.
 */
#ifndef NBALLAST
#define NBALLAST 1000
#endif
#define BALLAST_BYTES (40u << 10)
static const struct gc_type ballast_type =
    GC_TYPE_NOSCAN("sweep.ballast", BALLAST_BYTES);
struct slot {
	uint64_t *p;
};
static const struct gc_type table_type =
    GC_TYPE("sweep.table", struct slot, 0x1);
static struct slot *table;

/* A LARGE garbage object: its allocation asks the pacer at once. */
static const struct gc_type kick_type = GC_TYPE_NOSCAN("sweep.kick", 40u << 10);

/* Parked tasks: the STOP claims each and gc_world_release hands each
 * back after the flip, a store apiece (see GC_FLIP above). */
#ifndef NPARKED
#define NPARKED 300
#endif
static struct task *parked[NPARKED];

#define NLISTS	 4
#define LIST_LEN 200
#define GARBAGE	 3 /* garbage nodes allocated next to each live one */

static struct node *lists[NLISTS];
static uint64_t damaged;

static uint64_t check_of(uint64_t key)
{
	return key * 0x9e3779b97f4a7c15ull ^ 0x5eed;
}

static void garbage(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct node *g = gc_alloc(&node_type);
		g->key = ~(uint64_t)i; /* dropped at once */
	}
}

/*
 * A cycle, taken over at once if the collector counts as dead: with
 * gcpercent 0 the trigger is the marked size (the ballast keeps the goal
 * above its 4 MiB minimum), so a LARGE allocation, which asks the pacer
 * first, requests one. True if this hart took it over.
 */
static bool takeover_now(void)
{
	struct gc_stats a, b;

	gc_get_stats(&a);
	gc_alloc(&kick_type);
	gc_get_stats(&b);
	return b.takeovers > a.takeovers;
}

static void build(void)
{
	gc_root_register(&table, "sweep table");
	gc_store(&table, gc_alloc_array(&table_type, NBALLAST));
	for (unsigned b = 0; b < NBALLAST; b++) {
		uint64_t *p = gc_alloc(&ballast_type);
		for (unsigned w = 0; w < BALLAST_BYTES / 8; w += 1024)
			p[w] = check_of(b * 100000 + w);
		struct slot *t = gc_load(&table);
		gc_store(&t[b].p, p);
	}
	for (unsigned l = 0; l < NLISTS; l++)
		gc_root_register(&lists[l], "sweep list");
	for (unsigned i = 0; i < LIST_LEN; i++) {
		for (unsigned l = 0; l < NLISTS; l++) {
			struct node *x = gc_alloc(&node_type);
			x->key = (uint64_t)l * LIST_LEN + i;
			x->check = check_of(x->key);
			gc_store(&x->next, gc_load(&lists[l]));
			gc_store(&lists[l], x);
			garbage(GARBAGE);
		}
	}
}

/* Walk everything live; count what is not as built. */
static void check_all(void)
{
	for (unsigned l = 0; l < NLISTS; l++) {
		uint64_t n = 0, want = (uint64_t)l * LIST_LEN + LIST_LEN;
		for (struct node *x = gc_load(&lists[l]); x != NULL;
		     x = gc_load(&x->next)) {
			if (x->key != want - 1 - n ||
			    x->check != check_of(x->key))
				damaged++;
			n++;
		}
		if (n != LIST_LEN)
			damaged++;
	}
	struct slot *t = gc_load(&table);
	for (unsigned b = 0; b < NBALLAST; b++) {
		const uint64_t *p = gc_load(&t[b].p);
		for (unsigned w = 0; w < BALLAST_BYTES / 8; w += 1024)
			if (p[w] != check_of(b * 100000 + w))
				damaged++;
	}
}

static uint64_t rounds, raced, no_flip;

/*
 * With the collector stalled: collect until a cycle was taken over (the
 * collector may finish the cycle it runs before it stops, and a heartbeat
 * it stored before it stopped may reach memory late), then take over one
 * more (T1), which leaves every span unswept. False if that never worked.
 */
static bool stalled_flip(void)
{
	struct gc_stats a, b;

	for (int i = 0; i < 8; i++) {
		gc_get_stats(&a);
		gc_collect();
		gc_get_stats(&b);
		if (b.takeovers > a.takeovers && takeover_now())
			return true;
	}
	return false;
}

/* A task that has nothing to do: it stays PARKED until the worker ends
 * (the worker never yields), and every STOP claims it. */
static void *idle(void *arg)
{
	return arg;
}

static void *worker(void *arg)
{
	uint64_t until = counter_time() + SWEEP_SECONDS * counter_time_hz();

	(void)arg;
	for (unsigned i = 0; i < NPARKED; i++)
		parked[i] = task_spawn(this_hart(), "parked", idle, NULL, NULL);
	build();
	check_all();
	gc_set_percent(0);
	while (counter_time() < until) {
		gc_test_stall_collector(GC_STALL_ANY);
		if (!stalled_flip()) {
			no_flip++;
			break;
		}
		gc_test_stall_collector(GC_STALL_OFF);
		rounds++;
		/* T2, taken over before the collector, released, is seen
		 * alive: it wakes up in the SWEEP phase and sweeps in the
		 * background while the mutator's gc_sweep_finish does. */
		raced += takeover_now();
		check_all();
	}
	/* A mark lost in the last round: freed by this cycle's sweep, or
	 * reported by its verification. */
	gc_collect();
	check_all();
	return NULL;
}

static void test_sweep_then_mark(void)
{
	struct gc_stats a, b;

	if (!KTAP_EXPECT(collector_hart() != NULL))
		return;
	gc_get_stats(&a);
	uint64_t t0 = counter_time();
	struct task *t =
	    task_spawn(task_mutator_hart(0), "sweep", worker, NULL, NULL);
	if (!KTAP_EXPECT(t != NULL))
		return;
	sched_run_all();
	task_join(t);
	for (unsigned i = 0; i < NPARKED; i++)
		if (KTAP_EXPECT(parked[i] != NULL))
			task_join(parked[i]);
	gc_get_stats(&b);
	ktap_diag(
	    "%lu rounds in %lu ms, %lu with the second cycle taken "
	    "over; %lu cycles (%lu verified), %lu takeovers, %lu "
	    "spans swept",
	    (unsigned long)rounds,
	    (unsigned long)((counter_time() - t0) * 1000 / counter_time_hz()),
	    (unsigned long)raced, (unsigned long)(b.cycles - a.cycles),
	    (unsigned long)(b.verified - a.verified),
	    (unsigned long)(b.takeovers - a.takeovers),
	    (unsigned long)(b.spans_swept - a.spans_swept));
	KTAP_EXPECT(damaged == 0);
	KTAP_EXPECT(no_flip == 0);
	KTAP_EXPECT(rounds > 0);
	KTAP_EXPECT(raced > 0);
	KTAP_EXPECT(b.verified > a.verified);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_sweep_then_mark),
};

int main(void)
{
	const struct gc_options opts = {.percent = 100, .verify = true};

#ifdef SF_SIMULATE
	sim_configure(SWEEP_SB_DEPTH, SWEEP_SB_DRAIN);
#endif
	gc_init(&opts);
	int r = ktap_run("stress-gc-sweep", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
