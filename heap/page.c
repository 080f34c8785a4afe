/*
 * page.c - the region, the page heap and span records (see heap.h, "PAGE
 * HEAP" and "PUBLICATION"): free runs on two-level segregated lists, found
 * with two ctz, coalesced through the page heap's own boundary array
 * (ph.runmap). mheap.lock guards the lists, the free runs' records and
 * ph.runmap; a new span is initialised and published after the lock is
 * dropped, by the hart that took its pages, and only its publication
 * barrier (SPAN_PUBLISH) orders that before pointers into the span.
 */
#include <string.h>

#include "barrier.h"
#include "console.h"
#include "heap.h"
#include "platform.h"
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
	/*
	 * The boundary tags of the free runs, for coalescing, under
	 * mheap.lock: runmap[i] = first page of the free run + 1 when page i
	 * is the first or the last page of a free run, else 0. Never the
	 * span map or a span's state: those of a span being published are
	 * written outside the lock, so a free that read them could coalesce
	 * with pages another hart is still publishing.
	 */
	uint32_t *runmap;
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

/*
 * Make pages [page, page + n) a free run: record, boundary tags, list. The
 * span map's first and last entries name the run too, for span_of() and
 * reports (heap.h); the page heap itself never reads them back.
 */
static void run_make(size_t page, size_t n)
{
	struct span *s = &mheap.spans[page];

	s->base = mheap.arena + (page << PAGE_SHIFT);
	s->npages = (uint32_t)n;
	s->sizeclass = 0;
	span_set_owner(s, NULL);
	shared_store32(&s->state, SPAN_FREE);
	shared_store_ptr(&mheap.spanmap[page], s);
	shared_store_ptr(&mheap.spanmap[page + n - 1], s);
	ph.runmap[page] = ph.runmap[page + n - 1] = (uint32_t)page + 1;
	run_insert(s);
}

/*
 * Take free run s off its list and out of the boundary tags: from here on no
 * free can coalesce with its pages. Its span map entries stay as they are
 * until whoever takes the pages overwrites them (a new span publishes every
 * page; a free run made of them writes its first and last).
 */
static void run_take(struct span *s)
{
	size_t page = page_of(s);

	run_remove(s);
	ph.runmap[page] = ph.runmap[page + s->npages - 1] = 0;
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
		shared_store64(&s->remote[i], 0);
		s->markbits[i] = 0;
	}
}

struct span *span_alloc_aligned(size_t npages, size_t align_pages,
				enum span_state state, unsigned sizeclass,
				struct heap_cache *owner)
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
	/* Under the lock only the page heap's own state changes: the run
	 * leaves the lists and the boundary tags, its head and tail go back
	 * as runs of their own, and [page, page + npages) is ours. */
	run_take(r);
	page = page_of(r);
	skip = align_skip(r, align_pages);
	tail = r->npages - skip - npages;
	if (skip != 0)
		run_make(page, skip);
	if (tail != 0)
		run_make(page + skip + npages, tail);
	page += skip;
	ph.spans[state]++;
	spin_unlock(&mheap.lock);

	/*
	 * This is safe without the lock (as in Go's allocSpan): the record
	 * of our first page (bitmaps included) and our pages' span map
	 * entries are read or written by no other hart until a pointer into
	 * the span is published - after the barrier below - or the span is
	 * freed, which takes such a pointer. The page heap will not touch
	 * them: it finds free runs through ph.runmap, which no longer names
	 * these pages, and writes span map entries only for pages of free
	 * runs. A collector that loads a stale pointer into these pages
	 * finds NULL or the old free run: "unallocated".
	 */
	s = &mheap.spans[page];
	s->base = mheap.arena + (page << PAGE_SHIFT);
	s->npages = (uint32_t)npages;
	s->sizeclass = (uint8_t)sizeclass;
	s->noscan = 0;
	s->elemsize = 0;
	s->nelems = 1;
	s->divmul = 0;
	s->countdown = 0;
	s->relist = 0;
	s->full = 0;
	s->collected = 0;
	shared_store32(&s->cached, 0);
	s->next = s->prev = NULL;
	span_set_window(s, 0, 0);
	s->markbits[0] = 0;
	if (state == SPAN_SMALL)
		span_init_small(s, sizeclass);
	span_set_owner(s, state == SPAN_SMALL ? owner : NULL);
	shared_store32(&s->state, state);
	for (size_t i = 0; i < npages; i++)
		shared_store_ptr(&mheap.spanmap[page + i], s);
	/*
	 * Publish: the span map entries, state and fields above, before the
	 * caller stores any pointer into the span (a stack copy's t->defer
	 * and t->frame, an object's address). Pairs with the collector's
	 * span_of(p) after it loads such a pointer p: the span map load is
	 * address-dependent on p, the state load on the span map entry.
	 * Nothing else orders these stores (golang/go#35541): remove this and
	 * a collector can see the new pointer and the old, free entry.
	 */
	publication_barrier(BARRIER_SPAN_PUBLISH);
	return s;
}

struct span *span_alloc(size_t npages, enum span_state state,
			unsigned sizeclass)
{
	return span_alloc_aligned(npages, 1, state, sizeclass, NULL);
}

void span_free(struct span *s)
{
	size_t page = page_of(s);
	size_t end = page + s->npages;
	size_t n = s->npages;

	/* Orders every store before the free - the ones that dropped the
	 * last pointers into the span (a task's t->defer moving past a freed
	 * record, its t->stack_lo moving to a new stack) - before the state
	 * FREE and the NULL span map entries below; pairs with the collector's
	 * load of a task record field, then span_of() and the state, then the
	 * field again (gc/roots.c, check_field): a span it finds FREE means
	 * that reload no longer sees the pointer. */
	publication_barrier(BARRIER_SPAN_RETIRE);
	spin_lock(&mheap.lock);
	ph.spans[shared_load32(&s->state)]--;
	/*
	 * Unpublish first, under the lock: state FREE and every span map
	 * entry NULL (run_make below names the run's first and last pages
	 * again). The pages can be handed out again only by a span_alloc
	 * that takes mheap.lock after our spin_unlock, whose release
	 * (SPIN_UNLOCK) orders these stores before the owner word's store;
	 * that allocator publishes its own entries after its SPIN_LOCK
	 * acquire, so ours come first in every entry's coherence order and
	 * can never land late on top of the new span's (a lagging NULL would
	 * unpublish the new span under its owner's feet). Done after the
	 * pages were back on a list, they could.
	 */
	span_set_owner(s, NULL);
	shared_store32(&s->state, SPAN_FREE);
	for (size_t i = page; i < end; i++)
		shared_store_ptr(&mheap.spanmap[i], NULL);
	/* Coalesce through the boundary tags only: a neighbour that is being
	 * published (outside the lock) is no longer tagged, so it is never
	 * merged, whatever its span map entries or state say just now. */
	if (page > 0 && ph.runmap[page - 1] != 0) {
		struct span *l = &mheap.spans[ph.runmap[page - 1] - 1];

		run_take(l);
		shared_store_ptr(&mheap.spanmap[page - 1], NULL);
		page = page_of(l);
		n += l->npages;
	}
	if (end < mheap.npages && ph.runmap[end] != 0) {
		struct span *r = &mheap.spans[end];

		run_take(r);
		shared_store_ptr(&mheap.spanmap[end], NULL);
		n += r->npages;
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
	    sizeof(void *) + sizeof(struct span) + sizeof(uint32_t);
	uintptr_t meta = align_up(base, 64);
	uintptr_t spans, runmap, arena;
	size_t npages;

	if (mheap.npages != 0)
		panic("heap_init: called twice");
	if (end < meta + 16 * (PAGE_SIZE + per_page))
		panic("heap_init: region %p..%p is too small", (void *)base,
		      (void *)end);
	npages = (end - meta) / (PAGE_SIZE + per_page);
	if (npages > UINT32_MAX - 1) /* runmap holds page + 1 */
		npages = UINT32_MAX - 1;
	for (;; npages--) {
		spans = align_up(meta + npages * sizeof(void *), 64);
		runmap = spans + npages * sizeof(struct span);
		arena = align_up(runmap + npages * sizeof(uint32_t), PAGE_SIZE);
		if (arena + (npages << PAGE_SHIFT) <= end)
			break;
	}
	mheap.spanmap = (void *volatile *)meta;
	mheap.spans = (struct span *)spans;
	ph.runmap = (uint32_t *)runmap;
	mheap.arena = arena;
	mheap.npages = npages;
	mheap.arena_size = npages << PAGE_SHIFT;
	memset((void *)meta, 0, npages * sizeof(void *));
	memset(ph.runmap, 0, npages * sizeof(uint32_t));
	spin_lock(&mheap.lock);
	run_make(0, npages);
	spin_unlock(&mheap.lock);
	for (unsigned i = 0; i < MAX_HARTS; i++) {
		cache_init(&heap_caches[i], i);
		harts[i].heap_cache = &heap_caches[i];
	}
#if defined(__mips__)
	/* Every CPU that runs a hart: platform.hartids holds CPUNums. */
	for (unsigned i = 0; i < platform.nharts && i < MAX_HARTS; i++)
		heap_cpu_cache[platform.hartids[i] & (MIPS_MAX_CPUS - 1)] =
		    &heap_caches[i];
#endif
}
