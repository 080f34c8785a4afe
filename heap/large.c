/*
 * large.c - blocks of whole pages: large objects (over SMALL_MAX, or aligned
 * beyond what a size class gives) and manual spans for task stacks.
 */
#include <errno.h>

#include "heap.h"
#include "spanfence.h"

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
	s = span_alloc_aligned(npages, align_pages, SPAN_LARGE, 0,
			       SPAN_OWNER_NONE);
	if (s == NULL && cache_trim(this_hart()->heap_cache))
		s = span_alloc_aligned(npages, align_pages, SPAN_LARGE, 0,
				       SPAN_OWNER_NONE);
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
	    s->base != (uintptr_t)p) {
		heap_report("heap_free_pages", p, s,
			    "not the start of a large or manual span");
		return;
	}
	span_free(s);
}
