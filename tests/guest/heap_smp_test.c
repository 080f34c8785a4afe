/*
 * heap_smp_test.c - the span heap on two harts at once: both allocate and
 * free at the same time, across every size class and some large sizes, and
 * free each other's objects (remote frees through the owner's inbox, and
 * frees into spans that went to central when a hart flushed its cache).
 *
 * Objects travel through a shared exchange array: each hart allocates a
 * block, fills it with a pattern that names the block, swaps it into a
 * random slot (atomic_cas_ptr) and frees whatever it got out - its own
 * block or the other hart's - after checking the pattern. A block handed
 * out twice, or reused while still live, breaks a pattern. At the end every
 * page is back in the page heap.
 */
#include <stdint.h>
#include <stdlib.h>

#include "atomic.h"
#include "barrier.h"
#include "hart.h"
#include "ktap.h"
#include "plumbing.h"
#include "spanfence.h"
#include "../heap/heap.h"

#define SLOTS  256
#define ROUNDS 12000

static void *volatile exchange[SLOTS];

/* Block header: its size and a tag; the rest is tag-derived bytes. */
struct block {
	size_t size;
	uint64_t tag;
};

struct worker {
	unsigned hart;
	uint64_t rng;
	unsigned long allocated, freed, foreign, bad, nulls;
	int flush_every;	   /* 0: never */
	volatile uint32_t batches; /* done, for the other hart's pacing */
} __attribute__((aligned(64)));

static struct worker workers[2];

static uint64_t next_rand(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* Mostly small, every class reachable, now and then a large block. */
static size_t pick_size(uint64_t r)
{
	unsigned k = (unsigned)(r % 1000);

	if (k < 700)
		return sizeof(struct block) + (size_t)(r >> 12) % 240;
	if (k < 990)
		return sizeof(struct block) + (size_t)(r >> 12) % SMALL_MAX;
	return SMALL_MAX + 1 + (size_t)(r >> 12) % (200 << 10);
}

static unsigned char byte_of(uint64_t tag, size_t i)
{
	return (unsigned char)(tag ^ (tag >> 8) ^ i);
}

static void *make(struct worker *w, size_t size, uint64_t tag)
{
	struct block *b = malloc(size);
	unsigned char *p = (unsigned char *)b;

	if (b == NULL) {
		w->nulls++;
		return NULL;
	}
	b->size = size;
	b->tag = tag;
	/* the first and last 64 bytes, and one in every 61 between */
	for (size_t i = sizeof(*b); i < size;
	     i += (i < 64 || i + 64 >= size) ? 1 : 61)
		p[i] = byte_of(tag, i);
	w->allocated++;
	return b;
}

static void check_and_free(struct worker *w, struct block *b)
{
	const unsigned char *p = (const unsigned char *)b;
	size_t size = b->size;

	for (size_t i = sizeof(*b); i < size;
	     i += (i < 64 || i + 64 >= size) ? 1 : 61)
		if (p[i] != byte_of(b->tag, i)) {
			w->bad++;
			break;
		}
	if ((b->tag >> 56) != w->hart)
		w->foreign++;
	free(b);
	w->freed++;
}

/*
 * Put p in a random slot; returns what was there. The exchange is a hand-off
 * between harts, so it releases and acquires, as C11 asks of any program
 * that frees on one thread what another allocated: the heap's own stores
 * for a block (its guard bit cleared when the owner took a remote free, say)
 * must be visible to the hart that frees it next. Test plumbing
 * (tests/plumbing.h), not a named barrier. Without it a simulation boot
 * reported a reallocated block's free as a double free (its owner's guard
 * clear, an RMW, still pending): 1 loongson3 boot in about 100.
 */
static void *swap_slot(unsigned k, void *p)
{
	void *old;

	/* Our stores for p before the slot; pairs with the acquire below
	 * on the hart that takes p out. */
	plumbing_release();
	do
		old = shared_load_ptr(&exchange[k]);
	while (!atomic_cas_ptr(&exchange[k], old, p));
	/* The slot before our use of old; pairs with the release above on
	 * the hart that put it in. */
	plumbing_acquire();
	return old;
}

#define BATCH 64

/*
 * Neither hart runs more than one batch ahead of the other: with MTTCG the
 * two loops overlap anyway; with single-threaded TCG (the MIPS boards),
 * whose time slices would run one hart's whole loop before the other's,
 * this makes them take turns every batch.
 */
static void pace(struct worker *w, uint32_t done)
{
	struct worker *other = &workers[!w->hart];

	shared_store32(&w->batches, done);
	while (shared_load32(&other->batches) + 1 < done)
		arch_cpu_relax();
}

static void *run(void *arg)
{
	struct worker *w = arg;

	for (unsigned long i = 0; i < ROUNDS; i++) {
		if (i % BATCH == 0)
			pace(w, (uint32_t)(i / BATCH));
		uint64_t r = next_rand(&w->rng);
		uint64_t tag = ((uint64_t)w->hart << 56) | i;
		void *p = make(w, pick_size(r), tag);
		void *old = swap_slot((unsigned)(r >> 40) % SLOTS, p);

		if (old != NULL)
			check_and_free(w, old);
		/* free one of our own right away now and then */
		if ((r >> 20) % 4 == 0) {
			void *q = make(w, pick_size(r >> 3), tag);

			if (q != NULL)
				check_and_free(w, q);
		}
		if (w->flush_every != 0 && i % (unsigned)w->flush_every == 0)
			heap_cache_flush(); /* spans go to central */
	}
	shared_store32(&w->batches, UINT32_MAX / 2); /* done: never wait */
	heap_cache_flush();
	return NULL;
}

static void *flush_on_hart(void *arg)
{
	(void)arg;
	heap_cache_flush();
	return NULL;
}

static void both(int flush0, int flush1)
{
	struct hart *h = &harts[1];
	struct heap_stats st0, st;

	heap_cache_flush();
	heap_get_stats(&st0);
	for (unsigned i = 0; i < 2; i++)
		workers[i] = (struct worker){
		    .hart = i,
		    .rng = 0x9e3779b97f4a7c15ull * (i + 1 + (unsigned)flush0),
		    .flush_every = i ? flush1 : flush0};
	hart_call(h, run, &workers[1]);
	run(&workers[0]);
	hart_wait(h);
	for (unsigned k = 0; k < SLOTS; k++) {
		void *p = swap_slot(k, NULL);

		if (p != NULL)
			check_and_free(&workers[0], p);
	}
	heap_cache_flush();
	hart_call(h, flush_on_hart, NULL);
	hart_wait(h);
	heap_get_stats(&st);
	for (unsigned i = 0; i < 2; i++)
		ktap_diag("hart %u: %lu allocated, %lu freed, %lu of them the "
			  "other hart's",
			  i, workers[i].allocated, workers[i].freed,
			  workers[i].foreign);
	KTAP_EXPECT(workers[0].bad == 0 && workers[1].bad == 0);
	KTAP_EXPECT(workers[0].nulls == 0 && workers[1].nulls == 0);
	KTAP_EXPECT(workers[0].foreign > 100 && workers[1].foreign > 100);
	KTAP_EXPECT(workers[0].allocated + workers[1].allocated ==
		    workers[0].freed + workers[1].freed);
	KTAP_EXPECT(st.pages_free == st0.pages_free);
}

static void test_both_harts_cross_free(void)
{
	if (KTAP_EXPECT(hart_count >= 2))
		both(0, 0);
}

/* The same while both harts keep giving their spans to central. */
static void test_both_harts_through_central(void)
{
	if (KTAP_EXPECT(hart_count >= 2))
		both(97, 131);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_both_harts_cross_free),
    KTAP_CASE(test_both_harts_through_central),
};

int main(void)
{
	return ktap_run("heap_smp", cases, KTAP_COUNT(cases));
}
