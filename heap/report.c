/*
 * report.c - bad input to the heap: print what was wrong, where, and the
 * span it fell in; then stop the board (or, with SF_HEAP_REPORT_CONTINUE,
 * return so that the caller ignores the operation).
 */
#include "console.h"
#include "heap.h"

void heap_report(const char *op, const void *p, const struct span *s,
		 const char *what)
{
	uintptr_t end;

	if (s == NULL) {
		kprintf("heap: %s(%p): %s; no span (arena %p..%p)\n", op, p,
			what, (void *)mheap.arena,
			(void *)(mheap.arena + mheap.arena_size));
	} else {
		end = s->base + ((uintptr_t)s->npages << PAGE_SHIFT);
		if (s->sizeclass != 0)
			kprintf("heap: %s(%p): %s; span %p..%p state %s class "
				"%u elemsize %u\n",
				op, p, what, (void *)s->base, (void *)end,
				span_state_name(shared_load32(&s->state)),
				s->sizeclass, s->elemsize);
		else
			kprintf("heap: %s(%p): %s; span %p..%p state %s pages "
				"%u\n",
				op, p, what, (void *)s->base, (void *)end,
				span_state_name(shared_load32(&s->state)),
				s->npages);
	}
#ifndef SF_HEAP_REPORT_CONTINUE
	panic("heap: bad %s of %p", op, p);
#endif
}
