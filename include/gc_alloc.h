/*
 * gc_alloc.h - gc_alloc's fast path, inline: with a constant type (the
 * usual call, gc_alloc(&node_type)) the compiler folds the type check,
 * the size and the zeroing, and what is left is a few loads, a bit
 * operation and the object's stores. Included by gc.h; gc/gc.h,
 * "ALLOCATION", gives the design and gc/alloc.c the slow path.
 *
 * The fast path takes a slot only while the hart's gate equals the
 * allocation gate (gc_alloc_seq) and its cached span of the object's span
 * class (size class x {scan, noscan}) has a free slot in its allocCache
 * window: no lock, no atomic, no phase test. A small object is
 * [header: type, n][payload] if its type has pointers, [payload] if not.
 * Everything else (a raised gate, an empty window, a large object, a bad
 * type) goes to gc_alloc_slow.
 */
#ifndef SPANFENCE_GC_ALLOC_H
#define SPANFENCE_GC_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../heap/heap.h"
#include "hart.h"

#define GC_HDR	      16 /* header of a scannable object */
#define GC_NSPANCLASS (NUM_SIZE_CLASSES * 2)

struct gc_hdr {
	const struct gc_type *type;
	uint64_t n; /* elements */
};

/* A hart's allocation cache: written by that hart only (the driver
 * empties it during a STOP, ordered by the stop's handshake). */
struct gc_alloc_cache {
	uint32_t gate; /* the gc_alloc_seq it allocates under */
	struct span *alloc[GC_NSPANCLASS]; /* cached spans, or &gc_empty_span */
} __attribute__((aligned(64)));

extern struct gc_alloc_cache gc_alloc_caches[MAX_HARTS];
/* The allocation gate: a count the driver raises. */
extern volatile uint32_t gc_alloc_seq;
void *gc_alloc_slow(const struct gc_type *t, size_t n, size_t size);

/* Zero size bytes (a multiple of 8) at p: constant stores when size is. */
static inline __attribute__((always_inline)) void gc_zero(void *p, size_t size)
{
	switch ((size + 7) / 8) {
	case 2:
		__builtin_memset(p, 0, 16);
		return;
	case 3:
		__builtin_memset(p, 0, 24);
		return;
	case 4:
		__builtin_memset(p, 0, 32);
		return;
	case 5:
		__builtin_memset(p, 0, 40);
		return;
	case 6:
		__builtin_memset(p, 0, 48);
		return;
	case 8:
		__builtin_memset(p, 0, 64);
		return;
	default:
		memset(p, 0, (size + 7) & ~(size_t)7);
	}
}

/* Zero the object in slot, write its header; the pointer the caller gets. */
static inline __attribute__((always_inline)) void *
gc_object_init(void *slot, const struct gc_type *t, size_t n, size_t size)
{
	if (t->ptrmap == NULL) {
		gc_zero(slot, size);
		return slot;
	}
	struct gc_hdr *h = slot;
	h->type = t;
	h->n = n;
	gc_zero((char *)slot + GC_HDR, size - GC_HDR);
	return (char *)slot + GC_HDR;
}

/* The bytes an object of n elements of t takes (a small object's slot
 * size request), or 0 if t is not a valid type (the slow path reports
 * it). */
static inline __attribute__((always_inline)) size_t
gc_alloc_size(const struct gc_type *t)
{
	if (__builtin_expect(t == NULL || t->magic != GC_TYPE_MAGIC ||
				 (t->size & 7) != 0,
			     0))
		return 0;
	if (t->ptrmap != NULL)
		return t->size + GC_HDR;
	return t->size != 0 ? t->size : 8;
}

/* n elements of t in size bytes (size 0: t is not a type). */
static inline __attribute__((always_inline)) void *
gc_alloc_sized(const struct gc_type *t, size_t n, size_t size)
{
	struct gc_alloc_cache *c = &gc_alloc_caches[this_hart()->index];

	if (__builtin_expect(size - 1 < 1024 &&
				 c->gate == shared_load32(&gc_alloc_seq),
			     1)) {
		struct span *s = c->alloc[size_to_class8[(size + 7) >> 3] * 2 +
					  (t->ptrmap == NULL)];
		if (__builtin_expect(s->alloccache != 0, 1))
			return gc_object_init(span_take(s), t, n, size);
	}
	return gc_alloc_slow(t, n, size);
}

/* A zeroed object of type t, or NULL (errno ENOMEM) if even a full
 * collection could not make room under the heap limit. A safe point. */
static inline __attribute__((always_inline)) void *
gc_alloc(const struct gc_type *t)
{
	return gc_alloc_sized(t, 1, gc_alloc_size(t));
}

#endif
