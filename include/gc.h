/*
 * gc.h - the collected heap: typed allocation, the write barrier, roots and
 * the collector's controls. The design is in gc/gc.h.
 *
 * A collected object is allocated with a type that says how big it is and
 * which of its words hold pointers:
 *
 *   struct node { struct node *left, *right; long i, j; };
 *   static const struct gc_type node_type =
 *           GC_TYPE("node", struct node, 0x3); // words 0 and 1: pointers
 *
 *   struct node *n = gc_alloc(&node_type);        // zeroed
 *   gc_store(&n->left, gc_alloc(&node_type));     // every pointer store
 *   struct node *l = gc_load(&n->left);           // pointer loads
 *
 * Objects without pointers (GC_TYPE_NOSCAN) live in separate spans that are
 * never scanned. Memory from malloc/sf_malloc shares the pages with the
 * collected heap but is never collected and never scanned.
 *
 * THE RULE (what the collector sees; the stack rule of task.h extended)
 *
 *   A collected object stays alive while a pointer to it (to its start or
 *   inside it) is held in
 *     - a pointer word of a live collected object (per its type),
 *     - a registered root (gc_root_register),
 *     - a pointer slot of a task's managed stack frame, a defer record's arg
 *       or the slot of an open stack_ref (task.h),
 *   and every store of such a pointer into a collected object or a root
 *   goes through gc_store (into a frame slot it may: frames need no barrier,
 *   see gc/gc.h). C locals, C stacks, registers, malloc memory and task
 *   arguments are NOT scanned: a pointer held only there may be freed at
 *   the next safe point - every gc_alloc, gc_safepoint and task push, pop
 *   or yield. Store it in a frame slot or a root first.
 *
 * Mutators are tasks (task.h). Code outside a task may use the collected
 * heap only between gc_mutator_enter() and gc_mutator_leave() on its hart,
 * must call gc_safepoint() now and then (gc_alloc does), and must leave
 * before it blocks, spins or runs a scheduler (sched_run*): the collector
 * waits for every entered hart at its handshakes.
 */
#ifndef SPANFENCE_GC_H
#define SPANFENCE_GC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "task.h"

#define GC_TYPE_MAGIC 0x67637479u /* "gcty" */

struct gc_type {
	uint32_t magic;		/* GC_TYPE_MAGIC */
	uint32_t size;		/* bytes of one element, a multiple of 8 */
	const uint64_t *ptrmap; /* bit i%64 of ptrmap[i/64]: word i is a
				   pointer; NULL: no pointers (noscan) */
	const char *name;	/* diagnostics */
};

/* A type for the C type ctype whose pointer words are given as a list of
 * 64-bit bitmap words (word 0 of the object is bit 0 of the first). */
#define GC_TYPE(name_, ctype_, ...)                                         \
	{                                                                   \
		.magic = GC_TYPE_MAGIC, .size = sizeof(ctype_),             \
		.ptrmap = (const uint64_t[]){__VA_ARGS__}, .name = (name_), \
	}
/* A type of size_ bytes without pointers: allocated in noscan spans. */
#define GC_TYPE_NOSCAN(name_, size_)                                     \
	{                                                                \
		.magic = GC_TYPE_MAGIC, .size = (size_), .ptrmap = NULL, \
		.name = (name_),                                         \
	}

/* ---- allocation ---- */

/* gc_alloc(t): a zeroed object of type t, or NULL (errno ENOMEM) if even
 * a full collection could not make room under the heap limit. A safe
 * point. Inline: its fast path is in gc_alloc.h. */
#include "gc_alloc.h"
/* n consecutive zeroed elements of t (scanned element by element). */
void *gc_alloc_array(const struct gc_type *t, size_t n);
/* The type and element count of the object p points into; NULL/0 for a
 * noscan object (which has no header) or a pointer outside the heap. */
const struct gc_type *gc_type_of(const void *p, size_t *n);

/* ---- the write barrier ---- */

/* The barrier word: 0 while the barrier is off; while marking, the mark's
 * epoch (odd). gc/ writes it. */
extern volatile uint32_t gc_barrier_on;
void gc_store_slow(void *slot, const void *value, uint32_t epoch);

/* Whether the running task's stack is scanned in the mark epoch: then a
 * pointer it stores came from the heap or an allocation, and need not be
 * shaded (no task: never). */
static inline bool gc_stack_black(uint32_t epoch)
{
	struct task *t = this_task();

	return t != NULL && shared_load32(&t->gc_black) == epoch;
}

/*
 * Store the pointer value into *slot (a pointer word of a collected object,
 * a root, or a frame slot). While the collector marks: Go's hybrid
 * barrier, shade the old value, and the new one while the storing task's
 * stack is not yet scanned (gc/gc.h, "MARKING"); inline, the common case
 * of a store into a fresh slot from a scanned stack shades nothing.
 * Otherwise a plain shared store.
 */
static inline void gc_store(void *slot, const void *value)
{
	uint32_t epoch = shared_load32(&gc_barrier_on);

	if (__builtin_expect(epoch != 0, 0) &&
	    (shared_load_ptr((void *const volatile *)slot) != NULL ||
	     !gc_stack_black(epoch))) {
		gc_store_slow(slot, value, epoch);
		return;
	}
	shared_store_ptr((void *volatile *)slot, value);
}

/* Load a pointer word that other harts may store into (gc_store). */
static inline void *gc_load(const void *slot)
{
	return shared_load_ptr((void *const volatile *)slot);
}

/* ---- roots ---- */

/* Scan *slot as a root from now on (store into it with gc_store). */
void gc_root_register(void *slot, const char *name);
void gc_root_unregister(void *slot);

/* ---- mutators outside tasks ---- */

void gc_mutator_enter(void);
void gc_mutator_leave(void);
/* Answer the collector's handshakes (tasks do it at push, pop, yield). */
void gc_safepoint(void);

/* ---- control ---- */

enum gc_mode {
	GC_CONCURRENT,	   /* mark on the collector hart (the default) */
	GC_STOP_THE_WORLD, /* the same collector, marking with all harts
			      stopped (for comparison) */
};

struct gc_options {
	int percent;  /* GOGC: grow by this much before the next cycle
			 (default 100; < 0: only gc_collect and the
			 limit start cycles) */
	size_t limit; /* hard limit on live + new bytes (0: 7/8 of
			 the arena) */
	bool trace;   /* one console line per cycle (gctrace) */
	bool verify;  /* re-mark stop-the-world after each concurrent
			 mark and check (tests) */
	enum gc_mode mode;
};

/*
 * Start the collector: on the boot hart, after heap_init and the harts.
 * opts NULL: defaults, overridden by gc_parse_options() of the boot option
 * string GC_BOOT_OPTIONS (a build option, -DGC_BOOT_OPTIONS='"gctrace=1"'),
 * or of the environment variable SPANFENCE_GC on the host. With a collector
 * hart its loop is started there with hart_call; with one hart, cycles run
 * stop-the-world on the allocating hart.
 */
void gc_init(const struct gc_options *opts);
/* Stop the collector loop (finishing its cycle and sweep) and hart_wait
 * for it, so the hart is free again. gc_init may be called again. */
void gc_shutdown(void);

/* "gctrace=1,gcpercent=50,gclimit=64M,gcverify=1,gcmode=stw": 0 or -1. */
int gc_parse_options(const char *s, struct gc_options *opts);

/* Run a full cycle (and finish its sweep), waiting for it. A safe point. */
void gc_collect(void);

int gc_set_percent(int percent);   /* returns the old value */
size_t gc_set_limit(size_t bytes); /* returns the old value */
bool gc_set_trace(bool on);
bool gc_set_verify(bool on);
enum gc_mode gc_set_mode(enum gc_mode mode);

struct gc_stats {
	uint64_t cycles;      /* completed mark phases */
	uint64_t heap_live;   /* marked at the last cycle + allocated since */
	uint64_t heap_marked; /* marked at the last cycle */
	uint64_t heap_goal;   /* next cycle ends by this size */
	uint64_t heap_inuse;  /* bytes of spans holding collected objects */
	uint64_t allocated;   /* bytes allocated since boot */
	uint64_t freed;	      /* bytes swept free since boot */
	uint64_t objects_freed;
	uint64_t spans_swept;
	uint64_t pause_max_ns; /* longest mutator pause (ns of guest time) */
	uint64_t pause_total_ns;
	uint64_t pauses;
	uint64_t mark_ns_total; /* concurrent marking, all cycles */
	uint64_t mark_ns_max;
	uint64_t assist_ns;	 /* time mutators spent assisting */
	uint64_t assist_bytes;	 /* bytes scanned by assists */
	uint64_t takeovers;	 /* cycles finished by a mutator */
	uint64_t takeovers_mark; /* ... of which the collector was marking */
	uint64_t bad_pointers;	 /* found (fatal unless a test allows) */
	uint64_t stale_records;	 /* freed defer records seen through a task */
	uint64_t task_record_scans;
	uint64_t stacks_scanned;      /* by the collector (claimed) */
	uint64_t stacks_self_scanned; /* by their own task at a safepoint */
	uint64_t verified;	      /* cycles re-marked and checked */
	uint64_t term_retries; /* mark terminations that found more work */
	uint64_t heartbeat;    /* the collector hart's steps (alive?) */
};

void gc_get_stats(struct gc_stats *st);
/* Start the maxima (pause_max_ns, mark_ns_max) over (benchmarks). */
void gc_reset_maxima(void);

/* Every pause of a mutator hart (ns), oldest first, up to max; returns the
 * number recorded since boot (the log keeps the last GC_PAUSE_LOG). */
#define GC_PAUSE_LOG 16384
size_t gc_pauses(uint64_t *out, size_t max);

/* ---- test hooks ---- */

/* Back-to-back cycles, as if the heap always reached its trigger. */
void gc_set_continuous(bool on);
/* Make the collector hart stop responding (spin without a heartbeat) at
 * its next step (GC_STALL_ANY) or its next step while it marks
 * (GC_STALL_MARKING), until GC_STALL_OFF: mutators finish its cycles.
 * GC_STALL_SLOW makes it slow instead, once: at its next cycle's start,
 * inside a step, it goes without a heartbeat for twice the stall timeout,
 * then sets GC_STALL_OFF and goes on; no mutator may take that cycle
 * over. Returns the setting it replaces. */
enum gc_stall { GC_STALL_OFF, GC_STALL_ANY, GC_STALL_MARKING, GC_STALL_SLOW };
enum gc_stall gc_test_stall_collector(enum gc_stall how);
/* Bad pointers are counted (gc_stats.bad_pointers) instead of fatal. */
void gc_test_bad_pointers_nonfatal(bool on);
/* Whether p's slot is allocated (only meaningful while no hart allocates
 * or sweeps: after gc_collect, with the mutators done). */
bool gc_test_allocated(const void *p);

#endif
