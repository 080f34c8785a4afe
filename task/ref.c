/*
 * ref.c - heap->stack references, like Lua's open upvalues.
 *
 * A struct stack_ref lives inside some heap object. While open it points at
 * a slot of its task's managed stack and is on the task's list of open refs
 * (t->refs, highest slot first, so closing at a pop looks only at the head).
 * Relocation rewrites r->slot (shared: the collector may load it at any
 * time); popping the frame that holds the slot closes the ref: the slot's
 * current value is copied into r->closed and r->slot points there from then
 * on. Readers always go through stack_ref_slot(r), so they never care which.
 *
 * Only the owning task opens, closes and walks its list; a scanner that
 * claimed the task may read the list (task_scan_stack).
 */
#include "console.h"
#include "task_internal.h"

void stack_ref_open(struct stack_ref *r, uintptr_t *slot)
{
	struct task *t = this_task();

	if (!t)
		panic("stack_ref_open outside a task");
	if ((char *)slot < (char *)LOAD_PTR(t->stack_lo) ||
	    (char *)slot >= (char *)LOAD_PTR(t->sp))
		panic("stack_ref_open: %p is not in the stack of task '%s'",
		      (void *)slot, t->name);
	struct stack_ref **pp = &t->refs;
	while (*pp && stack_ref_slot(*pp) > slot)
		pp = &(*pp)->next;
	r->closed = 0;
	r->task = t;
	STORE_PTR(r->slot, slot);
	r->next = *pp;
	*pp = r;
}

static void close_ref(struct task *t, struct stack_ref *r)
{
	struct stack_ref **pp = &t->refs;

	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	r->closed = *stack_ref_slot(r);
	STORE_PTR(r->slot, &r->closed);
	r->next = NULL;
	r->task = NULL;
}

void stack_ref_close(struct stack_ref *r)
{
	if (!r->task)
		return;
	if (r->task != this_task())
		panic("stack_ref_close: the ref belongs to task '%s'",
		      r->task->name);
	close_ref(r->task, r);
}

void refs_close_from(struct task *t, char *limit)
{
	while (t->refs && (char *)stack_ref_slot(t->refs) >= limit)
		close_ref(t, t->refs);
}

void refs_adjust(struct task *t, struct reloc *rel)
{
	for (struct stack_ref *r = t->refs; r; r = r->next)
		STORE_PTR(r->slot, reloc_ptr(rel, stack_ref_slot(r)));
}
