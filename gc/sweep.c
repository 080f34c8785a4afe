/*
 * sweep.c - sweep generations and the central span lists (gc.h,
 * "SWEEPING"). sg = gc.sweepgen; a span's sweepgen is sg - 2 (unswept),
 * sg - 1 (being swept) or sg (swept). Central lists come in two sets,
 * [sg/2 % 2] swept and the other unswept; gc_flip() adds 2 to sg in the
 * termination stop, which turns every swept list into an unswept one.
 */
#include "gc.h"

static struct gc_central *central_of(const struct span *s)
{
	if (s->sizeclass == 0)
		return &gc.large;
	return &gc.central[s->sizeclass * 2 + (s->noscan != 0)];
}

static unsigned set_of(uint32_t sweepgen)
{
	return (sweepgen / 2) & 1;
}

/* File s (not on any list) by its sweepgen: swept or unswept set, partial
 * or full (no free slot). Large spans go on partial[] only. */
void gc_central_put(struct span *s, bool full)
{
	struct gc_central *c = central_of(s);
	unsigned set = set_of(shared_load32(&s->sweepgen));

	full = full && s->sizeclass != 0;
	spin_lock(&c->lock);
	span_list_push(full ? &c->full[set] : &c->partial[set], s);
	spin_unlock(&c->lock);
}

/* Claim an unswept span for sweeping: exactly one sweeper wins. */
static bool sweep_claim(struct span *s, uint32_t sg)
{
	return atomic_cas32(&s->sweepgen, sg - 2, sg - 1);
}

/*
 * Sweep a claimed span (sweepgen sg - 1): unmarked objects become free,
 * mark bits are cleared, sweepgen becomes sg. Returns the objects left: 0
 * means the span went back to the page heap, else the caller files it.
 */
uint32_t gc_sweep_span(struct span *s)
{
	uint32_t sg = shared_load32(&gc.sweepgen);
	uint64_t freed = 0, nfreed = 0;
	uint32_t live;

	if (s->sizeclass == 0) {
		volatile uint64_t *m = (volatile uint64_t *)&s->markbits[0];
		live = (shared_load64(m) & 1) != 0;
		if (!live) {
			freed = (uint64_t)s->npages << PAGE_SHIFT;
			nfreed = 1;
			s->bits[0].alloc = 0;
		}
		shared_store64(m, 0);
	} else {
		unsigned nwords = (s->nelems + 63) / 64;
		live = 0;
		for (unsigned w = 0; w < nwords; w++) {
			volatile uint64_t *m =
			    (volatile uint64_t *)&s->markbits[w];
			uint64_t mark = shared_load64(m);
			uint64_t alloc = s->bits[w].alloc;
			uint64_t dead = alloc & ~mark;

			/* mark & ~alloc: free slots of a window pre-marked
			 * for allocate-black (alloc.c), left free. */
			nfreed += popcount64(dead);
			s->bits[w].alloc = alloc & mark;
			live += popcount64(alloc & mark);
			shared_store64(m, 0);
		}
		freed = nfreed * s->elemsize;
		s->alloccache = 0;
		s->freeindex = 0;
	}
	if (freed) {
		atomic_fetch_add64(&gc.freed, freed);
		atomic_fetch_add64(&gc.objects_freed, nfreed);
	}
	atomic_fetch_add64(&gc.spans_swept, 1);
	shared_store32(&s->sweepgen, sg);
	if (live == 0)
		gc_span_free(s);
	/* Orders the cleared mark bits and freed slots (and the span's
	 * return to the page heap) before the count the next cycle waits
	 * on; pairs with the driver's acquire in gc_sweep_finish(). Nothing
	 * else orders them for two sweepers: the collector hart sweeping in
	 * the background while a mutator drives (it answers no handshake:
	 * the driver's first marks could meet our clear landing late, as
	 * tests/guest/stress_gc_sweep_test.c shows without this barrier),
	 * and a mutator whose clears are still buffered when another
	 * mutator, having answered the next cycle's first handshake, shades
	 * an object of the span (our own ack comes later). */
	release_barrier(BARRIER_GC_SWEEP_DONE);
	atomic_fetch_add64(&gc.nunswept, (uint64_t)-1);
	return live;
}

static bool span_full(const struct span *s)
{
	unsigned nwords = (s->nelems + 63) / 64;
	uint32_t n = 0;

	for (unsigned w = 0; w < nwords; w++)
		n += popcount64(s->bits[w].alloc);
	return n == s->nelems;
}

/*
 * Pop an unswept span of c (partial first), claimed; NULL if none. sg is
 * the caller's gc.sweepgen, and every sweeper but one keeps it current
 * while it sweeps: a mutator sweeps between safe points and a flip happens
 * only in a STOP, which holds it at one; the driver flips itself; code
 * outside any mutator sweeps only while it holds the driver
 * (gc_test_allocated, gc_wait_cycle's sweep_rest), because the STOP does
 * not wait for it. The exception is the collector hart sweeping in the
 * background (collector_loop) after a mutator took the driver from it
 * (FAULT TOLERANCE): its sg may be a flip or more behind, and the set it
 * pops from may then be a swept one. The claim's CAS tells (it expects sg -
 * 2, which no span has once gc.sweepgen moved on), so no span is ever swept
 * twice, and the span goes back where its sweepgen says. For any other
 * sweeper a failed claim is a span on the wrong list: fatal.
 *
 * The lock's SPIN_LOCK acquire orders the caller's load of gc.sweepgen
 * before our loads of the span's mark words (gc_sweep_span): the pairing
 * of the driver's GC_FLIP release (gc_flip), for a sweeper that saw the
 * flip without being stopped for it.
 */
static struct span *take_unswept(struct gc_central *c, uint32_t sg)
{
	unsigned set = set_of(sg - 2);
	struct span *s;

	spin_lock(&c->lock);
	s = span_list_pop(&c->partial[set]);
	if (s == NULL)
		s = span_list_pop(&c->full[set]);
	spin_unlock(&c->lock);
	if (s != NULL && !sweep_claim(s, sg)) {
		if (this_hart() != collector_hart() ||
		    shared_load32(&gc.sweepgen) == sg)
			panic("gc: span %p on an unswept list has sweepgen %u "
			      "(heap %u): swept twice?",
			      (void *)s->base, shared_load32(&s->sweepgen), sg);
		gc_central_put(s, s->sizeclass != 0 && span_full(s));
		return NULL;
	}
	return s;
}

/* A swept span of class sc with a free slot, sweeping lazily if needed. */
struct span *gc_central_take(unsigned sc)
{
	struct gc_central *c = &gc.central[sc];
	uint32_t sg = shared_load32(&gc.sweepgen);
	struct span *s;

	spin_lock(&c->lock);
	s = span_list_pop(&c->partial[set_of(sg)]);
	spin_unlock(&c->lock);
	if (s != NULL)
		return s;
	/* Lazy sweeping: a few unswept spans of the class, at most. */
	for (int i = 0; i < 16 && (s = take_unswept(c, sg)) != NULL; i++) {
		uint32_t live = gc_sweep_span(s);
		if (live == 0)
			continue;
		if (live < s->nelems)
			return s;
		gc_central_put(s, true);
	}
	return NULL;
}

/* Sweep one unswept span of any class; false if none is left on a list. */
bool gc_sweep_one(void)
{
	uint32_t sg = shared_load32(&gc.sweepgen);
	/* Where the last search ended (a hint, shared by the sweepers). */
	static volatile uint32_t hint;
	unsigned next = shared_load32(&hint);

	if (shared_load64(&gc.nunswept) == 0)
		return false;
	for (unsigned k = 0; k <= GC_NSPANCLASS; k++) {
		unsigned i = (next + k) % (GC_NSPANCLASS + 1);
		struct gc_central *c =
		    i == GC_NSPANCLASS ? &gc.large : &gc.central[i];
		struct span *s = take_unswept(c, sg);
		if (s == NULL)
			continue;
		shared_store32(&hint, i);
		uint32_t live = gc_sweep_span(s);
		if (live != 0)
			gc_central_put(s, live == s->nelems);
		return true;
	}
	return false;
}

/* Sweep until no span is unswept (others may be sweeping the last ones);
 * the driver then ends the SWEEP phase. */
void gc_sweep_finish(void)
{
	while (shared_load64(&gc.nunswept) != 0) {
		/* None left on a list: an allocator is sweeping the last. */
		if (!gc_sweep_one())
			gc_relax();
	}
	/* Orders our next marks after every sweeper's clearing; pairs with
	 * GC_SWEEP_DONE before each nunswept decrement. */
	acquire_barrier(BARRIER_GC_SWEEP_DONE);
	atomic_cas32(&gc.phase, GC_PHASE_SWEEP, GC_PHASE_OFF);
}

/*
 * In the termination stop: every span becomes unswept. The hart caches
 * were emptied into central (by the caller) first, so every collected span
 * is on a central list and the sweepers reach them all.
 */
void gc_flip(void)
{
	uint32_t sg = shared_load32(&gc.sweepgen);

	if (shared_load64(&gc.nunswept) != 0)
		panic("gc: flip with %lu spans unswept",
		      (unsigned long)shared_load64(&gc.nunswept));
	/*
	 * Orders every mark of this cycle before the flip: our own mark-bit
	 * CASes (an RMW orders nothing after it) and the acked harts' ones,
	 * which the STOP's GC_ACK acquire made ours. Pairs with the
	 * sweeper's SPIN_LOCK acquire in take_unswept, after its load of
	 * sweepgen. A stopped hart is ordered by GC_WORLD anyway; the
	 * sweeper that needs this is the collector hart sweeping in the
	 * background while a mutator drives (FAULT TOLERANCE): it sees the
	 * new sweepgen and sweeps at once, and without this it can read a
	 * live object's mark word from before our CAS and free the object
	 * (tests/guest/stress_gc_sweep_test.c: "pointer to unallocated span"
	 * one cycle later, or a reachable node freed).
	 */
	release_barrier(BARRIER_GC_FLIP);
	shared_store64(&gc.nunswept, shared_load64(&gc.nspans));
	shared_store32(&gc.sweepgen, sg + 2);
}
