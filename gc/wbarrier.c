/*
 * wbarrier.c - the slow path of gc_store (include/gc.h), taken while
 * gc_barrier_on when the slot holds a pointer or the storing task's stack
 * is not yet scanned: Go's hybrid barrier (gc.h, "MARKING").
 *
 *   shade(*slot)   deletion (Yuasa): whatever the slot held at the
 *                  snapshot stays reachable for this cycle
 *   shade(value)   insertion (Dijkstra), only while the storing stack is
 *                  grey (not scanned in this mark; code outside a task
 *                  always): a pointer moved from an unscanned stack into a
 *                  black object is not lost. A scanned stack holds only
 *                  pointers loaded from the heap or roots after its scan
 *                  (shaded if deleted there) or allocated black.
 *   *slot = value
 *
 * Shaded objects go on this hart's buffer; the termination handshakes
 * collect the buffers. Two harts storing into one slot at once are fine:
 * each shades the old value it loaded, and a value it stores unshaded is
 * reachable through the heap or black (the argument above).
 */
#include "gc.h"
#include "shade.h"

void gc_store_slow(void *slot, const void *value, uint32_t epoch)
{
	void *old = shared_load_ptr((void *const volatile *)slot);
	struct gc_where w = {.what = "write barrier (old value of slot)",
			     .base = slot};

	if (old != NULL)
		shade(old, &w, NULL);
	if (value != NULL && !gc_stack_black(epoch)) {
		w.what = "write barrier (value stored)";
		shade((void *)value, &w, NULL);
	}
	shared_store_ptr((void *volatile *)slot, value);
}
