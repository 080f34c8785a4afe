/*
 * copy.c - growing and shrinking a managed stack by copying it.
 *
 * The Go runtime's copystack, for the data stacks of task.h. A task moves
 * its own stack, on its own hart, while it runs (stack_state RUNNING): from
 * a push or a stack defer that does not fit (stack_grow), or at a safe point
 * when less than a quarter is used (stack_maybe_shrink). Steps:
 *
 *   1. allocate the new stack (stack.c): a MANUAL span already published
 *      with BARRIER_SPAN_PUBLISH (see "the ordering point" below);
 *   2. stack_state = COPYING;
 *   3. copy the used part [stack_lo, sp) to the bottom of the new stack;
 *   4. in the copy, adjust every pointer slot of every frame (by the
 *      descriptor bitmaps) that points into the old stack [lo, hi);
 *   5. adjust the defer chain: t->defer, every record's link, frame and arg
 *      (stack records in the copy, heap records in place);
 *   6. adjust every open stack_ref's slot;
 *   7. switch the task: stack_lo, stack_hi, sp, frame;
 *   8. stack_state = RUNNING;
 *   9. free the old stack (held, not returned to the heap, while the
 *      collector marks: stack.c).
 *
 * The callers adjust what only they know about: frame_push_args() its
 * arguments, defer_push() its arg (through the struct reloc they get back).
 *
 * Cost: one memcpy of the used bytes plus one pass over the frames and
 * their pointer words, the defer chain and the refs: linear in the used
 * size (bench/task_bench.c measures it). Growth doubles, so a stack that
 * reaches n bytes has copied less than n bytes in total on the way.
 *
 * What the collector may assume: a claimed task is never in the middle of
 * this (a scanner can only claim a PARKED task, and the task is RUNNING or
 * COPYING throughout); every pointer into the new stack it loads
 * concurrently (task fields, heap defer records, refs) was stored after the
 * new span's publication; the old stack stays MANUAL while held.
 */
#include <string.h>

#include "task_internal.h"

static void adjust_frames(struct frame *f, struct reloc *rel)
{
	/* In locals: a store to a slot could alias *rel for the compiler. */
	const uintptr_t lo = rel->lo, size = rel->hi - rel->lo;
	const uintptr_t delta = (uintptr_t)rel->delta;
	uint64_t n = 0;

	for (; f; f = frame_parent(f)) {
		const struct frame_desc *d = f->desc;
		for (unsigned w = 0; d->ptrmap && w * 64 < d->nslots; w++) {
			uintptr_t *slots = &f->slot[w * 64];
			for (uint64_t m = frame_ptr_bits(d, w); m; m &= m - 1) {
				uintptr_t *p = &slots[bit_index(m & -m)];
				if (*p - lo < size) {
					*p += delta;
					n++;
				}
			}
		}
	}
	rel->adjusted += n;
}

/* Move t's stack to a new one of newsize bytes. 0 or a task_err. */
static int stack_copy(struct task *t, size_t newsize, struct reloc *rel)
{
	char *old_lo = LOAD_PTR(t->stack_lo);
	char *old_hi = LOAD_PTR(t->stack_hi);
	size_t used = (size_t)((char *)LOAD_PTR(t->sp) - old_lo);
	char *lo = stack_alloc(newsize);

	if (!lo) {
		task_set_error(t, TASK_ENOMEM,
			       "task '%s': no memory for a stack of %zu bytes",
			       t->name, newsize);
		return TASK_ENOMEM;
	}

	/*
	 * THE ORDERING POINT (golang/go#35541). The new stack lies in a
	 * MANUAL span that is already published: span_alloc_manual() ended
	 * with publication_barrier(BARRIER_SPAN_PUBLISH) just now, or, for a
	 * pooled stack, when the pool carved its span. Every store below of
	 * a pointer into [lo, lo + newsize) that the collector can load
	 * concurrently - t->defer, a heap record's link/frame/arg, a ref's
	 * slot, t->stack_lo/stack_hi/sp/frame - comes after that barrier, so
	 * a collector that loads such a pointer and looks it up with
	 * span_of() finds the MANUAL span, never a page it thinks is free.
	 * Nothing here may store such a pointer before stack_alloc()
	 * returns.
	 */
	/* From RUNNING, which no scanner can claim: nothing on another hart
	 * acts on COPYING, so entering it needs no barrier, nor does leaving
	 * it (below). It tells a diagnostic reader why the stack
	 * bounds and the task's pointers may disagree just now. */
	shared_store32(&t->stack_state, TASK_STACK_COPYING);
	memcpy(lo, old_lo, used);
	*rel = (struct reloc){
	    .lo = (uintptr_t)old_lo,
	    .hi = (uintptr_t)old_hi,
	    .delta = (intptr_t)((uintptr_t)lo - (uintptr_t)old_lo),
	};
	struct frame *f = reloc_ptr(rel, LOAD_PTR(t->frame));
	adjust_frames(f, rel);
	defer_adjust(t, rel);
	refs_adjust(t, rel);
	STORE_PTR(t->stack_lo, lo);
	STORE_PTR(t->stack_hi, lo + newsize);
	STORE_PTR(t->sp, lo + used);
	STORE_PTR(t->frame, f);
	/* No barrier here. Nothing on another hart acts on RUNNING (a
	 * scanner claims only PARKED, whose store follows TASK_PARK), and
	 * the moved pointers above need no order against the old stack's
	 * free: a pooled or held stack stays MANUAL (a stale pointer into it
	 * is no error), and one returned to the page heap is retired by
	 * span_free, whose SPAN_RETIRE orders these stores before its state
	 * FREE. (A barrier STACK_SWITCH stood here; no mutant could show it
	 * was needed, and this is why.) */
	shared_store32(&t->stack_state, TASK_STACK_RUNNING);
	stack_free(old_lo, (size_t)(old_hi - old_lo));
	return 0;
}

int stack_grow(struct task *t, size_t need, const char *what, struct reloc *rel)
{
	size_t size = task_stack_size(t);
	size_t used = task_stack_used(t);
	size_t newsize = size * 2;

	while (newsize < used + need)
		newsize *= 2;
	if (newsize > t->stack_max) {
		task_set_error(t, TASK_ESTACKMAX,
			       "task '%s': stack overflow pushing %s (%zu "
			       "bytes) on %zu used: the maximum is %zu bytes",
			       t->name, what, need, used, t->stack_max);
		return TASK_ESTACKMAX;
	}
	int err = stack_copy(t, newsize, rel);
	if (err == 0) {
		struct task_stats d = {.growths = 1,
				       .bytes_copied = used,
				       .ptrs_adjusted = rel->adjusted};
		task_stats_add(t, &d);
	}
	return err;
}

void stack_maybe_shrink(struct task *t)
{
	size_t size = task_stack_size(t);
	size_t used = task_stack_used(t);
	struct reloc rel;

	if (size <= TASK_STACK_MIN || used >= size / 4)
		return;
	/* Out of memory: keep the bigger stack, it is not an error. */
	if (stack_copy(t, size / 2, &rel) != 0) {
		t->err = TASK_OK;
		t->errmsg[0] = '\0';
		return;
	}
	struct task_stats d = {
	    .shrinks = 1, .bytes_copied = used, .ptrs_adjusted = rel.adjusted};
	task_stats_add(t, &d);
}
