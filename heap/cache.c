/*
 * cache.c - per-hart caches: refilling the allocCache window, frees that
 * miss the fast path, remote frees through the owner's inbox, and flushing
 * a hart's spans to central (see heap.h, "PER-HART CACHES AND OWNERSHIP").
 */
#include "barrier.h"
#include "console.h"
#include "heap.h"
#include "spanfence.h"

struct heap_cache heap_caches[MAX_HARTS];
struct span empty_span;
#if defined(__mips__)
struct heap_cache *heap_cpu_cache[MIPS_MAX_CPUS]
    __attribute__((section(".sdata")));
#endif

/* heap.h's per-page metadata figure (REGION LAYOUT) */
_Static_assert(sizeof(struct span) <= 320, "update heap.h, REGION LAYOUT");

/* direct[] entries of each class: [direct_lo, direct_hi). */
static uint16_t direct_lo[NUM_SIZE_CLASSES], direct_hi[NUM_SIZE_CLASSES];

void cache_init(struct heap_cache *c, unsigned index)
{
	c->index = index;
	c->arena = mheap.arena;
	c->arena_size = mheap.arena_size;
	c->spanmap = mheap.spanmap;
	for (unsigned k = 0; k < DIRECT_ENTRIES; k++) {
		unsigned cls = k <= DIRECT_128
				   ? size_to_class8[k]
				   : size_to_class128[k - DIRECT_128];

		if (direct_hi[cls] == 0)
			direct_lo[cls] = (uint16_t)k;
		direct_hi[cls] = (uint16_t)(k + 1);
		c->direct[k] = &empty_span;
	}
	for (unsigned cls = 0; cls < NUM_SIZE_CLASSES; cls++)
		c->alloc[cls] = &empty_span;
}

/* Make s the current span of class cls (the direct table follows). */
static void cache_set_alloc(struct heap_cache *c, unsigned cls, struct span *s)
{
	c->alloc[cls] = s;
	for (unsigned k = direct_lo[cls]; k < direct_hi[cls]; k++)
		c->direct[k] = s;
}

static uint64_t word_mask(const struct span *s, unsigned w)
{
	unsigned left = s->nelems - w * 64;

	return left >= 64 ? ~0ull : (1ull << left) - 1;
}

/*
 * Load the window from the first bitmap word with a free slot, starting at
 * the current window's word (its slots freed since are reused first).
 */
static inline bool span_load_window(struct span *s)
{
	unsigned nwords = (s->nelems + 63) / 64;
	unsigned w = s->freeindex / 64;

	if (span_nalloc(s) == s->nelems) /* the window is empty: none free */
		return false;
	for (unsigned k = 0; k < nwords; k++, w = w + 1 == nwords ? 0 : w + 1) {
		uint64_t free = ~s->bits[w].alloc & word_mask(s, w);

		if (free != 0) {
			span_set_window(s, w, free);
			s->countdown += popcount64(free);
			return true;
		}
	}
	return false;
}

static void cache_drain(struct heap_cache *c);

static void span_mark_full(struct heap_cache *c, struct span *s)
{
	s->full = 1;
	span_set_relist(s, span_full_relist(s));
	span_list_push(&c->full[s->sizeclass], s);
}

bool cache_trim(struct heap_cache *c)
{
	bool any = large_trim(c) || c->empty_pages != 0;
	struct span *s;

	for (unsigned cls = 1; cls < NUM_SIZE_CLASSES; cls++)
		while ((s = span_list_pop(&c->empty[cls])) != NULL)
			span_free(s);
	c->empty_pages = 0;
	return any;
}

/*
 * A span to allocate from: a partial one, a kept empty one, one from
 * central, a new one; out of pages, the kept empty spans of other classes
 * are freed first, and at last a full span with a few free slots is taken
 * (its relist slack would keep them out of use).
 */
static struct span *cache_take_span(struct heap_cache *c, unsigned cls)
{
	unsigned npages = size_classes[cls].npages;
	struct span *s;

	if ((s = span_list_pop(&c->partial[cls])) != NULL)
		return s;
	if ((s = span_list_pop(&c->empty[cls])) != NULL) {
		c->empty_pages -= s->npages;
		return s;
	}
	if ((s = central_acquire(cls, c)) != NULL)
		return s;
	s = span_alloc_aligned(npages, 1, SPAN_SMALL, cls, c);
	if (s == NULL && cache_trim(c))
		s = span_alloc_aligned(npages, 1, SPAN_SMALL, cls, c);
	if (s != NULL)
		return s;
	for (s = c->full[cls].first; s != NULL; s = s->next)
		if (span_nalloc(s) < s->nelems) {
			span_list_remove(&c->full[cls], s);
			return s;
		}
	return NULL;
}

/*
 * A window to allocate from, when the current span has none left (or the
 * inbox is not empty): drain the inbox (its objects may free slots of the
 * current span) and try the current span again; else it goes on the full
 * list and another span becomes current (cache_take_span).
 */
static HEAP_SLOW struct span *cache_refill_span(struct heap_cache *c,
						unsigned cls)
{
	struct span *s = c->alloc[cls];

	if (shared_load_ptr(&c->inbox) != NULL) {
		cache_drain(c); /* frees no current span: relist RELIST_NEVER */
		if (s != &empty_span && span_load_window(s))
			return s;
	}
	if (s != &empty_span)
		span_mark_full(c, s);
	/* alloc[cls] still names s, now full: cache_take_span frees nothing
	 * of this class, and never takes a full span without a free slot. */
	s = cache_take_span(c, cls);
	if (s == NULL) {
		cache_set_alloc(c, cls, &empty_span);
		return NULL;
	}
	s->full = 0;
	span_set_relist(s, RELIST_NEVER);
	cache_set_alloc(c, cls, s);
	if (!span_load_window(s))
		panic("heap: span %p of class %u has no free slot",
		      (void *)s->base, cls);
	return s;
}

/*
 * A window to allocate from. Usually the next one of the current span
 * (nothing to drain): that path stays short; the rest is cache_refill_span.
 */
struct span *cache_refill(struct heap_cache *c, unsigned cls)
{
	struct span *s = c->alloc[cls];

	/* a full span (nalloc == nelems; empty_span's 0 == 0) goes straight
	 * to the switch */
	if (shared_load_ptr(&c->inbox) == NULL && span_nalloc(s) != s->nelems &&
	    span_load_window(s))
		return s;
	return cache_refill_span(c, cls);
}

/*
 * A span that has just become empty (nalloc 0). A remote free still in an
 * inbox counts as allocated, so a guard bit set now means that the owner
 * freed an object another hart had already freed (the local fast path does
 * not look at guard bits): report it, and keep the span where it is, since
 * the object is still on an inbox. True if all is well.
 */
static bool span_guards_clear(const struct span *s)
{
	for (unsigned w = 0; w < (s->nelems + 63u) / 64; w++) {
		uint64_t g = shared_load64(&s->remote[w]);

		if (g != 0) {
			unsigned idx = w * 64 + bit_index(g & -g);

			heap_report(
			    "free",
			    (void *)(s->base + (uintptr_t)idx * s->elemsize), s,
			    "double free (freed by another hart, not "
			    "yet processed, and again by its owner)");
			return false;
		}
	}
	return true;
}

/* A free brought countdown to 0: nalloc reached relist. */
void cache_span_changed(struct heap_cache *c, struct span *s)
{
	unsigned cls = s->sizeclass;

	if (s->full) {
		span_list_remove(&c->full[cls], s);
		s->full = 0;
		span_set_relist(s, 0);
		if (span_nalloc(s) != 0) {
			span_list_append(&c->partial[cls], s);
			return;
		}
		if (!span_guards_clear(s)) {
			span_list_push(&c->partial[cls], s);
			return;
		}
	} else if (!span_guards_clear(s) || s == c->alloc[cls]) {
		return;
	} else {
		span_list_remove(&c->partial[cls], s);
	}
	if (c->empty_pages + s->npages <= CACHE_EMPTY_PAGES) {
		span_list_push(&c->empty[cls], s);
		c->empty_pages += s->npages;
	} else {
		span_free(s);
	}
}

/* Free slot idx of a span this hart owns (not from the inbox). */
static void free_owned(struct heap_cache *c, struct span *s, unsigned idx,
		       const void *p)
{
	struct span_bits *b = &s->bits[idx / 64];
	uint64_t bit = 1ull << (idx % 64);
	bool guarded = (shared_load64(&s->remote[idx / 64]) & bit) != 0;

	if (!(b->alloc & bit) || guarded) {
		heap_report("free", p, s,
			    guarded
				? "double free (freed before, not yet "
				  "processed by its owner hart)"
				: "double free (the block is already free)");
		return;
	}
	b->alloc &= ~bit;
	if (--s->countdown == 0)
		cache_span_changed(c, s);
}

static void inbox_push(struct heap_cache *to, void *p)
{
	void *old;

	do {
		old = shared_load_ptr(&to->inbox);
		/* The owner hart reads this link after taking the inbox. */
		shared_store_ptr((void **)p, old);
		/*
		 * Orders the link word (and the guard bit set before) before
		 * the push; pairs with the acquire in cache_drain().
		 */
		release_barrier(BARRIER_REMOTE_FREE);
	} while (!atomic_cas_ptr(&to->inbox, old, p));
}

/* Hand a guarded object to its span's owner: a hart's inbox, or central. */
static void forward(struct span *s, unsigned idx, void *p)
{
	for (;;) {
		struct heap_cache *owner = span_owner(s);

		if (owner != NULL) {
			inbox_push(owner, p);
			return;
		}
		if (central_free(s, idx, p))
			return;
	}
}

/*
 * Take the whole inbox and free its objects as local frees (forwarding the
 * ones whose span changed owner). Their guard bits are cleared a bitmap
 * word at a time: one atomic add (span_guard_clear()) for a run of objects
 * of one word. Pending bits are cleared before a free can empty their span
 * (span_guards_clear() would report them) and before the drain returns, so
 * no refill or local free sees them.
 */
static void cache_drain(struct heap_cache *c)
{
	volatile uint64_t *guards = NULL; /* the word of the pending bits */
	uint64_t pending = 0;
	void *p;

	do
		p = shared_load_ptr(&c->inbox);
	while (p != NULL && !atomic_cas_ptr(&c->inbox, p, NULL));
	/* Orders the reads of link words after the take; pairs with
	 * REMOTE_FREE in inbox_push(). */
	acquire_barrier(BARRIER_REMOTE_FREE);
	for (void *next; p != NULL; p = next) {
		struct span *s = span_of(p);
		struct span_bits *b;
		unsigned idx;
		uint64_t bit;

		next = shared_load_ptr((void **)p);
		span_slot(s, p, &idx);
		if (span_owner(s) != c) {
			forward(s, idx, p);
			continue;
		}
		b = &s->bits[idx / 64];
		bit = 1ull << (idx % 64);
		if (&s->remote[idx / 64] != guards) {
			if (pending != 0)
				span_guard_clear(guards, pending);
			guards = &s->remote[idx / 64];
			pending = 0;
		}
		pending |= bit;
		if (!(b->alloc & bit)) {
			heap_report("free", p, s,
				    "double free (the block is already free)");
			continue;
		}
		b->alloc &= ~bit;
		if (--s->countdown == 0) {
			span_guard_clear(guards, pending);
			pending = 0;
			cache_span_changed(c, s);
		}
	}
	if (pending != 0)
		span_guard_clear(guards, pending);
}

/* Set the guard bit of a slot another hart owns, then hand it over. */
static void free_remote(struct span *s, unsigned idx, void *p)
{
	volatile uint64_t *remote = &s->remote[idx / 64];
	uint64_t bit = 1ull << (idx % 64);
	uint64_t old;

	do {
		old = shared_load64(remote);
		if (old & bit) {
			heap_report("free", p, s,
				    "double free (freed before, not yet "
				    "processed by its owner hart)");
			return;
		}
	} while (!atomic_cas64(remote, old, old | bit));
	forward(s, idx, p);
}

/* "double free" for free, "use of a freed block" for the others. */
static void report_free_block(const char *op, const void *p,
			      const struct span *s, const char *why)
{
	char what[96];

	ksnprintf(what, sizeof(what), "%s (%s)",
		  op[0] == 'f' ? "double free" : "use of a freed block", why);
	heap_report(op, p, s, what);
}

/*
 * Check that p is a block the heap handed out; report it otherwise. Returns
 * its span and, for a small one, the slot in *idxp.
 */
static struct span *block_check(const void *p, const char *op, unsigned *idxp)
{
	struct span *s = span_of(p);
	char what[80];
	uintptr_t start;

	if (s == NULL) {
		if ((uintptr_t)p - mheap.arena < mheap.arena_size)
			report_free_block(op, p, NULL, "its pages are free");
		else
			heap_report(op, p, NULL, "not a heap pointer");
		return NULL;
	}
	if (s->collected) {
		heap_report(op, p, s,
			    "object of the collected heap (gc_alloc): only the "
			    "collector frees it");
		return NULL;
	}
	switch (shared_load32(&s->state)) {
	case SPAN_SMALL:
		if (span_slot(s, p, idxp))
			return s;
		start = s->base + (uintptr_t)*idxp * s->elemsize;
		break;
	case SPAN_LARGE:
		if (shared_load32(&s->cached)) {
			report_free_block(op, p, s,
					  "the block is already free, its span "
					  "kept for reuse");
			return NULL;
		}
		start = s->base;
		break;
	case SPAN_MANUAL:
		heap_report(op, p, s,
			    "pointer into a manual span (task stack)");
		return NULL;
	default:
		report_free_block(op, p, s, "its pages are free");
		return NULL;
	}
	if (start != (uintptr_t)p) {
		ksnprintf(what, sizeof(what),
			  "interior pointer (the block starts at %p)",
			  (void *)start);
		heap_report(op, p, s, what);
		return NULL;
	}
	return s;
}

void cache_free_slow(struct heap_cache *c, void *p)
{
	unsigned idx = 0;
	struct span *s;

	if (p == NULL)
		return;
	s = block_check(p, "free", &idx);
	if (s == NULL)
		return;
	if (shared_load32(&s->state) == SPAN_LARGE)
		large_free(c, s);
	else if (span_owner(s) == c)
		free_owned(c, s, idx, p);
	else
		free_remote(s, idx, p);
}

struct span *heap_block_live(struct heap_cache *c, const void *p,
			     const char *op)
{
	unsigned idx = 0;
	struct span *s = block_check(p, op, &idx);
	struct span_bits *b;
	uint64_t bit;

	if (s == NULL || shared_load32(&s->state) == SPAN_LARGE)
		return s;
	b = &s->bits[idx / 64];
	bit = 1ull << (idx % 64);
	if (shared_load64(&s->remote[idx / 64]) & bit) {
		report_free_block(op, p, s,
				  "freed before, not yet processed "
				  "by its owner hart");
		return NULL;
	}
	if (span_owner(s) == c && !(b->alloc & bit)) {
		report_free_block(op, p, s, "the block is already free");
		return NULL;
	}
	return s;
}

void heap_cache_flush(void)
{
	struct heap_cache *c = heap_my_cache();
	struct span *s;

	cache_drain(c);
	for (unsigned cls = 1; cls < NUM_SIZE_CLASSES; cls++) {
		s = c->alloc[cls];
		if (s != &empty_span) {
			s->countdown -= popcount64(s->alloccache);
			s->alloccache = 0;
			cache_set_alloc(c, cls, &empty_span);
			central_release(s);
		}
		while ((s = span_list_pop(&c->partial[cls])) != NULL)
			central_release(s);
		while ((s = span_list_pop(&c->full[cls])) != NULL)
			central_release(s);
	}
	cache_trim(c);
}
