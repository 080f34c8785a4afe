/*
 * defer.c - deferred calls, Go style, with records on the heap or stack.
 *
 * A task has one chain of defer records, newest first (t->defer, then each
 * record's link). A record belongs to the frame that was current when it
 * was pushed (record->frame) and runs when that frame is popped; the frame's
 * records are always at the head of the chain, because younger frames have
 * run theirs by then (LIFO). The chain mixes:
 *
 *   heap records    sf_malloc'ed, freed once run. Their link, frame and arg
 *                   are heap->stack pointers the collector may load at any
 *                   time: written and read with shared_*.
 *   stack records   bump-allocated at sp above their frame (growing the
 *                   stack if needed), released when the frame pops. Plain
 *                   memory, like frame slots.
 *
 * Relocation (copy.c) walks the whole chain and adjusts every record's
 * link, frame and arg that points into the old stack; stack records have
 * moved with the copy, heap records are adjusted in place. Their words are
 * not in any frame's bitmap, so nothing is adjusted twice.
 *
 * A record is unlinked (and a heap record freed) before its function runs,
 * so it runs exactly once even if the function pushes, yields, or defers
 * again (a record it defers belongs to whatever frame is current then, and
 * runs when that frame pops - in the popping frame's case, right after).
 */
#include "console.h"
#include "task_internal.h"

int defer_push(enum defer_where where, defer_fn fn, void *arg, uintptr_t data)
{
	struct task *t = this_task();
	struct defer *d;

	if (!t)
		panic("defer_push outside a task");
	if (!LOAD_PTR(t->frame))
		panic("defer_push: task '%s' has no frame to defer to",
		      t->name);
	if (where == DEFER_HEAP) {
		d = sf_malloc(sizeof(*d));
		if (!d) {
			task_set_error(
			    t, TASK_ENOMEM,
			    "task '%s': no memory for a defer record", t->name);
			return TASK_ENOMEM;
		}
		d->heap = 1;
	} else {
		char *sp = LOAD_PTR(t->sp);
		if ((size_t)((char *)LOAD_PTR(t->stack_hi) - sp) < sizeof(*d)) {
			struct reloc rel = {0};
			if (stack_grow(t, sizeof(*d), "a defer record", &rel))
				return t->err;
			/* arg is a C copy: adjust it like a frame argument. */
			arg = reloc_ptr(&rel, arg);
			sp = LOAD_PTR(t->sp);
		}
		d = (struct defer *)sp;
		STORE_PTR(t->sp, sp + sizeof(*d));
		d->heap = 0;
	}
	d->fn = fn;
	d->data = data;
	DSTORE(d, link, LOAD_PTR(t->defer));
	DSTORE(d, frame, LOAD_PTR(t->frame));
	DSTORE(d, arg, arg);
	/* A collector reaches a record's fields only through a claimed or
	 * self-scanned task (acquire, or this hart), so this store needs no
	 * barrier of its own; it is shared because the collector may load
	 * t->defer itself at any time. */
	STORE_PTR(t->defer, d);
	return 0;
}

void defer_run_frame(struct task *t)
{
	for (;;) {
		struct defer *d = LOAD_PTR(t->defer);
		if (!d || DLOAD(d, frame) != LOAD_PTR(t->frame))
			return;
		STORE_PTR(t->defer, DLOAD(d, link));
		defer_fn fn = d->fn;
		uintptr_t data = d->data;
		void *arg = DLOAD(d, arg);
		if (d->heap)
			sf_free(d);
		fn(arg, data);
	}
}

void defer_adjust(struct task *t, struct reloc *rel)
{
	/* The head first: from then on the walk follows adjusted links, so
	 * it visits the stack records in their new place. */
	struct defer *d = reloc_ptr(rel, LOAD_PTR(t->defer));

	STORE_PTR(t->defer, d);
	for (; d; d = DLOAD(d, link)) {
		DSTORE(d, link, reloc_ptr(rel, DLOAD(d, link)));
		DSTORE(d, frame, reloc_ptr(rel, DLOAD(d, frame)));
		DSTORE(d, arg, reloc_ptr(rel, DLOAD(d, arg)));
	}
}
