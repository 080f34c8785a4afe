/*
 * gc_badptr.c - the collector's fatal pointer check, on the host. Not a
 * KTAP test: each mode must end the program with EXIT_PANIC (2) after a
 * report in the Go runtime's words; tests/gc/badptr-check.sh judges it.
 *
 *   GC_BADPTR=object  a collected object (held by a root) has a field that
 *                     points into pages no span owns.
 *   GC_BADPTR=free    free() of a collected object: the heap refuses it
 *                     (heap/cache.c, the span's collected flag).
 *   GC_BADPTR=task    the seed's shape, forced: a task's defer record lies
 *                     on its stack (t->defer points into the stack) and the
 *                     stack's span is freed under it while the task runs;
 *                     the collector, scanning task records concurrently,
 *                     loads t->defer and finds a pointer to an unallocated
 *                     span - what golang/go#35541 saw when the new stack's
 *                     span was not yet visible.
 */
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "console.h"
#include "gc.h"
#include "hart.h"
#include "spanfence.h"
#include "task.h"
#include "../heap/heap.h"

struct obj {
	struct obj *next;
	void *field;
	long key;
};
static const struct gc_type obj_type = GC_TYPE("badptr.obj", struct obj, 0x3);
static struct obj *root;

/* An address in pages that no span owns (the heap fills from the bottom). */
static char *free_pages(void)
{
	char *p =
	    (char *)(mheap.arena + mheap.arena_size - 5 * PAGE_SIZE + 0x40);
	struct span *s = span_of(p);

	if (s != NULL && shared_load32(&s->state) != SPAN_FREE)
		panic("badptr: the end of the arena is in use");
	return p;
}

static void object_mode(void)
{
	gc_mutator_enter();
	gc_root_register(&root, "badptr root");
	struct obj *o = gc_alloc(&obj_type);
	o->key = 42;
	gc_store(&root, o);
	/* Behind the barrier's back: an invalid pointer in a field. */
	shared_store_ptr((void *volatile *)&o->field, free_pages());
	gc_collect();
	gc_mutator_leave();
}

static void free_mode(void)
{
	gc_mutator_enter();
	sf_free(gc_alloc(&obj_type));
	gc_mutator_leave();
}

static void dummy(void *arg, uintptr_t data)
{
	(void)arg;
	(void)data;
}

static const struct frame_desc fd = FRAME_DESC("badptr.frame", 2, 0x1);

static void *task_body(void *arg)
{
	struct task *t = task_current();

	(void)arg;
	frame_push_or_panic(&fd);
	defer_push(DEFER_STACK, dummy, NULL, 0); /* t->defer -> the stack */
	/* Warm up: after a few cycles the collector allocates nothing more
	 * (its tables and buffers are kept), so nothing takes the pages we
	 * free before its next pass over the task records. */
	for (int i = 0; i < 5; i++)
		gc_collect();
	struct span *s = span_of(t->stack_lo);
	if (s == NULL || s->base != (uintptr_t)t->stack_lo)
		panic("badptr: the stack is not a span of its own");
	/* The stack's span back to the page heap, under the running task. */
	span_free_manual(s);
	for (;;)
		gc_collect();
	return NULL;
}

static void task_mode(void)
{
	struct task_opts o = {.stack_size = 32 * 1024};
	struct task *t =
	    task_spawn(task_mutator_hart(0), "seed-shape", task_body, NULL, &o);

	if (t == NULL)
		panic("badptr: spawn");
	sched_run_all();
}

int guest_main(void);
int guest_main(void)
{
	const char *mode = getenv("GC_BADPTR");

	gc_init(NULL);
	if (mode && strcmp(mode, "task") == 0)
		task_mode();
	else if (mode && strcmp(mode, "free") == 0)
		free_mode();
	else
		object_mode();
	kprintf("badptr: no bad pointer was reported\n");
	return 1;
}
