/*
 * alloc.c - typed allocation from collected spans (gc.h, "OBJECT MODEL",
 * "ALLOCATION"): per-hart span caches, the allocCache window, new spans,
 * large objects, allocate-black while marking.
 */
#include <errno.h>
#include <string.h>

#include "gc.h"

struct gc_hart gc_harts[MAX_HARTS];
struct gc_alloc_cache gc_alloc_caches[MAX_HARTS];
struct span gc_empty_span; /* alloccache 0: forces a refill */
/* The allocation gate (gc.h, "ALLOCATION"): a count the driver raises; a
 * hart allocates on the fast path while its cache's gate equals it. */
volatile uint32_t gc_alloc_seq;

/* gh's allocation cache (include/gc_alloc.h: the fast path reads it). */
static struct gc_alloc_cache *cache_of(const struct gc_hart *gh)
{
	return &gc_alloc_caches[gh - gc_harts];
}

static uint64_t word_mask(const struct span *s, unsigned w)
{
	unsigned left = s->nelems - w * 64;

	return left >= 64 ? ~0ull : (1ull << left) - 1;
}

/* Load the window from the first word at or after w with a free slot. A
 * cached span is never swept, so slots before the window stay allocated:
 * no wrap-around. */
static bool window_load(struct span *s, unsigned w)
{
	unsigned nwords = (s->nelems + 63) / 64;

	for (; w < nwords; w++) {
		uint64_t free = ~s->bits[w].alloc & word_mask(s, w);

		if (free != 0) {
			span_set_window(s, w, free);
			return true;
		}
	}
	s->alloccache = 0;
	s->freeindex = nwords * 64;
	return false;
}

/*
 * Allocate-black, a window at a time: while marking, before a window of
 * this hart's span hands out its first object in the cycle, the mark bits
 * of all its free slots are set (one CAS per bitmap word), so everything
 * allocated from it is black and never scanned this cycle. Slots left
 * unallocated at the flip are just marked free slots: the sweep keeps
 * alloc & mark. The window's bytes count as marked.
 */
static void window_black(struct gc_hart *gh, unsigned sc, struct span *s)
{
	uint32_t epoch = (uint32_t)shared_load64(&gc.cycle) + 1;
	unsigned w = s->sizeclass ? s->freeindex / 64 : 0;
	uint64_t bits = s->sizeclass ? s->alloccache : 1;

	if (gh->winmark[sc] == epoch && gh->winspan[sc] == s &&
	    gh->winword[sc] == w)
		return;
	gh->winmark[sc] = epoch;
	gh->winspan[sc] = s;
	gh->winword[sc] = w;
	if (bits == 0)
		return;
	volatile uint64_t *mw = (volatile uint64_t *)&s->markbits[w];
	uint64_t old;
	do
		old = shared_load64(mw);
	while ((old | bits) != old && !atomic_cas64(mw, old, old | bits));
	gh->marked += popcount64(bits & ~old) * (uint64_t)gc_span_objsize(s);
	/*
	 * No barrier here (GC_ALLOC_BLACK was one, removed: no mutant could
	 * show it needed). The hazard it guarded: the collector loads a
	 * pointer to an object of this window, then its mark word, finds it
	 * white, greys it and scans an object whose header is not yet
	 * visible. It cannot happen: the collector greys an object only by
	 * its own successful CAS on that mark word (shade), and CASes of one
	 * word are coherent. Ours succeeded, so the collector's CAS either
	 * comes after it (it reads our bits and leaves the object) or before
	 * our load of old above; then it set the bit before we read the word,
	 * so before we handed out the object - yet it had loaded a pointer to
	 * it, stored after this loop: a store made visible before the load
	 * and CAS it depends on (the loop's exit), which neither RISC-V nor
	 * MIPS does (stores are never speculative). The collector's plain
	 * loads of mark words (sweep, verify, heap walk) come after every
	 * hart's GC_ACK release. With the pending-RMW model (sim/history.c)
	 * stress_gc_alloc_black_test has the collector load such mark words
	 * before our CAS is visible thousands of times a run, without harm.
	 */
}

/*
 * This hart has seen the marking phase (or a later one): make every
 * window it caches black, so that the fast path, which has no phase test,
 * hands out only black objects until the flip empties the cache.
 */
static void cache_black(struct gc_hart *gh)
{
	struct span *const *alloc = cache_of(gh)->alloc;

	for (unsigned sc = 0; sc < GC_NSPANCLASS; sc++)
		if (alloc[sc]->alloccache != 0)
			window_black(gh, sc, alloc[sc]);
}

/* Make a new span the collector's: the collected and noscan flags tell
 * it apart (gc_kind). Ordered before any pointer into the span is seen by
 * the collector by the marking handshake (the span exists before marking
 * starts). A span made while marking holds only black objects, which the
 * collector never reads: a stale flag there makes it leave the pointer
 * alone (a large span's are ordered anyway, by gc_central_put's unlock). */
static void span_adopt(struct span *s, bool noscan)
{
	for (unsigned w = 0; w < SPAN_BITMAP_WORDS; w++) {
		s->bits[w].alloc = 0;
		shared_store64((volatile uint64_t *)&s->markbits[w], 0);
	}
	s->noscan = noscan;
	s->alloccache = 0;
	s->freeindex = 0;
	s->full = 0;
	s->next = s->prev = NULL;
	shared_store32(&s->sweepgen, shared_load32(&gc.sweepgen));
	s->collected = 1; /* and free() refuses its objects (heap/cache.c) */
	atomic_fetch_add64(&gc.nspans, 1);
	atomic_fetch_add64(&gc.heap_inuse, (uint64_t)s->npages << PAGE_SHIFT);
}

void gc_span_free(struct span *s)
{
	s->collected = 0;
	shared_store32(&s->sweepgen, 0);
	atomic_fetch_add64(&gc.nspans, (uint64_t)-1);
	atomic_fetch_add64(&gc.heap_inuse,
			   -((uint64_t)s->npages << PAGE_SHIFT));
	span_free(s);
}

static struct span *span_new(unsigned cls, bool noscan)
{
	struct span *s = span_alloc_aligned(size_classes[cls].npages, 1,
					    SPAN_SMALL, cls, NULL);

	if (s == NULL && cache_trim(this_hart()->heap_cache))
		s = span_alloc_aligned(size_classes[cls].npages, 1, SPAN_SMALL,
				       cls, NULL);
	if (s != NULL)
		span_adopt(s, noscan);
	return s;
}

/* Give the hart's cached span of class sc back to central. */
static void cache_release(struct gc_hart *gh, unsigned sc)
{
	struct gc_alloc_cache *c = cache_of(gh);
	struct span *s = c->alloc[sc];
	uint64_t unused;

	if (s == &gc_empty_span)
		return;
	c->alloc[sc] = &gc_empty_span;
	unused = popcount64(s->alloccache) * (uint64_t)s->elemsize;
	s->alloccache = 0;
	if (unused)
		atomic_fetch_add64(&gc.heap_live, -unused);
	gc_central_put(s, false);
}

void gc_cache_release_all(struct gc_hart *gh)
{
	for (unsigned sc = 0; sc < GC_NSPANCLASS; sc++)
		cache_release(gh, sc);
}

void gc_alloc_init(void)
{
	for (unsigned i = 0; i < MAX_HARTS; i++)
		for (unsigned sc = 0; sc < GC_NSPANCLASS; sc++)
			gc_alloc_caches[i].alloc[sc] = &gc_empty_span;
}

/*
 * A span of class sc with a loaded window, or NULL (out of memory). The
 * exhausted span goes back first, so that whatever the pacer does (a
 * handshake, even a whole cycle on this hart) finds the cache consistent.
 */
static struct span *refill(struct gc_hart *gh, unsigned sc, size_t size)
{
	struct gc_alloc_cache *c = cache_of(gh);
	struct span *s = c->alloc[sc];

	if (s != &gc_empty_span) {
		if (window_load(s, s->freeindex / 64 + 1))
			goto loaded;
		c->alloc[sc] = &gc_empty_span;
		gc_central_put(s, true);
	}
	if (!gc_pacer_alloc(gh, size_classes[sc / 2].npages * PAGE_SIZE))
		return NULL; /* the limit */
	for (int tries = 0;;) {
		s = gc_central_take(sc);
		if (s == NULL)
			s = span_new(sc / 2, sc & 1);
		if (s == NULL) {
			if (++tries == 3)
				return NULL;
			/* Out of pages: a full collection, then again. */
			gc_wait_cycle(shared_load64(&gc.cycle) + 1, true);
			continue;
		}
		if (shared_load32(&s->sweepgen) != shared_load32(&gc.sweepgen))
			panic("gc: allocating from unswept span %p (sweepgen "
			      "%u, heap %u)",
			      (void *)s->base, shared_load32(&s->sweepgen),
			      shared_load32(&gc.sweepgen));
		if (window_load(s, 0))
			break;
		gc_central_put(s, true); /* released full at a flip */
	}
	c->alloc[sc] = s;
loaded:;
	uint64_t bytes = popcount64(s->alloccache) * (uint64_t)s->elemsize;
	atomic_fetch_add64(&gc.heap_live, bytes);
	gc_stat_add(&gh->allocated, bytes);
	(void)size;
	return s;
}

static GC_SLOW void *alloc_large(struct gc_hart *gh, const struct gc_type *t,
				 size_t n, size_t size)
{
	size_t npages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	bool noscan = t->ptrmap == NULL;
	struct span *s = NULL;

	if (!gc_pacer_alloc(gh, npages << PAGE_SHIFT)) {
		errno = ENOMEM;
		return NULL;
	}
	for (int tries = 0; s == NULL; tries++) {
		s = span_alloc_aligned(npages, 1, SPAN_LARGE, 0, NULL);
		if (s == NULL && cache_trim(this_hart()->heap_cache))
			continue;
		if (s == NULL) {
			if (tries == 2) {
				errno = ENOMEM;
				return NULL;
			}
			gc_wait_cycle(shared_load64(&gc.cycle) + 1, true);
		}
	}
	span_adopt(s, noscan);
	s->bits[0].alloc = 1;
	atomic_fetch_add64(&gc.heap_live, (uint64_t)npages << PAGE_SHIFT);
	gc_stat_add(&gh->allocated, (uint64_t)npages << PAGE_SHIFT);
	if (shared_load32(&gc_barrier_on)) {
		/* One object, black: its mark bit is ordered before the
		 * pointer we return by gc_central_put's SPIN_UNLOCK below. */
		shared_store64((volatile uint64_t *)&s->markbits[0], 1);
		gh->marked += (uint64_t)npages << PAGE_SHIFT;
	}
	void *p = gc_object_init((void *)s->base, t, n, size);
	/* Filed swept: the collector finds it there after the next flip. */
	gc_central_put(s, false);
	return p;
}

static GC_SLOW void bad_type(const struct gc_type *t)
{
	panic("gc_alloc: %p is not a gc_type (use GC_TYPE; size a multiple "
	      "of 8)",
	      (const void *)t);
}

/*
 * The slow path of gc_alloc and gc_alloc_array (the fast path is inline,
 * include/gc_alloc.h). Not cold: a hart's first allocation after each
 * gate raise comes here, and so does every window refill (and a cold
 * function's inline zeroing compiles to rep stos on x86). size 0: t is
 * not a type. gate is the gate this call opens the fast path for, loaded
 * first: if the driver raises it again meanwhile, the next allocation
 * comes back here.
 */
void *gc_alloc_slow(const struct gc_type *t, size_t n, size_t size)
{
	struct gc_hart *gh = gc_me();
	struct gc_alloc_cache *c = cache_of(gh);
	uint32_t gate = shared_load32(&gc_alloc_seq);
	void *p;

	if (unlikely(size == 0))
		bad_type(t);
	/* Orders our loads of the handshake word and the barrier flag after
	 * the gate; pairs with the driver's release before raising it: a
	 * hart that sees the raise of a mark start sees the flag on. */
	acquire_barrier(BARRIER_GC_HANDSHAKE);
	if (gc_poll_due(gh))
		gc_poll();
	if (size > SMALL_MAX) {
		p = alloc_large(gh, t, n, size);
	} else {
		unsigned sc = size_class(size) * 2 + (t->ptrmap == NULL);
		struct span *s = c->alloc[sc];
		if (s->alloccache == 0) {
			s = refill(gh, sc, size);
			if (s == NULL) {
				errno = ENOMEM;
				return NULL;
			}
		}
		if (shared_load32(&gc_barrier_on))
			window_black(gh, sc, s);
		p = gc_object_init(span_take(s), t, n, size);
	}
	/* Open the fast path once every handshake is answered; while
	 * marking only with black windows (refills come back here). No flip
	 * happens before our next poll, so the flag and cache stay as seen. */
	if (c->gate != gate && !gc_poll_due(gh)) {
		if (shared_load32(&gc_barrier_on))
			cache_black(gh);
		c->gate = gate;
	}
	return p;
}

void *gc_alloc_array(const struct gc_type *t, size_t n)
{
	size_t size;

	if (unlikely(gc_alloc_size(t) == 0))
		bad_type(t);
	if (unlikely(__builtin_mul_overflow(n, (size_t)t->size, &size) ||
		     size > mheap.arena_size)) {
		errno = ENOMEM;
		return NULL;
	}
	if (t->ptrmap != NULL)
		size += GC_HDR;
	else if (size == 0)
		size = 8;
	return gc_alloc_sized(t, n, size);
}

const struct gc_type *gc_type_of(const void *p, size_t *n)
{
	struct span *s = span_of(p);

	if (n)
		*n = 0;
	if (s == NULL || gc_kind(s) != GC_KIND_SCAN)
		return NULL;
	uintptr_t base = s->base;
	if (s->sizeclass) {
		unsigned idx;
		span_slot(s, p, &idx);
		base += (uintptr_t)idx * s->elemsize;
	}
	const struct gc_hdr *h = (const struct gc_hdr *)base;
	if (n)
		*n = (size_t)h->n;
	return h->type;
}

bool gc_test_allocated(const void *p)
{
	uint32_t me = this_hart()->index + 1;
	struct span *s;
	uintptr_t obj;
	unsigned idx;
	bool r = false;

	/* Hold the driver (no cycle starts) and wait out the sweepers: the
	 * alloc bits are then stable while no mutator allocates. The
	 * collector starts no cycle while gc.quiesce is set, so back-to-back
	 * cycles cannot starve us of the driver. */
	atomic_fetch_add32(&gc.quiesce, 1);
	while (!gc_driver_acquire(me))
		gc_idle_pause();
	while (shared_load64(&gc.nunswept) != 0)
		if (!gc_sweep_one())
			gc_relax();
	/* Orders our read of the bits after the sweepers'; pairs with
	 * GC_SWEEP_DONE before their nunswept decrements. */
	acquire_barrier(BARRIER_GC_SWEEP_DONE);
	s = span_of(p);
	if (s != NULL && gc_kind(s) != GC_KIND_NONE &&
	    gc_object_of(s, p, &obj, &idx))
		r = (s->bits[idx / 64].alloc >> (idx % 64)) & 1;
	gc_driver_release();
	atomic_fetch_add32(&gc.quiesce, (uint32_t)-1);
	return r;
}
