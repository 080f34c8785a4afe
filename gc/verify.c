/*
 * verify.c - the verification mode (tests): with the world stopped at the
 * end of a mark, before the flip, trace everything reachable again from
 * scratch into a separate bitmap and check that every object reached is
 * allocated and marked. A miss means the concurrent mark (barrier,
 * handshakes, stack scans) lost an object that the sweep would free while
 * it is reachable: it is printed with where it was found, and the board
 * panics.
 *
 * Roots: the registered roots, the stacks of the tasks the stop holds
 * (every parked task), the roots every running task collected itself when
 * it stopped (gc_hart.vroots; the driver's own task too).
 */
#include <string.h>

#include "gc.h"

#define SLOTS_PER_PAGE (SPAN_BITMAP_WORDS * 64) /* a span's most */

struct vctx {
	uint64_t *bits; /* SLOTS_PER_PAGE bits per page */
	void **stack;
	size_t n, cap;
	uint64_t reached;
};

static struct vctx v;

static void vpush(void *obj)
{
	if (v.n == v.cap) {
		size_t cap = v.cap ? v.cap * 2 : 4096;
		void **s = sf_malloc(cap * sizeof(void *));
		if (s == NULL)
			panic("gc verify: no memory");
		for (size_t i = 0; i < v.n; i++)
			s[i] = v.stack[i];
		sf_free(v.stack);
		v.stack = s;
		v.cap = cap;
	}
	v.stack[v.n++] = obj;
}

static void fail(const char *why, const void *p, uintptr_t obj, struct span *s,
		 const struct gc_where *w)
{
	kprintf("gc verify: cycle %lu: %s: pointer %p to object %p (span "
		"%p, elemsize %zu, %s)\n",
		(unsigned long)shared_load64(&gc.cycle) + 1, why, p,
		(void *)obj, (void *)s->base, gc_span_objsize(s),
		gc_kind(s) == GC_KIND_SCAN ? "scan" : "noscan");
	if (w != NULL)
		kprintf("gc verify: found in %s %s%s at %p+0x%zx\n", w->what,
			w->name ? w->name : "", w->task ? " (task)" : "",
			w->base, w->off);
	panic("gc verify: a reachable object was %s", why);
}

static void vref(void *p, const struct gc_where *w, void *arg)
{
	struct span *s = gc_checked_span(p, w);
	uintptr_t obj;
	unsigned idx;

	(void)arg;
	if (s == NULL || gc_kind(s) == GC_KIND_NONE)
		return;
	if (!gc_object_of(s, p, &obj, &idx)) {
		gc_bad_pointer(p, s, w);
		return;
	}
	size_t k = gc_page_of(s) * SLOTS_PER_PAGE + idx;
	if (v.bits[k / 64] & (1ull << (k % 64)))
		return;
	v.bits[k / 64] |= 1ull << (k % 64);
	v.reached++;
	if (!(s->bits[idx / 64].alloc & (1ull << (idx % 64))))
		fail("freed (its slot is not allocated)", p, obj, s, w);
	if (!gc_is_marked(s, idx))
		fail("not marked", p, obj, s, w);
	if (gc_kind(s) == GC_KIND_SCAN)
		vpush((void *)obj);
}

static void vscan(void *obj)
{
	const struct gc_hdr *h = obj;
	const struct gc_type *t = h->type;
	struct gc_where w = {.what = "object", .base = obj, .name = t->name};

	for (uint64_t i = 0; i < h->n; i++)
		for (unsigned k = 0; k < t->size / 8; k++) {
			if (!(t->ptrmap[k / 64] >> (k % 64) & 1))
				continue;
			w.off = GC_HDR + i * t->size + k * 8;
			void *p = shared_load_ptr(
			    (void *const volatile *)((char *)obj + w.off));
			if (p != NULL)
				vref(p, &w, NULL);
		}
}

void gc_verify(void)
{
	size_t words = mheap.npages * SLOTS_PER_PAGE / 64;

	if (v.bits == NULL) {
		v.bits = sf_malloc(words * sizeof(uint64_t));
		if (v.bits == NULL)
			panic("gc verify: no memory for %zu words", words);
	}
	memset(v.bits, 0, words * sizeof(uint64_t));
	v.n = 0;
	v.reached = 0;
	/* The driver holds the roots lock (termination). */
	for (size_t i = 0; i < gc.nroots; i++) {
		void *p =
		    shared_load_ptr((void *const volatile *)gc.roots[i].slot);
		struct gc_where w = {.what = "root", .name = gc.roots[i].name};
		if (p != NULL)
			vref(p, &w, NULL);
	}
	for (uint32_t i = 0; i < gc.nclaims; i++)
		gc_visit_task_stack(gc.claims[i], vref, NULL);
	uint32_t e = shared_load32(&gc.hs_epoch);
	for (unsigned h = 0; h < MAX_HARTS; h++) {
		struct gc_hart *gh = &gc_harts[h];
		struct gc_where w = {.what = "running task's stack"};
		/* Only harts that answered this stop collected roots now (an
		 * idle one runs no task; its array is its own to reset). */
		if (shared_load32(&gh->ack) != e)
			continue;
		for (size_t i = 0; i < gh->nvroots; i++)
			vref(gh->vroots[i], &w, NULL);
	}
	while (v.n > 0)
		vscan(v.stack[--v.n]);
	atomic_fetch_add64(&gc.verified, 1);
}
