/*
 * mark.c - shading, scanning objects, draining work, assists and the heap
 * walk (gc.h, "MARKING", "FAULT TOLERANCE").
 *
 * Shading p: find its span (checked: a pointer to unallocated memory is
 * fatal), skip malloc and stack spans, find the object (interior pointers
 * are fine), set its mark bit with a CAS, and if it was white and is
 * scannable queue it: on the marker's local stack (the driver), else on
 * the calling hart's buffer (barriers, self-scans, assists).
 */
#include "gc.h"
#include "shade.h"

bool gc_is_marked(struct span *s, unsigned idx)
{
	volatile uint64_t *w = (volatile uint64_t *)&s->markbits[idx / 64];

	return (shared_load64(w) >> (idx % 64)) & 1;
}

/* The object p points into: its start in *obj and slot in *idx; false if
 * p is past the last slot of a small span (reported by the caller). */
bool gc_object_of(struct span *s, const void *p, uintptr_t *obj, unsigned *idx)
{
	if (s->sizeclass == 0) {
		*idx = 0;
		*obj = s->base;
		return true;
	}
	span_slot(s, p, idx);
	*obj = s->base + (uintptr_t)*idx * s->elemsize;
	return *idx < s->nelems;
}

void gc_shade(void *p, const struct gc_where *w, struct gc_marker *m)
{
	shade(p, w, m);
}

/* Report a scannable object whose header is not one gc_alloc wrote. */
static void bad_header(void *obj, struct span *s, const struct gc_hdr *h)
{
	kprintf("runtime: object %p in span %p (elemsize %zu) has a corrupt "
		"header: type %p n %lu\n",
		obj, (void *)s->base, gc_span_objsize(s), (const void *)h->type,
		(unsigned long)h->n);
	panic("gc: corrupt object header");
}

/* Shade every pointer word of a scannable object; returns bytes scanned. */
uint64_t gc_scan_object(void *obj, struct span *s, struct gc_marker *m)
{
	const struct gc_hdr *h = obj;
	const struct gc_type *t = h->type;
	uint64_t n = h->n;
	size_t room = gc_span_objsize(s) - GC_HDR;

	/* n * t->size <= room, without a division: n <= room first, so the
	 * product cannot overflow. */
	if (t == NULL || t->magic != GC_TYPE_MAGIC || t->ptrmap == NULL ||
	    t->size == 0 || n > room || n * t->size > room)
		bad_header(obj, s, h);
	char *payload = (char *)obj + GC_HDR;
	unsigned words = t->size / 8;
	struct gc_where w = {.what = "object", .base = obj, .name = t->name};
	/* Most objects are one element of at most 64 words: one map word. */
	uint64_t first = t->ptrmap[0];
	if (words < 64)
		first &= (1ull << words) - 1;
	for (uint64_t i = 0; i < n; i++) {
		char *elem = payload + i * t->size;
		for (unsigned wi = 0; wi * 64 < words; wi++) {
			uint64_t mask = first;
			if (wi != 0) {
				unsigned left = words - wi * 64;
				mask = t->ptrmap[wi];
				if (left < 64)
					mask &= (1ull << left) - 1;
			}
			for (; mask; mask &= mask - 1) {
				unsigned k = wi * 64 + bit_index(mask & -mask);
				void *p = shared_load_ptr(
				    (void *const volatile *)(elem + k * 8));
				if (p == NULL)
					continue;
				w.off = GC_HDR + i * t->size + k * 8;
				shade(p, &w, m);
			}
		}
	}
	uint64_t bytes = GC_HDR + n * t->size;
	if (m != NULL)
		m->scanned += bytes;
	return bytes;
}

/*
 * Scan from the marker's stack and the pool until both are empty (true)
 * or budget bytes were scanned (false; also when the collector lost the
 * driver). The driver keeps the pool fed for assists.
 */
bool gc_mark_drain(struct gc_marker *m, uint64_t budget)
{
	/*
	 * A small FIFO between the stack and the scanner: each object is
	 * prefetched when it enters and scanned GC_PREFETCH objects later,
	 * so its header is (mostly) in the cache by then - the first touch
	 * of an object is the mark loop's main cost.
	 */
	enum { GC_PREFETCH = 8 };
	void *fifo[GC_PREFETCH];
	unsigned head = 0, count = 0, k = 0;
	uint64_t start = m->scanned;

	for (;;) {
		while (count < GC_PREFETCH &&
		       (m->n > 0 || gc_marker_refill(m))) {
			void *p = m->stack[--m->n];
			__builtin_prefetch(p);
			fifo[(head + count++) % GC_PREFETCH] = p;
		}
		if (count == 0)
			return true;
		void *obj = fifo[head];
		head = (head + 1) % GC_PREFETCH;
		count--;
		gc_scan_object(obj, span_of(obj), m);
		bool stop = false;
		if ((++k & 63) == 0) {
			if (gc_step(true))
				stop = true;
			else if (m->n > 2 * GC_WBUF_CAP && gc_pool_empty())
				gc_marker_donate(m);
		}
		if (stop || m->scanned - start >= budget) {
			/* Unscanned ones back on the stack (they are grey). */
			while (count > 0) {
				gc_marker_push(m, fifo[head]);
				head = (head + 1) % GC_PREFETCH;
				count--;
			}
			return false;
		}
	}
}

/* A mutator's assist: scan buffers from the pool (children go to the
 * hart's own buffer) until bytes are scanned or the pool is empty. */
uint64_t gc_assist_work(uint64_t bytes)
{
	struct gc_hart *gh = gc_me();
	uint64_t done = 0, t0 = gc_now_ns();
	struct gc_wbuf *b;

	while (done < bytes && (b = gc_wbuf_take_full()) != NULL) {
		for (uint32_t i = 0; i < b->n; i++)
			done +=
			    gc_scan_object(b->obj[i], span_of(b->obj[i]), NULL);
		gc_wbuf_put_free(b);
	}
	gc_stat_add(&gh->assist_bytes, done);
	gc_stat_add(&gh->assist_ns, gc_now_ns() - t0);
	return done;
}

/*
 * The heap walk (a takeover, with the world stopped): rescan every marked
 * object, because the collector that stopped responding may have held
 * grey objects (marked, not scanned) that no one else can reach. Every
 * hart acknowledged the stop (GC_ACK), so the objects' contents, their
 * mark bits and the spans are all visible here.
 */
void gc_heap_walk(struct gc_marker *m)
{
	for (size_t pg = 0; pg < mheap.npages; pg++) {
		struct span *s = shared_load_ptr(&mheap.spanmap[pg]);
		if (s != &mheap.spans[pg] || gc_kind(s) != GC_KIND_SCAN)
			continue; /* not the first page of a scannable span */
		unsigned nelems = s->sizeclass ? s->nelems : 1;
		for (unsigned w = 0; w * 64 < nelems; w++) {
			volatile uint64_t *mw =
			    (volatile uint64_t *)&s->markbits[w];
			uint64_t bits = shared_load64(mw) & s->bits[w].alloc;
			for (; bits; bits &= bits - 1) {
				unsigned idx = w * 64 + bit_index(bits & -bits);
				gc_scan_object(
				    (void *)(s->base +
					     (uintptr_t)idx * s->elemsize),
				    s, m);
			}
		}
	}
}
