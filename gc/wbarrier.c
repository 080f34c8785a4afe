/*
 * wbarrier.c - the slow path of gc_store (include/gc.h), taken while
 * gc_barrier_on: the hybrid barrier of gc.h, "MARKING".
 *
 *   shade(*slot)   deletion (Yuasa): whatever the slot held at the
 *                  snapshot stays reachable for this cycle
 *   shade(value)   insertion (Dijkstra): a pointer moved from a grey or
 *                  unscanned stack into a black object is not lost
 *   *slot = value
 *
 * Both are shaded always (Go shades the new value only while the storing
 * stack is grey; always is simpler and only costs some floating garbage).
 * Shaded objects go on this hart's buffer; the termination handshakes
 * collect the buffers. Two harts storing into one slot at once are fine:
 * each shades the value it stores, and the old value either one loaded.
 */
#include "gc.h"
#include "shade.h"

void gc_store_slow(void *slot, const void *value)
{
	void *old = shared_load_ptr((void *const volatile *)slot);
	struct gc_where w = {.what = "write barrier (old value of slot)",
			     .base = slot};

	if (old != NULL)
		shade(old, &w, NULL);
	if (value != NULL) {
		w.what = "write barrier (value stored)";
		shade((void *)value, &w, NULL);
	}
	shared_store_ptr((void *volatile *)slot, value);
}
