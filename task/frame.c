/*
 * frame.c - pushing and popping frames on the managed stack.
 *
 * Layout (the stack grows upwards; include/task.h has the model):
 *
 *   stack_lo                                            sp          stack_hi
 *   | frame A | defers of A | frame B | defers of B |   free ...      |
 *                                ^ t->frame
 *
 * A frame is a header (descriptor, distance back to the previous frame)
 * and desc->nslots words, all zeroed by the push so a pointer slot never
 * holds garbage. Stack defer records of a frame sit above it and below any
 * younger frame; popping a frame resets sp to the frame's own address,
 * which releases them too.
 *
 * Invariants (hold whenever the task is not inside push/pop/copy):
 *   - stack_lo <= frame < sp <= stack_hi, or frame == NULL and every
 *     byte below sp belongs to no frame (sp == stack_lo).
 *   - frame_parent() of each frame is a lower frame or NULL.
 *   - every pointer slot is NULL, a heap pointer, or points into
 *     [stack_lo, sp).
 *
 * Push and pop are safe points for the collector's request (the poll is a
 * single load of t->safepoint); the stack is only ever shrunk at
 * task_yield/task_safepoint, never inside push or pop.
 *
 * The common case of both (room for the frame; no defer record, open ref
 * or safepoint request at the frame) is inline in include/task.h, with
 * this_task() and frame_top(); this file has everything else.
 */
#include "console.h"
#include "task_internal.h"

static struct task *current_or_panic(const char *what)
{
	struct task *t = this_task();

	if (!t)
		panic("%s outside a task", what);
	return t;
}

/* Everything but the common case (include/task.h's inline frame_push): a
 * safepoint request, growth, args. */
static __attribute__((noinline)) struct frame *
push_slow(struct task *t, const struct frame_desc *d, const uintptr_t *args,
	  unsigned nargs)
{
	size_t bytes = frame_bytes(d);
	struct reloc rel = {0};

	safepoint_poll(t);
	if (unlikely(nargs > d->nslots))
		panic("frame_push_args: %u arguments for the %u slots of '%s'",
		      nargs, d->nslots, d->name);
	if ((size_t)((char *)LOAD_PTR(t->stack_hi) - (char *)LOAD_PTR(t->sp)) <
		bytes &&
	    stack_grow(t, bytes, d->name, &rel) != 0)
		return NULL;
	struct frame *f = task_frame_place(t, d, LOAD_PTR(t->sp));
	for (unsigned i = 0; i < nargs; i++) {
		uintptr_t v = args[i];
		/* A stack pointer argument of a push that moved the stack:
		 * the caller's copy (a C local) is stale, this one is not. */
		if (frame_desc_is_ptr(d, i))
			reloc_adjust_word(&rel, &v);
		f->slot[i] = v;
	}
	return f;
}

struct frame *frame_push_slow(const struct frame_desc *d)
{
	return push_slow(current_or_panic("frame_push"), d, NULL, 0);
}

struct frame *frame_push_args(const struct frame_desc *d, const uintptr_t *args,
			      unsigned nargs)
{
	return push_slow(current_or_panic("frame_push_args"), d, args, nargs);
}

struct frame *frame_push_or_panic(const struct frame_desc *d)
{
	struct frame *f = frame_push(d);

	if (!f)
		panic("%s", this_task()->errmsg);
	return f;
}

/* Everything but the common case (include/task.h's inline frame_pop): the
 * frame's defers and refs, the safepoint poll, a missing frame. */
static __attribute__((noinline)) void pop_slow(struct task *t)
{
	struct frame *f = LOAD_PTR(t->frame);

	if (!f)
		panic("frame_pop: task '%s' has no frame", t->name);
	/* Deferred calls may push (and so move the stack): f is fetched
	 * again after them. */
	defer_run_frame(t);
	f = LOAD_PTR(t->frame);
	refs_close_from(t, (char *)f);
	STORE_PTR(t->sp, (char *)f);
	STORE_PTR(t->frame, frame_parent(f));
	safepoint_poll(t);
}

void frame_pop_slow(void)
{
	pop_slow(current_or_panic("frame_pop"));
}

void frame_pop_all(struct task *t)
{
	while (LOAD_PTR(t->frame))
		pop_slow(t);
}

void task_safepoint_slow(struct task *t)
{
	void (*hook)(struct task *) = task_safepoint_hook_get();

	shared_store32(&t->safepoint, 0);
	if (hook)
		hook(t);
}
