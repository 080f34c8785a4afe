/*
 * trace.c - mutator pauses and the per-cycle trace line (gctrace).
 *
 * A pause is the time a mutator hart spends in gc_poll doing the
 * collector's work or waiting: answering a handshake, scanning its own
 * stack, stopped while the world is stopped. Assists are not pauses (they
 * are counted apart, as in Go). Every pause goes in a global log (the last
 * GC_PAUSE_LOG) for percentiles; each hart keeps its maximum and total.
 */
#include "gc.h"

static volatile uint64_t pause_log[GC_PAUSE_LOG];
static volatile uint64_t pause_n;
static volatile uint64_t cycle_pause_max; /* since the last trace line */

static void store_max(volatile uint64_t *p, uint64_t v)
{
	uint64_t old;

	do {
		old = shared_load64(p);
		if (old >= v)
			return;
	} while (!atomic_cas64(p, old, v));
}

void gc_pause_record(struct gc_hart *gh, uint64_t ns)
{
	/* Single writer (this hart): plain arithmetic, shared stores. */
	shared_store64(&gh->pauses, shared_load64(&gh->pauses) + 1);
	shared_store64(&gh->pause_total_ns,
		       shared_load64(&gh->pause_total_ns) + ns);
	if (ns > shared_load64(&gh->pause_max_ns))
		shared_store64(&gh->pause_max_ns, ns);
	store_max(&cycle_pause_max, ns);
	uint64_t i = atomic_fetch_add64(&pause_n, 1);
	shared_store64(&pause_log[i % GC_PAUSE_LOG], ns);
}

size_t gc_pauses(uint64_t *out, size_t max)
{
	uint64_t n = shared_load64(&pause_n);
	uint64_t first = n > GC_PAUSE_LOG ? n - GC_PAUSE_LOG : 0;
	size_t k = 0;

	for (uint64_t i = first; i < n && k < max; i++)
		out[k++] = shared_load64(&pause_log[i % GC_PAUSE_LOG]);
	return (size_t)n;
}

static unsigned long kib(uint64_t b)
{
	return (unsigned long)(b >> 10);
}

void gc_trace_cycle(uint64_t heap_before, uint64_t heap_marked,
		    uint64_t mark_ns, uint64_t stw_ns)
{
	static const char *const mode[] = {"concurrent", "stw", "takeover"};
	uint64_t at = gc_now_ns() - gc.boot_time;
	uint64_t pmax = shared_load64(&cycle_pause_max);
	uint32_t m = shared_load32(&gc.cycle_mode);

	shared_store64(&cycle_pause_max, 0);
	kprintf("gc %lu @%lu.%03lus %s: mark %lu.%03lu ms, stw %lu us (stop "
		"%lu us), max pause %lu us; heap %lu->%lu KiB, marked %lu KiB, "
		"goal %lu "
		"KiB, in use %lu KiB; %u harts\n",
		(unsigned long)shared_load64(&gc.cycle),
		(unsigned long)(at / 1000000000u),
		(unsigned long)(at / 1000000u % 1000u), mode[m < 3 ? m : 0],
		(unsigned long)(mark_ns / 1000000u),
		(unsigned long)(mark_ns / 1000u % 1000u),
		(unsigned long)(stw_ns / 1000u),
		(unsigned long)(gc.c_stopped / 1000u),
		(unsigned long)(pmax / 1000u), kib(heap_before),
		kib(gc.c_heap_end), kib(heap_marked),
		kib(shared_load64(&gc.heap_goal)),
		kib(shared_load64(&gc.heap_inuse)), hart_count);
}
