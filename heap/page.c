/*
 * page.c - the region, the page heap and span records (see heap.h, "PAGE
 * HEAP"): free runs on two-level segregated lists, found with two ctz,
 * coalesced through the span map's boundary entries. Everything here runs
 * under mheap.lock except span_of() readers.
 */
#include <string.h>

#include "barrier.h"
#include "console.h"
#include "heap.h"
#include "spanfence.h"

#define SL_BITS	 4
#define SL_COUNT (1u << SL_BITS)
#define GROUPS	 32 /* group 0: lengths 1..15; group g: [2^(g+3), 2^(g+4)) */

struct heap mheap;

static struct {
	uint32_t groupmap;	  /* bit g: some list of group g is non-empty */
	uint16_t listmap[GROUPS]; /* bit l: list l of group g is non-empty */
	struct span_list lists[GROUPS][SL_COUNT];
	size_t free_pages;
	size_t free_runs;
	size_t spans[SPAN_MANUAL + 1]; /* in-use spans by state */
} ph;

static unsigned log2_floor(size_t n)
{
	return 63 - __builtin_clzll(n);
}

static size_t page_of(const struct span *s)
{
	return s - mheap.spans;
}

/* The list for runs of n pages: group in the result, list in *list. */
static unsigned list_of(size_t n, unsigned *list)
{
	unsigned fl;

	if (n < SL_COUNT) {
		*list = n;
		return 0;
	}
	fl = log2_floor(n);
	*list = (n >> (fl - SL_BITS)) - SL_COUNT;
	return fl - SL_BITS + 1;
}

static void run_insert(struct span *s)
{
	unsigned list;
	unsigned g = list_of(s->npages, &list);

	span_list_push(&ph.lists[g][list], s);
	ph.listmap[g] |= 1u << list;
	ph.groupmap |= 1u << g;
	ph.free_pages += s->npages;
	ph.free_runs++;
}

static void run_remove(struct span *s)
{
	unsigned list;
	unsigned g = list_of(s->npages, &list);

	span_list_remove(&ph.lists[g][list], s);
	if (ph.lists[g][list].first == NULL) {
		ph.listmap[g] &= ~(1u << list);
		if (ph.listmap[g] == 0)
			ph.groupmap &= ~(1u << g);
	}
	ph.free_pages -= s->npages;
	ph.free_runs--;
}

/* Make pages [page, page + n) a free run: record, boundary entries, list. */
static void run_make(size_t page, size_t n)
{
	struct span *s = &mheap.spans[page];

	s->base = mheap.arena + (page << PAGE_SHIFT);
	s->npages = (uint32_t)n;
	s->sizeclass = 0;
	shared_store32(&s->owner, SPAN_OWNER_NONE);
	shared_store32(&s->state, SPAN_FREE);
	shared_store_ptr(&mheap.spanmap[page], s);
	shared_store_ptr(&mheap.spanmap[page + n - 1], s);
	run_insert(s);
}

/* Pages to skip at the start of run s so that its address is aligned. */
static size_t align_skip(const struct span *s, size_t align_pages)
{
	uintptr_t align = align_pages << PAGE_SHIFT;

	return (((s->base + align - 1) & ~(align - 1)) - s->base) >> PAGE_SHIFT;
}

static bool run_fits(const struct span *s, size_t n, size_t align_pages)
{
	return align_skip(s, align_pages) + n <= s->npages;
}

/*
 * A free run that can hold n pages aligned to align_pages, or NULL. Good fit
 * first: the length is rounded up to the next list boundary, so the head of
 * any non-empty list at or above it fits. Else scan the lists that may hold
 * fitting runs shorter than that (one list when align_pages is 1).
 */
static struct span *run_find(size_t n, size_t align_pages)
{
	size_t want = n + align_pages - 1;
	size_t rounded = want;
	unsigned list, g, last, first_list;

	if (want >= SL_COUNT)
		rounded += ((size_t)1 << (log2_floor(want) - SL_BITS)) - 1;
	g = list_of(rounded, &list);
	if (g < GROUPS) {
		uint32_t m = ph.listmap[g] & (~0u << list);

		if (m == 0 && g + 1 < GROUPS) {
			uint32_t gm = ph.groupmap & (~0u << (g + 1));

			if (gm != 0) {
				g = __builtin_ctz(gm);
				m = ph.listmap[g];
			}
		}
		if (m != 0)
			return ph.lists[g][__builtin_ctz(m)].first;
	}
	g = list_of(n, &first_list);
	last = list_of(want, &list) * SL_COUNT + list;
	for (unsigned i = g * SL_COUNT + first_list; i <= last; i++) {
		if (!(ph.listmap[i / SL_COUNT] & (1u << (i % SL_COUNT))))
			continue;
		for (struct span *s =
			 ph.lists[i / SL_COUNT][i % SL_COUNT].first;
		     s != NULL; s = s->next)
			if (run_fits(s, n, align_pages))
				return s;
	}
	return NULL;
}

static void span_init_small(struct span *s, unsigned cls)
{
	const struct size_class *k = &size_classes[cls];
	unsigned nwords = (k->nelems + 63) / 64;

	s->elemsize = k->size;
	s->nelems = k->nelems;
	s->divmul = k->divmul;
	for (unsigned i = 0; i < nwords; i++) {
		s->bits[i].alloc = 0;
		shared_store64(&s->bits[i].remote, 0);
	}
	memset(s->markbits, 0, nwords * sizeof(uint64_t));
}

struct span *span_alloc_aligned(size_t npages, size_t align_pages,
				enum span_state state, unsigned sizeclass,
				uint32_t owner)
{
	struct span *r, *s;
	size_t page, skip, tail;

	if (npages == 0 || npages > mheap.npages || align_pages > mheap.npages)
		return NULL;
	spin_lock(&mheap.lock);
	r = run_find(npages, align_pages);
	if (r == NULL) {
		spin_unlock(&mheap.lock);
		return NULL;
	}
	run_remove(r);
	page = page_of(r);
	skip = align_skip(r, align_pages);
	tail = r->npages - skip - npages;
	if (skip != 0)
		run_make(page, skip);
	if (tail != 0)
		run_make(page + skip + npages, tail);
	page += skip;
	s = &mheap.spans[page];
	s->base = mheap.arena + (page << PAGE_SHIFT);
	s->npages = (uint32_t)npages;
	s->sizeclass = (uint8_t)sizeclass;
	s->noscan = 0;
	s->elemsize = 0;
	s->nelems = 1;
	s->divmul = 0;
	s->alloccache = 0;
	s->freeindex = 0;
	s->nalloc = 0;
	s->relist = 0;
	s->full = 0;
	s->bits = &mheap.bits[page * SPAN_WORDS_PER_PAGE];
	s->cachebits = s->bits;
	s->cachebase = s->base;
	s->markbits = &mheap.markbits[page * SPAN_WORDS_PER_PAGE];
	s->markbits[0] = 0;
	if (state == SPAN_SMALL)
		span_init_small(s, sizeclass);
	shared_store32(&s->owner, owner);
	shared_store32(&s->state, state);
	for (size_t i = 0; i < npages; i++)
		shared_store_ptr(&mheap.spanmap[page + i], s);
	ph.spans[state]++;
	spin_unlock(&mheap.lock);
	/*
	 * Publish: the span map entries, state and fields above, before the
	 * caller stores any pointer into the span. Pairs with the collector's
	 * span_of(p) after it loads such a pointer (golang/go#35541).
	 */
	publication_barrier(BARRIER_SPAN_PUBLISH);
	return s;
}

struct span *span_alloc(size_t npages, enum span_state state,
			unsigned sizeclass)
{
	return span_alloc_aligned(npages, 1, state, sizeclass, SPAN_OWNER_NONE);
}

void span_free(struct span *s)
{
	size_t page = page_of(s);
	size_t end = page + s->npages;
	size_t n = s->npages;

	spin_lock(&mheap.lock);
	ph.spans[shared_load32(&s->state)]--;
	shared_store32(&s->owner, SPAN_OWNER_NONE);
	shared_store32(&s->state, SPAN_FREE);
	for (size_t i = page; i < end; i++)
		shared_store_ptr(&mheap.spanmap[i], NULL);
	if (page > 0) {
		struct span *l = shared_load_ptr(&mheap.spanmap[page - 1]);

		if (l != NULL && shared_load32(&l->state) == SPAN_FREE) {
			run_remove(l);
			shared_store_ptr(&mheap.spanmap[page - 1], NULL);
			page = page_of(l);
			n += l->npages;
		}
	}
	if (end < mheap.npages) {
		struct span *r = shared_load_ptr(&mheap.spanmap[end]);

		if (r != NULL && shared_load32(&r->state) == SPAN_FREE) {
			run_remove(r);
			shared_store_ptr(&mheap.spanmap[end], NULL);
			n += r->npages;
		}
	}
	run_make(page, n);
	spin_unlock(&mheap.lock);
}

const char *span_state_name(uint32_t state)
{
	static const char *const names[] = {"free", "small", "large", "manual"};

	return state <= SPAN_MANUAL ? names[state] : "corrupt";
}

void heap_get_stats(struct heap_stats *st)
{
	spin_lock(&mheap.lock);
	st->pages_total = mheap.npages;
	st->pages_free = ph.free_pages;
	st->free_runs = ph.free_runs;
	st->small_spans = ph.spans[SPAN_SMALL];
	st->large_spans = ph.spans[SPAN_LARGE];
	st->manual_spans = ph.spans[SPAN_MANUAL];
	spin_unlock(&mheap.lock);
}

static uintptr_t align_up(uintptr_t x, uintptr_t a)
{
	return (x + a - 1) & ~(a - 1);
}

void heap_init(uintptr_t base, uintptr_t end)
{
	const size_t per_page =
	    sizeof(void *) + sizeof(struct span) +
	    SPAN_WORDS_PER_PAGE * (sizeof(struct span_bits) + sizeof(uint64_t));
	uintptr_t meta = align_up(base, 64);
	uintptr_t spans, bits, marks, arena;
	size_t npages;

	if (mheap.npages != 0)
		panic("heap_init: called twice");
	if (end < meta + 16 * (PAGE_SIZE + per_page))
		panic("heap_init: region %p..%p is too small", (void *)base,
		      (void *)end);
	npages = (end - meta) / (PAGE_SIZE + per_page);
	if (npages > UINT32_MAX)
		npages = UINT32_MAX;
	for (;; npages--) {
		spans = align_up(meta + npages * sizeof(void *), 64);
		bits = align_up(spans + npages * sizeof(struct span), 64);
		marks = bits +
			npages * SPAN_WORDS_PER_PAGE * sizeof(struct span_bits);
		arena = align_up(marks + npages * SPAN_WORDS_PER_PAGE *
					     sizeof(uint64_t),
				 PAGE_SIZE);
		if (arena + (npages << PAGE_SHIFT) <= end)
			break;
	}
	mheap.spanmap = (void *volatile *)meta;
	mheap.spans = (struct span *)spans;
	mheap.bits = (struct span_bits *)bits;
	mheap.markbits = (uint64_t *)marks;
	mheap.arena = arena;
	mheap.npages = npages;
	mheap.arena_size = npages << PAGE_SHIFT;
	memset((void *)meta, 0, npages * sizeof(void *));
	spin_lock(&mheap.lock);
	run_make(0, npages);
	spin_unlock(&mheap.lock);
	for (unsigned i = 0; i < MAX_HARTS; i++) {
		heap_caches[i].owner = SPAN_OWNER(i);
		for (unsigned c = 0; c < NUM_SIZE_CLASSES; c++)
			heap_caches[i].alloc[c] = &empty_span;
		harts[i].heap_cache = &heap_caches[i];
	}
}
