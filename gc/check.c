/*
 * check.c - the collector's pointer check (gc.h, "POINTER CHECKING").
 *
 * Every pointer the collector finds that lies in the arena must land in
 * an in-use span: SMALL or LARGE (collected or malloc) or MANUAL (a task
 * stack). Anything else - a FREE span, or pages inside a free run, which
 * the span map leaves NULL - is reported the way the Go runtime reports
 * it (runtime/mbitmap.go, badPointer) and is fatal.
 */
#include "gc.h"

static volatile uint32_t report_lock; /* one report at a time */

/* The free run holding p (the span map names only its first and last
 * pages), or NULL. Only on the error path. */
static struct span *free_run_of(const void *p)
{
	size_t page = ((uintptr_t)p - mheap.arena) >> PAGE_SHIFT;

	for (size_t i = page + 1; i-- > 0;) {
		struct span *s = shared_load_ptr(&mheap.spanmap[i]);
		if (s != NULL)
			return (uintptr_t)p < s->base + ((uintptr_t)s->npages
							 << PAGE_SHIFT)
				   ? s
				   : NULL;
	}
	return NULL;
}

static void dump_words(const void *base, size_t size, size_t mark_off)
{
	const uintptr_t *w = base;
	size_t n = size / sizeof(uintptr_t);

	/* Like Go: around the bad word when the object is big. */
	size_t first = 0, last = n;
	if (n > 32) {
		first = mark_off / 8 > 8 ? mark_off / 8 - 8 : 0;
		last = first + 32 < n ? first + 32 : n;
	}
	if (first > 0)
		kprintf(" ...\n");
	for (size_t i = first; i < last; i++)
		kprintf(" *(object+%zu) = %p%s\n", i * 8,
			(void *)shared_load_ptr((void *const volatile *)&w[i]),
			i * 8 == mark_off ? " <==" : "");
	if (last < n)
		kprintf(" ...\n");
}

/* Print where the pointer was found. */
static void report_where(const struct gc_where *w)
{
	if (w == NULL) {
		kprintf("runtime: found in an unknown place\n");
		return;
	}
	if (w->base == NULL) {
		kprintf("runtime: found in %s%s%s\n", w->what,
			w->name ? " " : "", w->name ? w->name : "");
		return;
	}
	kprintf("runtime: found in %s at *(%p+0x%zx)\n", w->what, w->base,
		w->off);
	struct span *s = span_of(w->base);
	size_t size = 0;
	if (s != NULL) {
		uint32_t state = shared_load32(&s->state);
		uintptr_t obj = s->base;
		if (state == SPAN_SMALL) {
			unsigned idx;
			span_slot(s, w->base, &idx);
			obj += (uintptr_t)idx * s->elemsize;
		}
		size = state == SPAN_SMALL   ? s->elemsize
		       : state == SPAN_LARGE ? (size_t)s->npages << PAGE_SHIFT
					     : 0;
		kprintf(
		    "object=%p s.base()=%p s.limit=%p s.sizeclass=%u "
		    "s.elemsize=%zu s.state=%s%s\n",
		    (void *)obj, (void *)s->base,
		    (void *)(s->base + ((uintptr_t)s->npages << PAGE_SHIFT)),
		    s->sizeclass, size, span_state_name(state),
		    gc_kind(s) == GC_KIND_SCAN	   ? " (collected)"
		    : gc_kind(s) == GC_KIND_NOSCAN ? " (collected, noscan)"
		    : state == SPAN_MANUAL	   ? ""
						   : " (malloc)");
		if (w->name != NULL)
			kprintf("object: %s%s%s\n",
				w->task ? "task '" : "type ", w->name,
				w->task ? "'" : "");
		if (size > 4096)
			size = 4096;
		if (span_state_has_objects(state)) {
			size_t off = (uintptr_t)w->base + w->off - obj;
			dump_words((const void *)obj, size, off);
		}
	} else if (w->name != NULL) {
		kprintf("object: %s\n", w->name);
	}
}

/*
 * p, found where w says, looked unallocated: span s (NULL: none in the
 * span map) in state `state` when the caller checked it. Reported with
 * what the caller saw; if the span map says otherwise by now (a span
 * published late: the seed's case), that is printed too.
 */
void gc_bad_pointer_seen(const void *p, struct span *s, uint32_t state,
			 const struct gc_where *w)
{
	uintptr_t base = 0, limit = 0;

	atomic_fetch_add64(&gc.bad_pointers, 1);
	if (shared_load32(&gc.bad_nonfatal))
		return;
	while (atomic_swap32(&report_lock, 1) != 0)
		gc_relax();
	struct span *now = span_of(p);
	if (s == NULL)
		s = free_run_of(p);
	if (s != NULL) {
		base = s->base;
		limit = s->base + ((uintptr_t)s->npages << PAGE_SHIFT);
	}
	if (state == SPAN_SMALL && s != NULL && (uintptr_t)p >= base &&
	    (uintptr_t)p < limit)
		kprintf("runtime: pointer %p past the last object of span "
			"span.base()=%p span.limit=%p span.state=%s (%u "
			"objects of %u bytes)\n",
			p, (void *)base, (void *)limit, span_state_name(state),
			s->nelems, s->elemsize);
	else
		kprintf(
		    "runtime: pointer %p to unallocated span span.base()=%p "
		    "span.limit=%p span.state=%s\n",
		    p, (void *)base, (void *)limit, span_state_name(state));
	if (now != NULL && shared_load32(&now->state) != state)
		kprintf("runtime: (the span map now says span.base()=%p "
			"span.state=%s: published after the pointer was "
			"visible)\n",
			(void *)now->base,
			span_state_name(shared_load32(&now->state)));
	report_where(w);
	if (w != NULL && w->task != NULL)
		kprintf(
		    "runtime: task '%s' stack [%p, %p) state %u\n",
		    task_name(w->task),
		    shared_load_ptr((void *const volatile *)&w->task->stack_lo),
		    shared_load_ptr((void *const volatile *)&w->task->stack_hi),
		    shared_load32(&w->task->stack_state));
	panic("found bad pointer in heap (gc cycle %lu, hart %u)",
	      (unsigned long)shared_load64(&gc.cycle), this_hart()->index);
}

void gc_bad_pointer(const void *p, struct span *s, const struct gc_where *w)
{
	gc_bad_pointer_seen(p, s, s ? shared_load32(&s->state) : SPAN_FREE, w);
}

struct span *gc_checked_span(const void *p, const struct gc_where *w)
{
	if ((uintptr_t)p - mheap.arena >= mheap.arena_size)
		return NULL; /* not a heap pointer: a global, a C object */
	struct span *s = span_of(p);
	uint32_t state = SPAN_FREE;
	if (s != NULL) {
		state = shared_load32(&s->state);
		if (span_state_has_objects(state))
			return s;
		if (state == SPAN_MANUAL)
			return NULL; /* a task stack: fine, not followed */
	}
	gc_bad_pointer_seen(p, s, state, w);
	return NULL;
}
