/*
 * scan.c - what the collector (issue 5) calls: the task registry, claiming
 * a task for a stack scan, the precise stack scan, and the safepoint word.
 *
 * Registry: every live task is on one list under registry_lock, from
 * task_spawn() until its exit; task_for_each() walks it under the lock.
 *
 * Scanning a task that is not running: task_scan_begin() moves stack_state
 * PARKED -> SCANNING with a CAS, then TASK_CLAIM (acquire). Pairs with
 * TASK_PARK, the release every PARKED store is made with: the task's own
 * park (sched.c) and a previous scanner's task_scan_end(). While SCANNING,
 * the scheduler will not resume the task (its own CAS fails), so the stack,
 * the defer chain and the refs are stable and the record stays valid.
 * task_scan_end() stores PARKED with TASK_PARK. Typical use: claim in the
 * task_for_each() callback, scan after it returns, then end the scan.
 *
 * Scanning a running task: task_request_safepoint(t) sets t->safepoint; the
 * task polls it at its next push, pop or yield, clears it and calls the
 * hook (task_set_safepoint_hook) on its own hart, where it may scan itself
 * with task_scan_stack(t, ...). That is all the handshake this file does;
 * ordering between the collector's request and what the hook reads, and
 * waiting for the hook, are the collector's to define (issue 5).
 *
 * task_scan_stack() visits, with a kind: every pointer slot of every frame
 * (descriptor bitmaps, from the top frame down), the arg of every defer
 * record (heap and stack), and the slot of every open ref (which points
 * into this same stack, at a slot visited as a frame slot too). A visitor
 * loads *slot with shared_load_ptr (heap records' words are shared).
 */
#include "console.h"
#include "task_internal.h"

static struct spinlock registry_lock;
static struct task *registry;		 /* under registry_lock */
static volatile uint64_t safepoint_hook; /* void (*)(struct task *) */

void task_registry_add(struct task *t)
{
	spin_lock(&registry_lock);
	t->all_prev = NULL;
	t->all_next = registry;
	if (registry)
		registry->all_prev = t;
	registry = t;
	spin_unlock(&registry_lock);
}

void task_registry_remove(struct task *t)
{
	spin_lock(&registry_lock);
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		registry = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	t->all_prev = t->all_next = NULL;
	spin_unlock(&registry_lock);
}

void task_for_each(void (*fn)(struct task *t, void *ctx), void *ctx)
{
	spin_lock(&registry_lock);
	for (struct task *t = registry; t; t = t->all_next)
		fn(t, ctx);
	spin_unlock(&registry_lock);
}

bool task_scan_begin(struct task *t)
{
	if (!atomic_cas32(&t->stack_state, TASK_STACK_PARKED,
			  TASK_STACK_SCANNING))
		return false;
	/* Orders our reads of t's stack after the claim; pairs with
	 * TASK_PARK before the PARKED store we replaced. */
	acquire_barrier(BARRIER_TASK_CLAIM);
	return true;
}

void task_scan_end(struct task *t)
{
	if (shared_load32(&t->stack_state) != TASK_STACK_SCANNING)
		panic("task_scan_end: task '%s' was not claimed", t->name);
	/* Orders the scan's reads before the task may run again; pairs
	 * with TASK_CLAIM after the scheduler's CAS. */
	release_barrier(BARRIER_TASK_PARK);
	shared_store32(&t->stack_state, TASK_STACK_PARKED);
}

void task_scan_stack(struct task *t, task_visit_fn visit, void *ctx)
{
	if (t != this_task() &&
	    shared_load32(&t->stack_state) != TASK_STACK_SCANNING)
		panic("task_scan_stack: task '%s' is neither claimed nor the "
		      "caller",
		      t->name);
	for (struct frame *f = LOAD_PTR(t->frame); f; f = frame_parent(f)) {
		const struct frame_desc *d = f->desc;
		for (unsigned w = 0; d->ptrmap && w * 64 < d->nslots; w++)
			for (uint64_t m = frame_ptr_bits(d, w); m; m &= m - 1)
				visit((void **)&f
					  ->slot[w * 64 + bit_index(m & -m)],
				      TASK_SLOT_FRAME, t, ctx);
	}
	for (struct defer *d = LOAD_PTR(t->defer); d; d = DLOAD(d, link))
		visit(&d->arg, TASK_SLOT_DEFER_ARG, t, ctx);
	for (struct stack_ref *r = t->refs; r; r = r->next)
		visit((void **)&r->slot, TASK_SLOT_REF, t, ctx);
}

void task_request_safepoint(struct task *t)
{
	shared_store32(&t->safepoint, 1);
}

void task_set_safepoint_hook(void (*hook)(struct task *t))
{
	shared_store64(&safepoint_hook, (uint64_t)(uintptr_t)hook);
}

void (*task_safepoint_hook_get(void))(struct task *t)
{
	return (void (*)(struct task *))(uintptr_t)shared_load64(
	    &safepoint_hook);
}
