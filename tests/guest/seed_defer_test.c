/*
 * seed_defer_test.c - golang/go#35541 on purpose: DeferHeapAndStack (the
 * Go test that caught it; tests/guest/defer_test.c is the full port) with
 * a collector on the collector hart that loads the task records while the
 * tasks copy their stacks, and checks every stack pointer it loads with
 * span_of(), as Go's collector checks gp._defer.
 *
 * The bug. stack_copy() (task/copy.c) allocates the new stack, a MANUAL
 * span, then stores pointers into it: t->defer (first, in defer_adjust),
 * the heap defer records' links, t->stack_lo, t->frame. Only
 * publication_barrier(BARRIER_SPAN_PUBLISH) at the end of span_alloc
 * (heap/page.c) orders the span map entries and the span's state before
 * those stores. Without it, on RISC-V or MIPS, the collector can load the
 * new t->defer and find the old, free span map entry: Go's "pointer to
 * unallocated span". QEMU never shows that (its harts keep stores in
 * order); a simulation build (SF_SIMULATE, sim/storebuf.c) does: every
 * shared store waits in a per-hart buffer and reaches memory in a random
 * order, except where a barrier orders it.
 *
 * The workload is DeferHeapAndStack made to copy big stacks: SEED_D levels,
 * each with a frame of SEED_SLOTS words and two defer records, on the heap
 * at even levels and on the stack at odd levels (Go's test), so that the
 * stack passes 32 KiB: stacks that big are spans of their own
 * (span_alloc_manual, the path with the barrier); smaller ones come from
 * pools carved once. Every iteration starts on a stack the yields shrank,
 * so each iteration copies the stack at 16 and 32 KiB, and each copy walks
 * a long chain of heap records (many shared stores: the window in which
 * t->defer is already in memory and the span map entry of its page is
 * not yet).
 *
 * The collector is the real one (gc/), in back-to-back cycles
 * (gc_set_continuous) on the collector hart: it loads t->defer, t->frame
 * and t->stack_lo of every task while the tasks run (gc_check_task_record,
 * gc/roots.c), as Go's collector loads gp._defer, looks each up with
 * span_of() and, for a span not in use that a reload after an acquire
 * still confirms, prints what Go prints,
 *
 *   runtime: pointer 0x... to unallocated span span.base()=0x...
 *       span.limit=0x... span.state=free
 *
 * and panics (gc_bad_pointer, gc/check.c): the boot fails. The "# trial i:
 * seed S" line before it names the seed that replays it.
 *
 * Trials. A boot runs SEED_TRIALS trials; trial i reseeds the simulator
 * with (the image's seed, sim/set-seed.sh) + i and runs the workload again,
 * so one boot checks many seeds (tools/seed-repro.sh: the 0-failure side)
 * and a failing trial's seed replays it alone in seed_defer_test.
 * seed_defer_batch_test.c is this file with SEED_TRIALS > 1.
 *
 * The simulator is configured (sim_configure) SEED_SB_DEPTH deep with a
 * random drain at 1 access in SEED_SB_DRAIN: stores mostly leave when the
 * buffer is full, each new one evicting a random entry of the oldest
 * epoch, so a store lingers for a few hundred later stores - longer than a
 * copy's walk of the defer chain, which is what keeps the window open. A
 * slower random drain is no better: where the harts take turns on one
 * host thread (mips64-malta), a hart that spins waiting for the other's
 * buffered store then waits thousands of accesses (measured: 0.6 s a trial
 * at 1/256, over 45 s at 1/1024). There the harts also take turns at 1
 * load in SEED_TURN (sim_turns), finer than the default: without the
 * barrier 49 of 50 malta boots failed at 1/512, 48 of 50 at the default
 * 1/2048 (46 of 50 in one make test), for 1.9x the time of a trial.
 */
#include <stdint.h>
#include <string.h>

#include "atomic.h"
#include "barrier.h"
#include "console.h"
#include "counter.h"
#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#include "task.h"
#include "../heap/heap.h" /* span_of, via -Iinclude */
#include "gc.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#ifndef SEED_TRIALS
#define SEED_TRIALS 1
#endif
#ifndef SEED_P
#define SEED_P 2 /* tasks */
#endif
#ifndef SEED_N
#define SEED_N 40 /* iterations per task and trial */
#endif
#ifndef SEED_D
#define SEED_D 200 /* recursion depth: past 32 KiB of stack */
#endif
#ifndef SEED_SB_DEPTH
#define SEED_SB_DEPTH 256 /* store-buffer entries per hart */
#endif
#ifndef SEED_SB_DRAIN
#define SEED_SB_DRAIN 256 /* a random drain at 1 access in N (liveness) */
#endif
#ifndef SEED_TURN
#define SEED_TURN 512 /* a turn at 1 load in N (harts on one host thread) */
#endif

/* slot 0: n, 1: out (into the caller's frame), 2: the child's result, 3: a
 * heap buffer, the rest locals. An even count keeps frames 16-byte sized. */
enum { S_N, S_OUT, S_CHILD, S_BUF, SEED_SLOTS = 12 };
static const struct frame_desc dhs_desc =
    FRAME_DESC("deferHeapAndStack", SEED_SLOTS, 1u << S_OUT | 1u << S_BUF);
static const struct frame_desc base_desc = {"dhs-base", 1, NULL};

struct dhs_task {
	uint64_t iters, ran, calls;
	uintptr_t next; /* (n << 1 | k) of the defer due next */
	uint64_t misordered, bad_results, push_failures;
};

static void dhs_defer(void *arg, uintptr_t data)
{
	struct dhs_task *st = task_current()->arg;

	if (data != st->next)
		st->misordered++;
	st->next = data & 1 ? data - 1 : data + 3;
	st->ran++;
	*(uintptr_t *)arg += 1;
}

/* deferHeapAndStack(n): *out = 2n; out points into the caller's frame. */
static void dhs(uintptr_t n, uintptr_t *out)
{
	struct dhs_task *st = task_current()->arg;

	if (n == 0) {
		*out = 0;
		return;
	}
	uintptr_t args[2] = {n, (uintptr_t)out};
	struct frame *f = frame_push_args(&dhs_desc, args, 2);
	if (!f) {
		st->push_failures++;
		return;
	}
	for (uintptr_t k = 0; k < 2; k++) {
		if (defer_push(n % 2 == 0 ? DEFER_HEAP : DEFER_STACK, dhs_defer,
			       frame_ptr(f, S_OUT), n << 1 | k) != 0)
			st->push_failures++;
		f = frame_top();
	}
	/* A safe point now and then (Go is preempted anywhere): the other
	 * task runs, and a shallow stack shrinks. */
	if (++st->calls % 16 == 0) {
		task_yield();
		f = frame_top();
	}
	dhs(n - 1, &f->slot[S_CHILD]);
	f = frame_top();
	*(uintptr_t *)frame_ptr(f, S_OUT) = f->slot[S_CHILD];
	char *buf = sf_malloc(1024); /* escapeMe(new([1024]byte)) */
	frame_set_ptr(f, S_BUF, buf);
	if (buf)
		buf[n % 1024] = (char)n;
	frame_set_ptr(f, S_BUF, NULL);
	sf_free(buf);
	frame_pop(); /* the two defers add 2 to *out */
}

static void *dhs_task_body(void *arg)
{
	struct dhs_task *st = arg;
	struct frame *base = frame_push_or_panic(&base_desc);

	for (int i = 0; i < SEED_N; i++) {
		st->iters++;
		st->next = (1 << 1) | 1;
		dhs(SEED_D, &base->slot[0]);
		base = frame_top();
		if (base->slot[0] != 2 * SEED_D)
			st->bad_results++;
		if (st->next != ((SEED_D + 1) << 1 | 1))
			st->misordered++;
		base->slot[0] = 0;
		task_yield(); /* the stack shrinks */
		base = frame_top();
	}
	frame_pop();
	return NULL;
}

static struct task *tasks[SEED_P];

/* ---- trials ---- */

static struct dhs_task st[SEED_P];
static struct task_stats total;
static uint64_t total_ms;

static int run_trial(unsigned trial, uint64_t seed)
{
	struct task_stats before, after;
	int ok = 1;

#ifdef SF_SIMULATE
	/* Every hart reseeds at its next simulated access (storebuf.h). */
	sim_seed(seed);
#endif
	kprintf("# trial %u: seed 0x%lx\n", trial, (unsigned long)seed);
	memset(st, 0, sizeof(st));
	task_stats_global(&before);
	uint64_t t0 = counter_time();
	for (int i = 0; i < SEED_P; i++) {
		tasks[i] = task_spawn(
		    task_mutator_hart((unsigned)i / 2 % task_mutator_count()),
		    "dhs", dhs_task_body, &st[i], NULL);
		if (!KTAP_EXPECT(tasks[i] != NULL))
			return 0;
	}
	sched_run_all(); /* gc/'s loop runs on the collector hart */
	total_ms += (counter_time() - t0) * 1000 / counter_time_hz();
	for (int i = 0; i < SEED_P; i++) {
		task_join(tasks[i]);
		ok &= KTAP_EXPECT(st[i].iters == SEED_N);
		ok &= KTAP_EXPECT(st[i].ran == st[i].iters * SEED_D * 2);
		ok &= KTAP_EXPECT(st[i].misordered == 0);
		ok &= KTAP_EXPECT(st[i].bad_results == 0);
		ok &= KTAP_EXPECT(st[i].push_failures == 0);
	}
	task_stats_global(&after);
	total.growths += after.growths - before.growths;
	total.shrinks += after.shrinks - before.shrinks;
	total.bytes_copied += after.bytes_copied - before.bytes_copied;
	total.ptrs_adjusted += after.ptrs_adjusted - before.ptrs_adjusted;
	return ok;
}

static void test_seed_defer_heap_and_stack(void)
{
	uint64_t base = 1;

	if (!KTAP_EXPECT(collector_hart() != NULL))
		return;
#ifdef SF_SIMULATE
	base = sim_get_seed(); /* the image's, or the counters' (sim_boot) */
	sim_configure(SEED_SB_DEPTH, SEED_SB_DRAIN);
	sim_turns(SEED_TURN);
	ktap_diag("sim: depth %u, drain %s%u, turns 1/%u",
		  (unsigned)SEED_SB_DEPTH,
		  SEED_SB_DRAIN ? "1/" : "only when full, ",
		  (unsigned)SEED_SB_DRAIN, (unsigned)SEED_TURN);
#endif
	unsigned passed = 0;
	for (unsigned i = 0; i < SEED_TRIALS; i++)
		passed += (unsigned)run_trial(i, base + i);
	KTAP_EXPECT(passed == SEED_TRIALS);
	ktap_diag("%u trials of P=%d N=%d D=%d: %u passed, %lu ms", SEED_TRIALS,
		  SEED_P, SEED_N, SEED_D, passed, (unsigned long)total_ms);
	ktap_diag("growths %lu, shrinks %lu, bytes copied %lu, pointers "
		  "adjusted %lu",
		  (unsigned long)total.growths, (unsigned long)total.shrinks,
		  (unsigned long)total.bytes_copied,
		  (unsigned long)total.ptrs_adjusted);
	struct gc_stats gs;
	gc_get_stats(&gs);
	ktap_diag("collector (gc/): %lu cycles, %lu task records checked (%lu "
		  "freed heap records seen), %lu bad pointers",
		  (unsigned long)gs.cycles, (unsigned long)gs.task_record_scans,
		  (unsigned long)gs.stale_records,
		  (unsigned long)gs.bad_pointers);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_seed_defer_heap_and_stack),
};

int main(void)
{
	gc_init(NULL);
	gc_set_continuous(true);
	int r = ktap_run("seed-defer", cases, KTAP_COUNT(cases));
	gc_set_continuous(false);
	gc_shutdown();
	return r;
}
