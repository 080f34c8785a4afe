/*
 * litmus_test.c - message-passing and store-buffering litmus tests between
 * two harts, on the real instructions (never through the simulator).
 *
 * What it is for. spanfence's correctness on MIPS64 and RISC-V rests on the
 * barriers in barrier.h ordering what the ISA otherwise lets a hart reorder.
 * These two classic shapes check the barriers the runtime uses, on whatever
 * machine runs the image: under QEMU (where an x86 host gives TSO-like
 * behaviour at most) and, with the same image, on a real board, where this
 * is how a user checks the hardware.
 *
 *   MP (message passing)        hart A (writer)      hart B (reader)
 *                               data = v             r1 = (flag == v)
 *                               [publication]        [acquire]
 *                               flag = v             r2 = (data == v)
 *     forbidden with both barriers: r1=1 r2=0 (the flag seen, the data not)
 *
 *   SB (store buffering)        hart A               hart B
 *                               x = v                y = v
 *                               [full]               [full]
 *                               r1 = (y == v)        r2 = (x == v)
 *     forbidden with both full barriers: r1=0 r2=0 (each missed the other)
 *
 * Every shape runs in several variants (no barriers, one side fenced, both
 * fenced). Only what the ISA guarantees is asserted: a fenced MP never shows
 * r1=1 r2=0 and a fully fenced SB never shows r1=r2=0, and every run's
 * outcome counts add up to its iterations. The unfenced variants are
 * reported, never asserted: RVWMO and MIPS allow the "forbidden" outcomes
 * without barriers but no machine has to show them. (QEMU TCG on an x86 host
 * keeps stores in order and loads in order, so MP reorders never show; under
 * MTTCG, where the harts are host threads, SB's store->load reordering from
 * the host's store buffer can.)
 *
 * How the two harts race. Hart A is the boot hart, hart B the collector hart
 * (hart_call runs B's side). Each iteration i has its own value v (unique
 * over the whole boot, so nothing needs resetting) and its own slot in a
 * ring of RING slots, with x/data and y/flag on separate cache lines, so a
 * slot is not touched again for RING iterations. Before each iteration both
 * harts meet at a two-party rendezvous: each stores v into its own arrival
 * word and spins until the other's word reaches v. So they start the body
 * together, each after a small pseudo-random delay (0..DELAY_MASK relax
 * loops, per-hart xorshift) that shifts which hart runs first. B stores its
 * outcome per iteration into its own result array, A likewise for SB; the
 * arrays are read after hart_wait(), whose barriers publish them.
 *
 * Stopping. Each run has ITERS iterations and a wall-clock budget
 * (RUN_SECONDS): if the budget runs out (a host busy with other work), A
 * stores STOP | v into its arrival word instead of the next v and waits for
 * B to arrive at v; B stops there too, or runs the previous iteration first
 * if it never saw A's arrival at it (A had already moved on). Both stop
 * after the same number of iterations, which the report prints. A run that has
 * not done PROBE_ITERS iterations after a quarter of a second stops too: the
 * harts are not running in parallel (QEMU's single-threaded TCG, the default
 * for the MIPS boards, runs one hart at a time and switches on a time slice or
 * when a hart waits; or the host is too busy to run both vCPU threads), so
 * there is nothing to race and no point waiting. Under single-threaded TCG
 * memory is sequentially consistent anyway.
 *
 * The rendezvous itself uses no barriers: it only decides when the bodies
 * start; results are judged per iteration by comparing against that
 * iteration's unique value, so a late store from an earlier iteration can
 * only read as "not seen", which is what it is.
 *
 * Every case above uses real instructions only, also in a simulation build
 * (SF_SIMULATE): the litmus tests check the machine, never the simulator. A
 * simulation build adds two cases at the end that run MP through the
 * simulator on the same two harts (shared_store64, the store buffer, a
 * drain as the barrier) and check that it reorders without the barrier and
 * never with it: the guest-side counterpart of tests/sim/storebuf_mp.c.
 *
 * tools/litmus-report.sh (make litmus) boots this on each board and prints
 * the outcome counts of every case as one table.
 */
#include <stdint.h>

#include "asm/atomic.h"
#include "asm/barrier.h"
#include "counter.h"
#include "hart.h"
#include "ktap.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#include "atomic.h"
#endif

#ifndef LITMUS_ITERS
#define LITMUS_ITERS 1000000
#endif
#ifndef LITMUS_RUN_SECONDS
#define LITMUS_RUN_SECONDS 2
#endif
#define RING	    1024
#define DELAY_MASK  15
#define STOP	    (1ull << 63) /* | v: A stops at iteration value v */
#define PROBE_ITERS 1000 /* fewer in the first 1/4 s: harts not parallel */

struct slot {
	volatile uint64_t x; /* MP: data; SB: x */
	char pad0[56];
	volatile uint64_t y; /* MP: flag; SB: y */
	char pad1[56];
};

struct arrival {
	volatile uint64_t v;
	char pad[56];
};

static struct slot ring[RING] __attribute__((aligned(64)));
static struct arrival arrive[2] __attribute__((aligned(64)));
static uint8_t result_a[LITMUS_ITERS]; /* written by A only */
static uint8_t result_b[LITMUS_ITERS]; /* written by B only */
static uint64_t next_value = 1;	       /* boot hart only */

/* SIM_MP: MP through the simulator (SF_SIMULATE builds only, see below). */
enum shape { MP, SB, SIM_MP };

/* Which barriers each side executes. */
#define FENCE_A 1
#define FENCE_B 2

struct run {
	enum shape shape;
	unsigned fences;
	uint64_t base; /* iteration i uses value base + i */
	unsigned iters;
	uint64_t deadline; /* counter_time() */
	uint64_t probe;	   /* by then, PROBE_ITERS must be done */
	unsigned done_a, done_b;
};

static inline uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static inline void delay(uint64_t *rng)
{
	for (unsigned n = xorshift(rng) & DELAY_MASK; n > 0; n--)
		arch_cpu_relax();
}

/*
 * A load of the other hart's arrival word. In the simulated shape it is a
 * simulated access, so a hart waiting here drains its store buffer at random
 * (as hardware drains it on its own): without that the reader could wait for
 * a flag that never leaves the writer's buffer. The word itself is only
 * written with arch_store64, so it is never in a buffer.
 */
static inline uint64_t poll(volatile uint64_t *p, int sim)
{
#ifdef SF_SIMULATE
	if (sim)
		return shared_load64(p);
#endif
	(void)sim;
	return arch_load64(p);
}

/*
 * The rendezvous of iteration value v: true to run it, false to stop. Only
 * side A (me == 0) decides to stop, by storing STOP instead of v.
 */
static inline int meet(unsigned me, uint64_t v, int stop, int sim)
{
	/* No barrier: the rendezvous only times the bodies (see the top). */
	arch_store64(&arrive[me].v, stop ? STOP | v : v);
	for (;;) {
		uint64_t other = poll(&arrive[1 - me].v, sim);

		/* STOP carries the iteration A stops at: B may see it at the
		 * rendezvous before, if it never saw A's plain arrival there
		 * (A already ran that body): then B runs it too. */
		if (other & STOP)
			return (other & ~STOP) > v;
		if (other >= v)
			return !stop;
		arch_cpu_relax();
	}
}

/* Hart A: MP writer, or SB's left side. */
static void side_a(struct run *r)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull ^ r->base;
	unsigned i;

	for (i = 0; i < r->iters; i++) {
		uint64_t v = r->base + i;
		struct slot *s = &ring[i % RING];
		uint64_t now = counter_time();
		int stop = i > 0 && (now > r->deadline ||
				     (now > r->probe && i < PROBE_ITERS));

		if (!meet(0, v, stop, r->shape == SIM_MP))
			break;
		delay(&rng);
#ifdef SF_SIMULATE
		if (r->shape == SIM_MP) {
			shared_store64(&s->x, v); /* data */
			if (r->fences & FENCE_A) {
				/* data before flag; pairs with B's polling of
				 * the flag, then its load of the data (the
				 * simulator keeps loads in order). What
				 * publication_barrier() does, without a name:
				 * a barrier-mutant build must not remove it,
				 * this checks the simulator, not the runtime */
				storebuf_drain_all();
				arch_publication_barrier();
			}
			shared_store64(&s->y, v); /* flag */
			continue;
		}
#endif
		if (r->shape == MP) {
			arch_store64(&s->x, v); /* data */
			if (r->fences & FENCE_A)
				/* data before flag; pairs with B's acquire */
				arch_publication_barrier();
			arch_store64(&s->y, v); /* flag */
		} else {
			arch_store64(&s->x, v);
			if (r->fences & FENCE_A)
				/* x before the load of y; pairs with B's
				 * full barrier */
				arch_full_barrier();
			result_a[i] = arch_load64(&s->y) == v;
		}
	}
	r->done_a = i;
#ifdef SF_SIMULATE
	/* The real-instruction runs write the same slots with arch_store64:
	 * nothing of ours may still be buffered to overwrite them later. */
	storebuf_drain_all();
#endif
}

/* Hart B (the collector hart): MP reader, or SB's right side. */
static void *side_b(void *arg)
{
	struct run *r = arg;
	uint64_t rng = 0xd1b54a32d192ed03ull ^ r->base;
	unsigned i;

	for (i = 0; i < r->iters; i++) {
		uint64_t v = r->base + i;
		struct slot *s = &ring[i % RING];

		if (!meet(1, v, 0, r->shape == SIM_MP))
			break;
		delay(&rng);
#ifdef SF_SIMULATE
		if (r->shape == SIM_MP) {
			/* wait for the flag (A drains it at its rendezvous),
			 * then look at the data: r1 is 1 by construction */
			while (shared_load64(&s->y) != v)
				arch_cpu_relax();
			unsigned r2 = shared_load64(&s->x) == v;
			result_b[i] = (uint8_t)(1 | r2 << 1);
			continue;
		}
#endif
		if (r->shape == MP) {
			unsigned r1 = arch_load64(&s->y) == v; /* flag */

			if (r->fences & FENCE_B)
				/* flag before data; pairs with A's
				 * publication barrier */
				arch_acquire_barrier();
			unsigned r2 = arch_load64(&s->x) == v; /* data */
			result_b[i] = (uint8_t)(r1 | r2 << 1);
		} else {
			arch_store64(&s->y, v);
			if (r->fences & FENCE_B)
				/* y before the load of x; pairs with A's
				 * full barrier */
				arch_full_barrier();
			result_b[i] = arch_load64(&s->x) == v;
		}
	}
	r->done_b = i;
	return NULL;
}

/*
 * Run one shape and variant; count[r1 | r2 << 1] gets the outcomes. Returns
 * the number of iterations both sides completed.
 */
static unsigned run(enum shape shape, unsigned fences, const char *label,
		    unsigned long count[4])
{
	static struct run r;
	struct hart *b = collector_hart();

	for (int k = 0; k < 4; k++)
		count[k] = 0;
	if (b == NULL) {
		ktap_diag("%s: needs two harts, skipped", label);
		return 0;
	}
	r.shape = shape;
	r.fences = fences;
	r.base = next_value;
	r.iters = LITMUS_ITERS;
	r.deadline = counter_time() + LITMUS_RUN_SECONDS * counter_time_hz();
	r.probe = counter_time() + counter_time_hz() / 4;
	next_value += LITMUS_ITERS + 1;
	/* A run that hit its budget left STOP in A's word: start both at 0. */
	arch_store64(&arrive[0].v, 0);
	arch_store64(&arrive[1].v, 0);

	uint64_t t0 = counter_time();
	/* hart_call's release barrier publishes r to B; hart_wait's acquire
	 * barrier makes B's result_b and done_b visible here. */
	hart_call(b, side_b, &r);
#ifdef SF_SIMULATE
	/* In a simulation build hart_call's MAILBOX_POSTED store sits in our
	 * software store buffer until our next simulated access, and side_a
	 * makes none (real instructions only): drain it, or B never starts. */
	storebuf_drain_all();
#endif
	side_a(&r);
	hart_wait(b);
	uint64_t ms = (counter_time() - t0) * 1000 / counter_time_hz();

	KTAP_EXPECT(r.done_a == r.done_b);
	unsigned n = r.done_a < r.done_b ? r.done_a : r.done_b;
	for (unsigned i = 0; i < n; i++) {
		unsigned o = shape != SB
				 ? result_b[i]
				 : (unsigned)(result_a[i] | result_b[i] << 1);
		count[o & 3]++;
	}
	unsigned long sum = count[0] + count[1] + count[2] + count[3];
	KTAP_EXPECT(sum == n);
	KTAP_EXPECT(n > 0);

	ktap_diag("%s on %s, harts %u+%u: %u iterations in %lu ms%s", label,
		  BOARD_NAME, this_hart()->index, b->index, n,
		  (unsigned long)ms,
		  n >= LITMUS_ITERS ? ""
		  : n < PROBE_ITERS ? " (stopped: harts take turns, not "
				      "parallel: single-threaded TCG or busy "
				      "host)"
				    : " (time budget hit)");
	ktap_diag("  r1=0 r2=0: %8lu   r1=0 r2=1: %8lu", count[0], count[2]);
	ktap_diag("  r1=1 r2=0: %8lu   r1=1 r2=1: %8lu", count[1], count[3]);
	return n;
}

#define R1_R2(r1, r2) ((r1) | (r2) << 1)

static void test_mp_plain(void)
{
	unsigned long c[4];

	run(MP, 0, "MP plain", c);
	ktap_diag("  reordered (r1=1 r2=0, allowed here): %lu", c[R1_R2(1, 0)]);
}

static void test_mp_writer_fence_only(void)
{
	unsigned long c[4];

	run(MP, FENCE_A, "MP publication barrier, no acquire", c);
	ktap_diag("  reordered (r1=1 r2=0, allowed here): %lu", c[R1_R2(1, 0)]);
}

static void test_mp_fenced(void)
{
	unsigned long c[4];

	run(MP, FENCE_A | FENCE_B, "MP publication + acquire", c);
	KTAP_EXPECT(c[R1_R2(1, 0)] == 0); /* forbidden */
}

static void test_sb_plain(void)
{
	unsigned long c[4];

	run(SB, 0, "SB plain", c);
	ktap_diag("  reordered (r1=0 r2=0, allowed here): %lu", c[R1_R2(0, 0)]);
}

static void test_sb_one_fence(void)
{
	unsigned long c[4];

	run(SB, FENCE_A, "SB full barrier on A only", c);
	ktap_diag("  reordered (r1=0 r2=0, allowed here): %lu", c[R1_R2(0, 0)]);
}

static void test_sb_fenced(void)
{
	unsigned long c[4];

	run(SB, FENCE_A | FENCE_B, "SB full barriers", c);
	KTAP_EXPECT(c[R1_R2(0, 0)] == 0); /* forbidden */
}

#ifdef SF_SIMULATE
/*
 * Simulation builds only: the same MP shape with shared_store64 and what
 * publication_barrier() does (drain, then the real barrier), i.e. through
 * the software store buffer on real harts. The reader waits for the flag, so r1
 * is always 1; r2=0 is the simulated reordering. It must never show with the
 * barrier and must show without it (when enough iterations ran: under
 * single-threaded TCG only a handful do, and then it is only reported).
 */
static void test_sim_mp_fenced(void)
{
	unsigned long c[4];

	ktap_diag("simulator seed 0x%lx (patched into the image: 0x%lx)",
		  (unsigned long)sim_get_seed(),
		  (unsigned long)sim_image_seed());
	run(SIM_MP, FENCE_A, "MP through the simulator, publication_barrier",
	    c);
	KTAP_EXPECT(c[R1_R2(1, 0)] == 0); /* forbidden */
}

static void test_sim_mp_plain(void)
{
	unsigned long c[4];
	unsigned n = run(SIM_MP, 0, "MP through the simulator, no barrier", c);

	ktap_diag("  reordered by the simulator (r1=1 r2=0): %lu",
		  c[R1_R2(1, 0)]);

	struct sim_stats st; /* hart A's, quiescent after hart_wait() */
	sim_stats_get(this_hart()->index, &st);
	ktap_diag("  hart %u since boot: %lu stores buffered (%lu coalesced), "
		  "%lu loads (%lu forwarded), drains: %lu random, %lu full, "
		  "%lu by barriers/RMWs; at most %u pending",
		  this_hart()->index, (unsigned long)st.stores,
		  (unsigned long)st.coalesced, (unsigned long)st.loads,
		  (unsigned long)st.forwarded, (unsigned long)st.random_drains,
		  (unsigned long)st.full_drains,
		  (unsigned long)st.barrier_drains, st.max_pending);
	if (n >= PROBE_ITERS)
		KTAP_EXPECT(c[R1_R2(1, 0)] > 0);
}
#endif

static const struct ktap_case cases[] = {
    KTAP_CASE(test_mp_plain),	   KTAP_CASE(test_mp_writer_fence_only),
    KTAP_CASE(test_mp_fenced),	   KTAP_CASE(test_sb_plain),
    KTAP_CASE(test_sb_one_fence),  KTAP_CASE(test_sb_fenced),
#ifdef SF_SIMULATE
    KTAP_CASE(test_sim_mp_fenced), KTAP_CASE(test_sim_mp_plain),
#endif
};

int main(void)
{
	return ktap_run("litmus", cases, KTAP_COUNT(cases));
}
