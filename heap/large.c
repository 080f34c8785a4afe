/*
 * large.c - blocks of whole pages: large objects (over SMALL_MAX, or aligned
 * beyond what a size class gives) and manual spans for task stacks.
 *
 * The large cache: a hart that frees a large block of at most
 * LARGE_CACHE_PAGES pages keeps its span (still SPAN_LARGE, in the span map,
 * with span->cached set, so that a second free or a realloc of the block is
 * reported) and hands it out again for the next large allocation of the
 * same number of pages, without the page heap's lock. A span leaves the
 * cache for the page heap when the cache is full (the oldest first), when
 * the hart flushes its cache, or when the heap runs out of pages
 * (cache_trim).
 */
#include <errno.h>

#include "barrier.h"
#include "heap.h"
#include "spanfence.h"

static void large_cache_remove(struct heap_cache *c, unsigned i)
{
	c->large_pages -= c->large[i]->npages;
	c->nlarge--;
	for (; i < c->nlarge; i++)
		c->large[i] = c->large[i + 1];
}

static void large_release(struct heap_cache *c, unsigned i)
{
	struct span *s = c->large[i];

	large_cache_remove(c, i);
	shared_store32(&s->cached, 0);
	span_free(s);
}

/* A cached span of exactly npages pages, taken out of the cache. */
static struct span *large_cache_take(struct heap_cache *c, size_t npages)
{
	for (unsigned i = c->nlarge; i-- > 0;) {
		struct span *s = c->large[i];

		if (s->npages == npages) {
			large_cache_remove(c, i);
			shared_store32(&s->cached, 0);
			/*
			 * Publish the block again: its cached flag (it is no
			 * longer a freed block) before the caller stores a
			 * pointer into it. The span map entries and state
			 * never changed (SPAN_PUBLISH, as in span_alloc).
			 */
			publication_barrier(BARRIER_SPAN_PUBLISH);
			return s;
		}
	}
	return NULL;
}

void large_free(struct heap_cache *c, struct span *s)
{
	if (s->npages > LARGE_CACHE_PAGES / 2) {
		span_free(s);
		return;
	}
	while (c->nlarge == LARGE_CACHE_SPANS ||
	       c->large_pages + s->npages > LARGE_CACHE_PAGES)
		large_release(c, 0);
	shared_store32(&s->cached, 1);
	c->large[c->nlarge++] = s;
	c->large_pages += s->npages;
}

bool large_trim(struct heap_cache *c)
{
	bool any = c->nlarge != 0;

	while (c->nlarge != 0)
		large_release(c, c->nlarge - 1);
	return any;
}

void *large_alloc(size_t size, size_t align)
{
	size_t npages, align_pages;
	struct span *s;

	if (size > mheap.arena_size || align > mheap.arena_size) {
		errno = ENOMEM;
		return NULL;
	}
	npages = size == 0 ? 1 : (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	align_pages = align > PAGE_SIZE ? align >> PAGE_SHIFT : 1;
	if (align_pages == 1 &&
	    (s = large_cache_take(heap_my_cache(), npages)) != NULL)
		return (void *)s->base;
	s = span_alloc_aligned(npages, align_pages, SPAN_LARGE, 0, NULL);
	if (s == NULL && cache_trim(heap_my_cache()))
		s = span_alloc_aligned(npages, align_pages, SPAN_LARGE, 0,
				       NULL);
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return (void *)s->base;
}

struct span *span_alloc_manual(size_t npages)
{
	return span_alloc(npages, SPAN_MANUAL, 0);
}

void span_free_manual(struct span *s)
{
	if (s == NULL || shared_load32(&s->state) != SPAN_MANUAL) {
		heap_report("span_free_manual",
			    s != NULL ? (void *)s->base : NULL, s,
			    "not a manual span");
		return;
	}
	span_free(s);
}

void *heap_alloc_pages(size_t npages, enum span_state state)
{
	struct span *s = NULL;

	if (state == SPAN_LARGE || state == SPAN_MANUAL)
		s = span_alloc(npages, state, 0);
	return s != NULL ? (void *)s->base : NULL;
}

void heap_free_pages(void *p)
{
	struct span *s = span_of(p);
	uint32_t state = s != NULL ? shared_load32(&s->state) : SPAN_FREE;

	if ((state != SPAN_LARGE && state != SPAN_MANUAL) ||
	    s->base != (uintptr_t)p ||
	    (state == SPAN_LARGE && shared_load32(&s->cached))) {
		heap_report("heap_free_pages", p, s,
			    "not the start of a large or manual span");
		return;
	}
	span_free(s);
}
