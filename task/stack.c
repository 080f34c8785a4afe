/*
 * stack.c - memory for managed stacks.
 *
 * Every managed stack is a power-of-two size, at least TASK_STACK_MIN, and
 * lies in a MANUAL span of the heap (span_alloc_manual), so the collector
 * can tell a pointer into a stack from a pointer into a free page: span_of()
 * of any address in a stack, live or freed, finds a MANUAL span for as long
 * as the collector may still hold it (see "held" below).
 *
 *   2, 4, 8, 16 KiB   from a pool per size. A pool carves a 32 KiB manual
 *                     span into stacks and keeps freed stacks on a free
 *                     list (linked through their first word). Pool spans
 *                     stay MANUAL for good: their stacks are reused, never
 *                     handed back to the heap.
 *   32 KiB and up     a span of their own (size / PAGE_SIZE pages),
 *                     returned to the heap when freed - unless held.
 *
 * Publication: span_alloc_manual() ends with
 * publication_barrier(BARRIER_SPAN_PUBLISH), so a stack is published before
 * its caller stores any pointer into it (copy.c relies on this). A pooled
 * stack lies in a span published when the pool carved it, before the pool
 * lock's release handed it to anyone.
 *
 * Held frees: between task_stacks_hold() and task_stacks_release() (the
 * collector brackets its mark phase with them, as Go keeps stack spans
 * during a GC) a freed large stack's span is queued, still MANUAL, instead of
 * going back to the heap, where it could become a heap span while the
 * collector still holds an old pointer into it. Past HELD_REUSE_BYTES
 * queued, a new stack of the same size reuses a queued one (held_take).
 * The hold count and the queue are under one lock: a free that completed
 * before task_stacks_hold() returned happened after the stores that
 * replaced every pointer to it (copy.c frees the old stack last), and the
 * lock orders those stores before whatever the holder loads next.
 */
#include "console.h"
#include "task_internal.h"

#define POOL_SPAN_BYTES (32 * 1024)
#define POOL_ORDERS	4 /* 2, 4, 8, 16 KiB */

_Static_assert(TASK_STACK_MIN << POOL_ORDERS == POOL_SPAN_BYTES,
	       "pools cover the sizes below one pool span");
_Static_assert(POOL_SPAN_BYTES % PAGE_SIZE == 0, "a pool span is whole pages");

struct pool {
	struct spinlock lock;
	char *free; /* free stacks, linked through their first word */
} __attribute__((aligned(64)));

static struct pool pools[POOL_ORDERS];

static struct spinlock held_lock;
static uint32_t held_count; /* under held_lock */
static char *held_list;	    /* freed large stacks, under held_lock */

static unsigned pool_order(size_t size)
{
	unsigned order = 0;

	while ((size_t)TASK_STACK_MIN << order < size)
		order++;
	return order;
}

/*
 * While held frees are queued, more than HELD_REUSE_BYTES of them are
 * reused for new stacks of the same size (held_take) rather than more
 * pages taken from the heap: a collector that marks back to back would
 * otherwise hold every stack freed meanwhile and run the heap out of
 * pages. A reused stack stays MANUAL, so a stale pointer into it still
 * lands in a stack span (Go reuses its deferred stacks the same way).
 * Below the threshold new stacks are new spans, published as such.
 */
#define HELD_REUSE_BYTES (8u << 20)
static size_t held_bytes; /* under held_lock */

static char *held_take(size_t size)
{
	char *x = NULL;

	spin_lock(&held_lock);
	if (held_bytes > HELD_REUSE_BYTES)
		for (char **pp = &held_list; *pp; pp = (char **)*pp)
			if ((size_t)span_of(*pp)->npages * PAGE_SIZE == size) {
				x = *pp;
				*pp = *(char **)x;
				held_bytes -= size;
				break;
			}
	spin_unlock(&held_lock);
	return x;
}

char *stack_alloc(size_t size)
{
	if (size < TASK_STACK_MIN || (size & (size - 1)) != 0)
		panic("stack_alloc: bad stack size %zu", size);
	if (size >= POOL_SPAN_BYTES) {
		char *x = held_take(size);
		if (x)
			return x;
		struct span *s = span_alloc_manual(size / PAGE_SIZE);
		return s ? (char *)s->base : NULL;
	}
	struct pool *p = &pools[pool_order(size)];
	spin_lock(&p->lock);
	if (!p->free) {
		struct span *s = span_alloc_manual(POOL_SPAN_BYTES / PAGE_SIZE);
		if (!s) {
			spin_unlock(&p->lock);
			return NULL;
		}
		for (size_t off = POOL_SPAN_BYTES; off > 0; off -= size) {
			char *x = (char *)s->base + off - size;
			*(char **)x = p->free;
			p->free = x;
		}
	}
	char *x = p->free;
	p->free = *(char **)x;
	spin_unlock(&p->lock);
	return x;
}

void stack_free(char *lo, size_t size)
{
	if (size < POOL_SPAN_BYTES) {
		struct pool *p = &pools[pool_order(size)];
		spin_lock(&p->lock);
		*(char **)lo = p->free;
		p->free = lo;
		spin_unlock(&p->lock);
		return;
	}
	struct span *s = span_of(lo);
	if (!s || (char *)s->base != lo)
		panic("stack_free: %p is not a stack span", (void *)lo);
	spin_lock(&held_lock);
	if (held_count > 0) {
		*(char **)lo = held_list;
		held_list = lo;
		held_bytes += size;
	} else {
		span_free_manual(s);
	}
	spin_unlock(&held_lock);
}

void task_stacks_hold(void)
{
	spin_lock(&held_lock);
	held_count++;
	spin_unlock(&held_lock);
}

void task_stacks_release(void)
{
	spin_lock(&held_lock);
	if (held_count == 0)
		panic("task_stacks_release without task_stacks_hold");
	if (--held_count == 0) {
		held_bytes = 0;
		while (held_list) {
			char *lo = held_list;
			held_list = *(char **)lo;
			span_free_manual(span_of(lo));
		}
	}
	spin_unlock(&held_lock);
}
