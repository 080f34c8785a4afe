/*
 * storebuf_unit.c - the store-buffer simulator on one hart: what the hart
 * itself sees, and what memory sees, after each kind of access.
 *
 * Memory is read directly (arch_load*, not through the simulator) to see
 * what another hart would see. Each case configures the simulator first:
 * drain_one_in 0 keeps every store buffered until a barrier, an RMW or a
 * full buffer, so the cases can check the buffer's contents exactly; the
 * randomized cases turn the random drain step on and check invariants
 * after every step instead.
 */
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "barrier.h"
#include "history.h"
#include "shim.h"
#include "storebuf.h"

static volatile uint64_t w[16];
static volatile uint32_t h32[16];

static void reset(unsigned depth, unsigned drain_one_in)
{
	storebuf_drain_all();
	sim_configure(depth, drain_one_in);
	for (unsigned i = 0; i < 16; i++) {
		arch_store64(&w[i], 0);
		arch_store32(&h32[i], 0);
	}
	sim_stats_reset();
}

static void own_loads_see_own_stores(void)
{
	reset(32, 0);
	shared_store64(&w[0], 1);
	shared_store32(&h32[0], 7);
	int ok = shared_load64(&w[0]) == 1 && shared_load32(&h32[0]) == 7 &&
		 arch_load64(&w[0]) == 0 && arch_load32(&h32[0]) == 0 &&
		 storebuf_pending() == 2;
	sim_check(ok, "own loads see own buffered stores; memory does not",
		  NULL);
}

static void newest_value_wins(void)
{
	reset(32, 0);
	shared_store64(&w[1], 1);
	shared_store64(&w[1], 2);
	shared_store64(&w[1], 3);
	int ok = shared_load64(&w[1]) == 3 && storebuf_pending() == 1;
	/* across epochs: two entries, the newer one is what the hart sees */
	storebuf_order(BARRIER_SPAN_PUBLISH);
	shared_store64(&w[1], 4);
	ok = ok && shared_load64(&w[1]) == 4 && storebuf_pending() == 2;
	storebuf_drain(BARRIER_SPAN_PUBLISH);
	ok = ok && arch_load64(&w[1]) == 4 && storebuf_pending() == 0;
	sim_check(ok, "the newest value wins, in the buffer and after a drain",
		  NULL);
}

static void barrier_drains_everything(void)
{
	reset(32, 0);
	for (unsigned i = 0; i < 16; i++)
		shared_store64(&w[i], 100 + i);
	int ok = storebuf_pending() == 16;
	/* under test on one hart: no load on another hart pairs with it */
	publication_barrier(BARRIER_SPAN_PUBLISH);
	ok = ok && storebuf_pending() == 0;
	for (unsigned i = 0; i < 16; i++)
		ok = ok && arch_load64(&w[i]) == 100 + i;
	struct sim_stats st;
	sim_stats_get(0, &st);
	ok = ok && st.barriers[BARRIER_SPAN_PUBLISH] == 1 &&
	     st.barrier_drains == 16;
	sim_check(ok,
		  "a publication barrier puts every buffered store in memory",
		  NULL);
}

static void full_buffer_drains_one(void)
{
	reset(4, 0);
	int ok = 1;
	for (unsigned i = 0; i < 10; i++) {
		shared_store64(&w[i], 1);
		ok = ok && storebuf_pending() <= 4;
	}
	unsigned in_memory = 0;
	for (unsigned i = 0; i < 10; i++)
		in_memory += arch_load64(&w[i]) == 1;
	struct sim_stats st;
	sim_stats_get(0, &st);
	ok = ok && in_memory == 6 && st.full_drains == 6 &&
	     storebuf_pending() == 4;
	sim_check(ok, "a full buffer (depth 4) drains one entry per new store",
		  NULL);
}

static void rmw_drains_only_its_address(void)
{
	reset(32, 0);
	shared_store64(&w[2], 5);
	shared_store32(&h32[3], 6);
	uint32_t old = atomic_fetch_add32(&h32[4], 1);
	/* Stores to other addresses stay buffered: an AMO orders nothing.
	 * The third entry is the RMW's marker. */
	int ok = old == 0 && arch_load32(&h32[4]) == 1 &&
		 arch_load64(&w[2]) == 0 && arch_load32(&h32[3]) == 0 &&
		 storebuf_pending() == 3;
	shared_store32(&h32[5], 9);
	/* The own buffered store to the RMW's address reaches memory first. */
	ok = ok && atomic_cas32(&h32[5], 9, 10) && arch_load32(&h32[5]) == 10 &&
	     storebuf_pending() == 4;
	storebuf_drain_all();
	ok = ok && arch_load64(&w[2]) == 5 && arch_load32(&h32[3]) == 6;
	sim_check(ok, "an atomic RMW drains only the own stores to its address",
		  NULL);
}

static void rmw_after_a_fence_waits_for_older_stores(void)
{
	reset(32, 0);
	shared_store64(&w[8], 1);
	storebuf_order(BARRIER_SPAN_PUBLISH); /* fence w,w */
	shared_store64(&w[9], 2);
	/* The RMW's store is ordered after w[8] (older epoch), not after
	 * w[9] (its own epoch). */
	atomic_fetch_add32(&h32[8], 1);
	int ok = arch_load64(&w[8]) == 1 && arch_load32(&h32[8]) == 1 &&
		 arch_load64(&w[9]) == 0 && storebuf_pending() == 2;
	sim_check(ok,
		  "an atomic RMW after a fence: the stores before the fence "
		  "reach memory first",
		  NULL);
}

/*
 * An RMW is made on memory at once, but another hart's load (history_load
 * with another hart's index: what shared_load* answers there) sees its
 * store only once its marker drains; the own hart sees it at once.
 */
static void rmw_store_visible_when_marker_drains(void)
{
	uintptr_t a = (uintptr_t)&w[4];

	reset(32, 0);
	arch_store64(&w[4], 5);
	int ok = atomic_cas64(&w[4], 5, 6) && arch_load64(&w[4]) == 6 &&
		 storebuf_pending() == 1;
	ok =
	    ok && shared_load64(&w[4]) == 6 && history_load(0, a, 8, NULL) == 6;
	int hidden = 0;
	ok = ok && history_load(1, a, 8, &hidden) == 5 && hidden == 1;
	ok = ok && history_value_at(1, a, 8, history_now()) == 5;
	storebuf_drain_all(); /* the marker drains */
	hidden = 0;
	ok = ok && history_load(1, a, 8, &hidden) == 6 && hidden == 0;
	/* A failed CAS leaves nothing pending. */
	ok = ok && !atomic_cas64(&w[4], 5, 7) && storebuf_pending() == 0 &&
	     history_load(1, a, 8, NULL) == 6;
	/* 32-bit, and the other RMWs too. */
	atomic_fetch_add32(&h32[6], 3);
	atomic_swap32(&h32[7], 4);
	atomic_fetch_add64(&w[5], 2);
	ok = ok && storebuf_pending() == 3 &&
	     history_load(1, (uintptr_t)&h32[6], 4, NULL) == 0 &&
	     history_load(1, (uintptr_t)&h32[7], 4, NULL) == 0 &&
	     history_load(1, (uintptr_t)&w[5], 8, NULL) == 0 &&
	     shared_load32(&h32[6]) == 3 && shared_load32(&h32[7]) == 4 &&
	     shared_load64(&w[5]) == 2;
	storebuf_drain_all();
	ok = ok && history_load(1, (uintptr_t)&h32[6], 4, NULL) == 3 &&
	     history_load(1, (uintptr_t)&h32[7], 4, NULL) == 4 &&
	     history_load(1, (uintptr_t)&w[5], 8, NULL) == 2;
	struct sim_stats st;
	sim_stats_get(0, &st);
	ok = ok && st.rmw_pending == 4;
	sim_check(ok,
		  "an RMW is in memory at once, but visible to other harts "
		  "only when its marker drains",
		  NULL);
}

/*
 * Coherence: any later write of the word makes a pending RMW visible - an
 * RMW by another hart (which must see it: it acts on memory), or a store
 * of the own hart draining; a load of another size that overlaps it makes
 * it visible too (mixed sizes are not split).
 */
static void pending_rmw_ends_at_the_next_write(void)
{
	uintptr_t a = (uintptr_t)&w[7];
	uint64_t id = 0;

	reset(32, 0);
	atomic_fetch_add64(&w[7], 1);
	/* hart 1's CAS sees the 1 (it is coherent with ours): expecting the
	 * 0 its loads returned, it fails (and is counted) */
	uint64_t met = history_rmw_met(1);
	int ok = history_load(2, a, 8, NULL) == 0 &&
		 !history_cas64(1, &w[7], 0, 2, &id) && id == 0 &&
		 history_rmw_met(1) == met + 1 &&
		 history_cas64(1, &w[7], 1, 2, &id) && id != 0;
	/* now hart 1's own CAS is pending: hart 2 sees 1, hart 1 sees 2 */
	ok = ok && history_load(2, a, 8, NULL) == 1 &&
	     history_load(1, a, 8, NULL) == 2;
	history_rmw_visible(id);
	ok = ok && history_load(2, a, 8, NULL) == 2;
	storebuf_drain_all(); /* our marker: its entry is gone already */
	ok = ok && history_load(2, a, 8, NULL) == 2;
	/* an own store to the word, drained, supersedes the RMW */
	atomic_fetch_add64(&w[7], 1);
	shared_store64(&w[7], 9);
	ok = ok && history_load(2, a, 8, NULL) == 2;
	while (storebuf_pending() == 2 && arch_load64(&w[7]) != 9)
		storebuf_drain_all();
	ok = ok && history_load(2, a, 8, NULL) == 9;
	/* a 64-bit load over a pending 32-bit RMW: visible, not split */
	volatile uint32_t *low = (volatile uint32_t *)&w[8];
	arch_store64(&w[8], 0);
	atomic_fetch_add32(low, 1);
	uint64_t wide = history_load(2, (uintptr_t)&w[8], 8, NULL);
	ok = ok && wide == arch_load64(&w[8]) &&
	     history_load(2, (uintptr_t)low, 4, NULL) == 1;
	storebuf_drain_all();
	sim_check(ok,
		  "a pending RMW becomes visible at the next write of its "
		  "word, or at an overlapping load of another size",
		  NULL);
}

/*
 * An RMW then a store on one hart, deterministically: CAS x, then
 * store y, then drain step by step, looking as another hart would
 * (history_load with hart 1) after each: how often y is visible and x's
 * new value is not. With the barrier (drain, or the exact fence w,w) never;
 * without it, often.
 */
static unsigned long rmw_then_store(int how)
{
	enum { TRIALS = 10000 };
	static volatile uint64_t other;
	unsigned long shown = 0;

	reset(32, 8);
	arch_store64(&w[0], 0);
	for (uint64_t v = 1; v <= TRIALS; v++) {
		int seen = 0;

		if (!atomic_cas64(&w[0], v - 1, v))
			return ~0ul;
		if (how == 1)
			/* x before y; pairs with the history_load of y,
			 * then x, below */
			publication_barrier(BARRIER_SPAN_PUBLISH);
		else if (how == 2)
			/* the same, as the exact fence w,w */
			storebuf_order(BARRIER_SPAN_PUBLISH);
		shared_store64(&w[1], v);
		while (storebuf_pending() > 0) {
			(void)shared_load64(&other); /* a drain chance */
			seen |=
			    history_load(1, (uintptr_t)&w[1], 8, NULL) == v &&
			    history_load(1, (uintptr_t)&w[0], 8, NULL) != v;
		}
		shown += seen;
	}
	return shown;
}

static void rmw_then_store_needs_a_barrier(void)
{
	unsigned long drained = rmw_then_store(1), fenced = rmw_then_store(2),
		      plain = rmw_then_store(0);
	char detail[160];

	snprintf(detail, sizeof(detail),
		 "y without x's RMW: %lu of 10000 without the barrier, %lu "
		 "with it (drain), %lu with the fence w,w",
		 plain, drained, fenced);
	sim_check(drained == 0 && fenced == 0 && plain > 1000 && plain <= 10000,
		  "CAS x; store y: y visible before x's RMW only without a "
		  "barrier",
		  detail);
}

static void exact_fences_order_by_name(void)
{
	reset(32, 0);
	sim_fences(SIM_FENCES_EXACT);
	shared_store64(&w[10], 1);
	release_barrier(BARRIER_TASK_PARK); /* a release name: orders */
	shared_store64(&w[11], 2);
	int ok = storebuf_pending() == 2 && arch_load64(&w[10]) == 0;
	/* Every drain order now lands w[10] before w[11]. */
	while (storebuf_pending() > 0 && ok) {
		shared_load64(&w[12]); /* a random drain step, 1 in 1 */
		sim_configure(32, 1);
		ok = !(arch_load64(&w[11]) == 2 && arch_load64(&w[10]) == 0);
	}
	/* A name that is not a publication/release name still drains. */
	shared_store64(&w[13], 3);
	full_barrier(BARRIER_SPIN_LOCK);
	ok = ok && storebuf_pending() == 0 && arch_load64(&w[13]) == 3;
	sim_fences(SIM_FENCES_DRAIN);
	shared_store64(&w[14], 4);
	release_barrier(BARRIER_TASK_PARK); /* drains again */
	ok = ok && storebuf_pending() == 0 && arch_load64(&w[14]) == 4;
	sim_check(ok,
		  "SIM_FENCES_EXACT: a release name orders, any other drains",
		  NULL);
}

static void mixed_sizes_stay_coherent(void)
{
	reset(32, 0);
	volatile uint64_t *wide = &w[6];
	volatile uint32_t *low = (volatile uint32_t *)wide; /* little-endian */

	shared_store64(wide, 0x1111111122222222ull);
	shared_store32(low, 0x33333333u); /* partly overlaps: drains first */
	int ok = arch_load64(wide) == 0x1111111122222222ull &&
		 shared_load32(low) == 0x33333333u;
	ok = ok && shared_load64(wide) == 0x1111111133333333ull;
	ok = ok && arch_load64(wide) == 0x1111111133333333ull;
	sim_check(ok, "mixed-size stores to one word stay coherent", NULL);
}

/*
 * Random drains, many steps: stores of increasing values to a few words,
 * epoch boundaries (storebuf_order) and drains at random. After every step:
 * memory never goes backwards for any word (drain never lets an older store
 * overwrite a newer one), the hart always loads its newest value, and a
 * store made after an epoch boundary is never in memory before the stores
 * made before it.
 */
static void random_drains_keep_order(void)
{
	enum { WORDS = 4, STEPS = 200000 };
	uint64_t newest[WORDS] = {0}, seen[WORDS] = {0};
	uint64_t boundary[WORDS] = {0}; /* newest per word at the last order */
	uint64_t value = 0, boundary_value = 0, rng = 12345;
	int ok = 1;
	unsigned long bad_order = 0, went_back = 0, bad_own = 0;

	reset(8, 3);
	for (unsigned step = 0; step < STEPS; step++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		unsigned k = rng % WORDS;

		switch ((rng >> 8) % 8) {
		case 0:
			/* every word's newest store so far must land before
			 * any store made from now on */
			storebuf_order(BARRIER_SPAN_PUBLISH);
			memcpy(boundary, newest, sizeof(boundary));
			boundary_value = value;
			break;
		case 1:
			if (shared_load64(&w[k]) != newest[k])
				bad_own++;
			break;
		default:
			shared_store64(&w[k], newest[k] = ++value);
			break;
		}
		for (unsigned j = 0; j < WORDS; j++) {
			uint64_t m = arch_load64(&w[j]);

			if (m < seen[j])
				went_back++;
			seen[j] = m;
		}
		/* a store made after the last boundary in memory means
		 * every store before it is in memory (or overwritten) */
		int after = 0;
		for (unsigned j = 0; j < WORDS; j++)
			after |= seen[j] > boundary_value;
		for (unsigned q = 0; after && q < WORDS; q++)
			if (seen[q] < boundary[q])
				bad_order++;
	}
	storebuf_drain(BARRIER_SPAN_PUBLISH);
	for (unsigned j = 0; j < WORDS; j++)
		ok = ok && arch_load64(&w[j]) == newest[j];
	ok = ok && !bad_order && !went_back && !bad_own;

	char detail[160];
	struct sim_stats st;
	sim_stats_get(0, &st);
	snprintf(detail, sizeof(detail),
		 "%u steps, %lu random drains, %lu coalesced, backwards %lu, "
		 "epoch violations %lu, stale own loads %lu",
		 (unsigned)STEPS, (unsigned long)st.random_drains,
		 (unsigned long)st.coalesced, went_back, bad_order, bad_own);
	sim_check(ok, "random drains keep per-word order and epoch order",
		  detail);
}

/* The same seed and the same accesses give the same drain order. */
static void seed_replays(void)
{
	uint64_t trace[3][64];

	for (int run = 0; run < 3; run++) {
		reset(8, 2);
		sim_seed(run == 2 ? 99 : 42);
		for (unsigned i = 0; i < 64; i++) {
			shared_store64(&w[i % 16], i + 1);
			uint64_t mask = 0;
			for (unsigned j = 0; j < 16; j++)
				mask |= (uint64_t)(arch_load64(&w[j]) != 0)
					<< j;
			trace[run][i] = mask;
		}
	}
	int same = memcmp(trace[0], trace[1], sizeof(trace[0])) == 0;
	int differs = memcmp(trace[0], trace[2], sizeof(trace[0])) != 0;
	sim_seed(SIM_DEFAULT_SEED);
	sim_check(same && differs,
		  "a seed replays its drain order; another seed changes it",
		  NULL);
}

/*
 * MP, deterministically on one hart: store data then flag (with or without
 * a publication barrier), then make simulated accesses one at a time and
 * look at memory after each, as the other hart would: how many of TRIALS
 * pairs ever show the flag without the data. No thread timing involved, so
 * the counts are exact for the default seed.
 */
static unsigned long mp_one_hart(int fenced)
{
	enum { TRIALS = 10000 };
	static volatile uint64_t other;
	unsigned long shown = 0;

	reset(32, 8);
	for (uint64_t v = 1; v <= TRIALS; v++) {
		int seen = 0;

		shared_store64(&w[0], v); /* data */
		if (fenced)
			/* data before flag; pairs with the arch_load64 of
			 * the flag, then the data, below */
			publication_barrier(BARRIER_SPAN_PUBLISH);
		shared_store64(&w[1], v); /* flag */
		while (storebuf_pending() > 0) {
			(void)shared_load64(&other); /* a drain chance */
			seen |=
			    arch_load64(&w[1]) == v && arch_load64(&w[0]) != v;
		}
		shown += seen;
	}
	return shown;
}

static void mp_on_one_hart(void)
{
	unsigned long fenced = mp_one_hart(1), plain = mp_one_hart(0);
	char detail[120];

	snprintf(detail, sizeof(detail),
		 "flag without data: %lu of 10000 without the barrier, %lu "
		 "with it",
		 plain, fenced);
	sim_check(fenced == 0 && plain > 1000,
		  "MP on one hart: the drain order shows flag before data "
		  "only without the barrier",
		  detail);
}

static void not_a_hart_goes_to_memory(void)
{
	reset(32, 0);
	shim_become_hart(MAX_HARTS); /* this_hart() == NULL */
	shared_store64(&w[3], 77);
	int ok = arch_load64(&w[3]) == 77 && storebuf_pending() == 0;
	shim_become_hart(0);
	sim_check(ok, "accesses outside a hart go straight to memory", NULL);
}

/* The write history answers a word as it was at an earlier moment, but
 * never older than the asking hart's own newest write to it. */
static void history_goes_back(void)
{
	static volatile uint64_t word;
	uintptr_t a = (uintptr_t)&word;
	int ok = 1;

	history_write(1, a, 8, 10); /* another hart */
	uint64_t t1 = history_now();
	history_write(1, a, 8, 11);
	uint64_t t2 = history_now();
	history_write(1, a, 8, 12);
	ok &= history_value_at(0, a, 8, t1) == 10;
	ok &= history_value_at(0, a, 8, t2) == 11;
	ok &= history_value_at(0, a, 8, history_now()) == 12;
	history_write(0, a, 8, 20); /* our own */
	history_write(1, a, 8, 21);
	ok &= history_value_at(0, a, 8, t1) == 20; /* not before our 20 */
	ok &= history_value_at(1, a, 8, t2) == 21; /* hart 1's own newest */
	ok &= history_value_at(2, a, 8, t2) == 11; /* a third hart: the past */
	ok &= arch_load64(&word) == 21;
	sim_check(ok,
		  "the write history answers a word as of an earlier moment, "
		  "never older than the hart's own write",
		  NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	shim_become_hart(0);
	printf("# storebuf unit tests (seed %#llx)\n",
	       (unsigned long long)sim_get_seed());
	own_loads_see_own_stores();
	newest_value_wins();
	barrier_drains_everything();
	full_buffer_drains_one();
	rmw_drains_only_its_address();
	rmw_after_a_fence_waits_for_older_stores();
	rmw_store_visible_when_marker_drains();
	pending_rmw_ends_at_the_next_write();
	rmw_then_store_needs_a_barrier();
	exact_fences_order_by_name();
	mixed_sizes_stay_coherent();
	random_drains_keep_order();
	seed_replays();
	mp_on_one_hart();
	not_a_hart_goes_to_memory();
	history_goes_back();
	return sim_done();
}
