/*
 * storebuf_mp.c - two threads as two harts through the store-buffer
 * simulator: message passing (MP) and store buffering (SB), with and
 * without the barriers, counting how often the reordered outcome shows.
 *
 *   MP   writer (hart 0): data = v; [barrier]; flag = v
 *        reader (hart 1): wait until flag == v; r2 = (data == v)
 *        reordered: the flag seen, the data not (r2 = 0).
 *   SB   hart 0: x = v; [full barrier]; r1 = (y == v)
 *        hart 1: y = v; [full barrier]; r2 = (x == v)
 *        reordered: r1 = r2 = 0.
 *   RMP  MP with the data written by an RMW (CAS data, v-1 -> v): the
 *        RMW is made on memory at once, but its store becomes visible to
 *        the reader's loads only when its marker drains from the writer's
 *        buffer, as an AMO or LR/SC without .aq/.rl (RISC-V) or LL/SC
 *        without sync (MIPS) orders nothing after it (the shape of
 *        gc/alloc.c's window_black, whose barrier was removed: see there
 *        why its readers need none).
 *
 * The host is x86 (TSO): any reordering seen here is the simulator's doing,
 * which is the point: with the barrier the simulator must never show the
 * forbidden outcome, without it the outcome must show. MP runs in four
 * variants: publication_barrier (drains the buffer), storebuf_order (the
 * exact fence w,w: an epoch boundary, stores stay buffered), nothing, and
 * publication_barrier compiled with SF_MUTANT=BARRIER_SPAN_PUBLISH (the
 * barrier-mutant build: this file is built twice by mk/sim.mk, and in the
 * mutant build the "fenced" variant is expected to reorder).
 *
 * Each iteration starts at a rendezvous: each hart stores the iteration
 * number into its own arrival word (arch_store64, straight to memory) and
 * polls the other's with shared_load64, a simulated access, so a hart
 * waiting there keeps draining its buffer at random (otherwise the MP reader
 * could wait for a flag that never drains). Pollers yield to the OS every 64
 * polls, and every TURN_EVERY iterations also before polling and after each
 * drain step (see poll_wait): the host may have fewer free cores than
 * threads, and then the reorderings only show if the threads take turns
 * between drain steps. Each case stops after SIM_ITERS iterations or
 * SIM_SECONDS seconds, whichever is first, and prints how many ran.
 *
 * Robustness of the assertions: the fenced variants must show 0 reorders in
 * every run (that is deterministic: the barrier drains before the flag is
 * even buffered). Whether the unfenced variant reorders depends on the
 * random drain order (seeded) and on thread timing (not seeded): the flag
 * drains before the data in about half the iterations, and the reader then
 * sees the data missing unless the writer drains it first. Measured: about
 * 15-45% of MP iterations and 35-87% of SB iterations on two cores, 5% and
 * 11% with both threads pinned to one core (RMP: 5-6% on two busy cores,
 * 6-23% under ThreadSanitizer), so over the at least MIN_ITERS
 * iterations required the assertion ">= 1" fails only if the simulator
 * stopped reordering. SIM_ITERS, SIM_SECONDS and SIM_SEED (environment)
 * override the defaults.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "atomic.h"
#include "barrier.h"
#include "shim.h"
#include "storebuf.h"

enum variant { V_BARRIER, V_ORDER, V_NONE };
enum shape { MP, SB, RMP };

struct arrival {
	volatile uint64_t v;
	char pad[56];
};

static struct arrival arrive[2] __attribute__((aligned(64)));
static volatile uint64_t data __attribute__((aligned(64)));
static volatile uint64_t flag __attribute__((aligned(64)));
static volatile uint64_t x __attribute__((aligned(64)));
static volatile uint64_t y __attribute__((aligned(64)));
static uint8_t *result[2]; /* per iteration, written by its hart */

struct run {
	enum shape shape;
	enum variant variant;
	unsigned long iters;
	uint64_t base;
	struct timespec deadline;
	unsigned long done[2]; /* iterations each hart completed */
};

static int past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec > t->tv_nsec);
}

/*
 * Wait until *p >= at_least. With `turns` set, also yield to the OS before
 * the first poll and after each drain step. On a busy host the two threads
 * take turns on one core, and a writer that drained everything within one
 * time slice would hide every intermediate state: MP needs the reader to
 * run between two drain steps, SB needs the other thread to run its body
 * before this thread's store drains. Yielding costs a system call, so the
 * rendezvous does it every TURN_EVERY iterations only: on a free two-core
 * host the threads overlap anyway, on a busy one a fraction of the
 * iterations still shows each reordering.
 */
#define TURN_EVERY 8

static uint64_t poll_wait(volatile uint64_t *p, uint64_t at_least, int turns)
{
	unsigned spins = 0, pending = storebuf_pending();
	uint64_t seen;

	if (turns)
		sched_yield();
	/* A simulated load: the poller's buffer drains at random meanwhile. */
	while ((seen = shared_load64(p)) < at_least) {
		unsigned now = storebuf_pending();

		if ((turns && now < pending) || ++spins % 64 == 0)
			sched_yield();
		pending = now;
	}
	return seen;
}

/*
 * The rendezvous of iteration value v: true to run it. Hart 0 stops a run
 * (its time budget is spent) by arriving with STOP | v instead of v, then
 * waits for hart 1 to arrive at v. Hart 1 may see it one rendezvous early,
 * if it never saw hart 0's plain arrival there (hart 0 ran that body and
 * moved on): then it runs that iteration too. Both complete the same
 * iterations.
 */
#define STOP (1ull << 63)

static int meet(unsigned me, uint64_t v, int stop)
{
	arch_store64(&arrive[me].v, stop ? STOP | v : v);
	/* The value that ended the wait, not a second load: by then the
	 * other hart may have gone on to arrive at the next iteration. */
	uint64_t other = poll_wait(&arrive[1 - me].v, v, v % TURN_EVERY == 0);

	if (other & STOP)
		return (other & ~STOP) > v;
	return !stop;
}

static void order_stores(enum variant variant)
{
	switch (variant) {
	case V_BARRIER:
		/* data before flag; pairs with the reader's poll of flag,
		 * then its load of data (loads are in order in the sim) */
		publication_barrier(BARRIER_SPAN_PUBLISH);
		break;
	case V_ORDER:
		/* the exact fence w,w: the same pairing, stores stay
		 * buffered */
		storebuf_order(BARRIER_SPAN_PUBLISH);
		break;
	case V_NONE:
		break;
	}
}

static void *side(void *arg, unsigned me)
{
	struct run *r = arg;

	unsigned long i;

	shim_become_hart(me);
	for (i = 0; i < r->iters; i++) {
		uint64_t v = r->base + i;
		int stop =
		    me == 0 && i % 64 == 0 && i > 0 && past(&r->deadline);

		if (!meet(me, v, stop))
			break;
		if (r->shape != SB && me == 0) {
			if (r->shape == MP) {
				shared_store64(&data, v);
			} else {
				/* The only writer: the own load sees memory,
				 * so the CAS always succeeds. */
				uint64_t old = shared_load64(&data);
				if (!atomic_cas64(&data, old, v))
					sim_check(0, "RMP: the writer's CAS",
						  NULL);
			}
			order_stores(r->variant);
			shared_store64(&flag, v);
		} else if (r->shape != SB) {
			poll_wait(&flag, v, 0);
			if (r->variant != V_NONE)
				/* flag before data; pairs with the writer's
				 * barrier. In a mutant build the data load may
				 * then be performed before the poll. */
				acquire_barrier(BARRIER_SPAN_PUBLISH);
			result[1][i] = shared_load64(&data) == v;
		} else {
			volatile uint64_t *mine = me == 0 ? &x : &y;
			volatile uint64_t *theirs = me == 0 ? &y : &x;

			shared_store64(mine, v);
			if (r->variant != V_NONE)
				/* my store before my load; pairs with the
				 * other hart's full barrier */
				full_barrier(BARRIER_SPAN_PUBLISH);
			result[me][i] = shared_load64(theirs) == v;
		}
	}
	/* Leave nothing buffered: hart 1 may still wait for our last flag,
	 * and the next run starts from memory. */
	storebuf_drain_all();
	r->done[me] = i;
	return NULL;
}

static void *side0(void *arg)
{
	return side(arg, 0);
}
static void *side1(void *arg)
{
	return side(arg, 1);
}

/* Run one shape and variant; returns the number of reordered iterations. */
static unsigned long run(enum shape shape, enum variant variant,
			 unsigned long iters, const char *label,
			 unsigned long *completed)
{
	static uint64_t next_base = 1;
	struct run r = {shape, variant, iters, next_base, {0, 0}, {0, 0}};
	pthread_t t0, t1;
	unsigned long reordered = 0;

	next_base += iters + 1;
	clock_gettime(CLOCK_MONOTONIC, &r.deadline);
	r.deadline.tv_sec += (time_t)shim_env("SIM_SECONDS", 2);
	arch_store64(&arrive[0].v, 0);
	arch_store64(&arrive[1].v, 0);
	pthread_create(&t0, NULL, side0, &r);
	pthread_create(&t1, NULL, side1, &r);
	pthread_join(t0, NULL);
	pthread_join(t1, NULL);

	if (r.done[0] != r.done[1])
		sim_check(0, "both harts complete the same iterations", NULL);
	iters = r.done[0] < r.done[1] ? r.done[0] : r.done[1];
	for (unsigned long i = 0; i < iters; i++) {
		if (shape != SB)
			reordered += result[1][i] == 0;
		else
			reordered += !result[0][i] && !result[1][i];
	}
	sim_diag("%s %s: %lu of %lu iterations reordered (%.1f%%)%s",
		 shape == MP   ? "MP"
		 : shape == SB ? "SB"
			       : "RMP",
		 label, reordered, iters,
		 iters ? 100.0 * (double)reordered / (double)iters : 0.0,
		 iters < r.iters ? " (time budget hit)" : "");
	*completed = iters;
	return reordered;
}

/*
 * One case: run it, then check the reordered count. must_reorder: the
 * outcome must show at least once in at least MIN_ITERS iterations (fewer
 * means the host starved the test: a failure too, since then nothing was
 * shown; at the lowest rate measured, 5%, 200 iterations all missing it
 * has a probability of 4e-5); otherwise it must never show.
 */
#define MIN_ITERS 200

static void check_case(enum shape shape, enum variant variant,
		       unsigned long iters, const char *label, int must_reorder,
		       const char *name)
{
	unsigned long done, n = run(shape, variant, iters, label, &done);
	char detail[160];

	snprintf(detail, sizeof(detail),
		 "%lu of %lu iterations reordered (%.1f%%), seed %#llx", n,
		 done, done ? 100.0 * (double)n / (double)done : 0.0,
		 (unsigned long long)sim_get_seed());
	if (must_reorder)
		sim_check(done >= MIN_ITERS && n >= 1, name, detail);
	else
		sim_check(n == 0, name, detail);
}

int main(void)
{
	unsigned long iters = shim_env("SIM_ITERS", 200000);
	uint64_t seed = shim_env("SIM_SEED", SIM_DEFAULT_SEED);
#ifdef SF_MUTANT
	const int mutant = 1;
#else
	const int mutant = 0;
#endif

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int k = 0; k < 2; k++)
		result[k] = calloc(iters, 1);
	if (!result[0] || !result[1]) {
		perror("calloc");
		return 1;
	}
	sim_seed(seed);
	sim_diag("storebuf MP/SB%s: seed %#llx, up to %lu iterations and %lu s "
		 "per case, depth %d, random drain 1/%d per access",
		 mutant ? " (mutant build: SF_MUTANT=BARRIER_SPAN_PUBLISH)"
			: "",
		 (unsigned long long)seed, iters, shim_env("SIM_SECONDS", 2),
		 SIM_DEFAULT_DEPTH, SIM_DEFAULT_DRAIN_ONE_IN);

	if (mutant) {
		check_case(MP, V_BARRIER, iters,
			   "publication_barrier (removed)", 1,
			   "mutant: MP with publication_barrier(SPAN_PUBLISH) "
			   "removed shows flag=1 data=0");
		check_case(
		    MP, V_ORDER, iters,
		    "storebuf_order, acquire_barrier (removed)", 1,
		    "mutant: MP with the writer's fence but the reader's "
		    "acquire_barrier(SPAN_PUBLISH) removed shows flag=1 "
		    "data=0");
		check_case(SB, V_BARRIER, iters, "full_barrier (removed)", 1,
			   "mutant: SB with full_barrier(SPAN_PUBLISH) removed "
			   "shows r1=r2=0");
		check_case(RMP, V_BARRIER, iters,
			   "publication_barrier (removed)", 1,
			   "mutant: RMP (CAS data; flag) with "
			   "publication_barrier(SPAN_PUBLISH) removed shows "
			   "flag=1 data=0");
	} else {
		check_case(MP, V_BARRIER, iters, "publication_barrier", 0,
			   "MP with publication_barrier never shows flag=1 "
			   "data=0");
		check_case(MP, V_ORDER, iters, "storebuf_order (fence w,w)", 0,
			   "MP with storebuf_order never shows flag=1 data=0");
		check_case(MP, V_NONE, iters, "no barrier", 1,
			   "MP without a barrier shows flag=1 data=0");
		check_case(SB, V_BARRIER, iters, "full_barrier", 0,
			   "SB with full barriers never shows r1=r2=0");
		check_case(SB, V_NONE, iters, "no barrier", 1,
			   "SB without barriers shows r1=r2=0");
		check_case(RMP, V_BARRIER, iters, "publication_barrier", 0,
			   "RMP (CAS data; flag) with publication_barrier "
			   "never shows flag=1 data=0");
		check_case(RMP, V_ORDER, iters, "storebuf_order (fence w,w)", 0,
			   "RMP (CAS data; flag) with storebuf_order never "
			   "shows flag=1 data=0");
		check_case(RMP, V_NONE, iters, "no barrier", 1,
			   "RMP (CAS data; flag) without a barrier shows "
			   "flag=1 data=0: an RMW orders nothing after it");
	}
	free(result[0]);
	free(result[1]);
	return sim_done();
}
