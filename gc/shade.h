/*
 * shade.h - shading one pointer (mark.c's inner loop, and the write
 * barrier's, wbarrier.c): the pointer check, the mark bit's CAS, the grey
 * object onto a marker's stack or the hart's buffer. Inline in both, so
 * that neither pays a call per pointer.
 */
#ifndef SPANFENCE_GC_SHADE_H
#define SPANFENCE_GC_SHADE_H

#include "gc.h"

/* Off the fast path: a pointer into free pages, or past a span's last
 * object (fatal, gc_bad_pointer). */
static GC_SLOW void shade_bad(void *p, struct span *s, uint32_t state,
			      const struct gc_where *w)
{
	gc_bad_pointer_seen(p, s, state, w);
}

/*
 * Shade p (a value loaded from a slot): the pointer check, then the mark
 * bit, then onto m's stack (or, m NULL, this hart's buffer) if it was
 * white and has pointers. Inline: this is the collector's inner loop
 * and the write barrier's.
 */
static inline __attribute__((always_inline)) void
shade(void *p, const struct gc_where *w, struct gc_marker *m)
{
	uintptr_t off = (uintptr_t)p - mheap.arena;

	if (off >= mheap.arena_size)
		return; /* not a heap pointer: a global, a C object */
	struct span *s = shared_load_ptr(&mheap.spanmap[off >> PAGE_SHIFT]);
	if (unlikely(s == NULL)) {
		shade_bad(p, s, SPAN_FREE, w);
		return;
	}
	uint32_t st = shared_load32(&s->state);
	if (unlikely(st != SPAN_SMALL && st != SPAN_LARGE)) {
		if (st != SPAN_MANUAL) /* a task stack is fine */
			shade_bad(p, s, st, w);
		return;
	}
	if (!s->collected)
		return; /* malloc memory: never collected */
	unsigned idx = 0;
	uintptr_t obj = s->base;
	uint64_t size;
	if (s->sizeclass != 0) {
		span_slot(s, p, &idx);
		if (unlikely(idx >= s->nelems)) {
			shade_bad(p, s, st, w);
			return;
		}
		size = s->elemsize;
		obj += (uintptr_t)idx * size;
	} else {
		size = (uint64_t)s->npages << PAGE_SHIFT;
	}
	volatile uint64_t *mw = (volatile uint64_t *)&s->markbits[idx / 64];
	uint64_t bit = 1ull << (idx % 64), old;
	/* Orders nothing: an RMW for atomicity with other shaders and with
	 * the allocator's CAS of a black window (alloc.c, window_black),
	 * whose argument rests on the two being coherent on the word. */
	do {
		old = shared_load64(mw);
		if (old & bit)
			return; /* grey or black already */
	} while (!atomic_cas64(mw, old, old | bit));
	if (m != NULL) {
		m->marked += size;
		if (!s->noscan) {
			if (likely(m->n < m->cap))
				m->stack[m->n++] = (void *)obj;
			else
				gc_marker_push(m, (void *)obj);
		}
	} else {
		struct gc_hart *gh = gc_me();
		gh->marked += size;
		if (!s->noscan)
			gc_hart_push(gh, (void *)obj);
	}
}

#endif
