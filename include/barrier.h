/*
 * barrier.h - the cross-hart ordering points of spanfence, by name.
 *
 * Every place where one hart publishes data that another hart reads without
 * a lock goes through one of the functions below, with a name from
 * BARRIER_LIST. The list is the single table of what each barrier orders and
 * which load on the other hart it pairs with; README.md shows it.
 *
 * Three kinds, mapped per architecture in asm/barrier.h:
 *
 *   publication_barrier(b)  earlier stores before later stores
 *                           (RISC-V fence w,w; MIPS sync; x86: compiler only)
 *   release_barrier(b)      earlier loads and stores before later stores
 *                           (RISC-V fence rw,w; MIPS sync)
 *   acquire_barrier(b)      earlier loads before later loads and stores
 *                           (RISC-V fence r,rw; MIPS sync)
 *   full_barrier(b)         everything before everything
 *                           (RISC-V fence rw,rw; MIPS sync; x86 mfence)
 *
 * Build options:
 *   SF_MUTANT=BARRIER_X     removes barrier X (barrier-mutant builds).
 *   SF_SIMULATE             stores made with shared_store*() sit in a per-hart
 *                           store buffer (sim/storebuf.c) and a barrier drains
 *                           it as the real instruction would order them. In a
 *                           mutant, the loads after a removed acquire may
 *                           return older values (performed early).
 */
#ifndef SPANFENCE_BARRIER_H
#define SPANFENCE_BARRIER_H

#include "asm/barrier.h"

/*
 * X(name, what it orders, the load it pairs with on the other hart)
 */
#define BARRIER_LIST(X)                                                        \
	X(SPAN_PUBLISH,                                                        \
	  "page->span entries and span state, before any pointer into the "    \
	  "span is stored",                                                    \
	  "collector: span_of(p) after loading p from a slot or object")       \
	X(SPAN_RETIRE,                                                         \
	  "span free: the stores that dropped the last pointers into the "     \
	  "span (t->defer, a task's stack fields), before its state FREE and " \
	  "span map entries",                                                  \
	  "collector: a task record field, span_of() and the state, then "     \
	  "the field again (GC_RECORD_RECHECK)")                               \
	X(REMOTE_FREE,                                                         \
	  "remote free: the object's link word and guard bit, before the "     \
	  "CAS that pushes it on the owner hart's inbox",                      \
	  "owner hart: the CAS that takes its inbox, then the link words")     \
	X(HART_CALL_POST, "hart_call: fn and arg, before the mailbox state",   \
	  "callee hart: mailbox state, then fn and arg")                       \
	X(HART_CALL_DONE, "hart_call: the callee's work, before state DONE",   \
	  "hart_wait: state DONE, then the results")                           \
	X(SPIN_UNLOCK, "spinlock: the critical section, before the release",   \
	  "spin_lock: the load that sees its ticket own the lock")             \
	X(SPIN_LOCK,                                                           \
	  "spin_lock: its ticket owning the lock, before the "                 \
	  "section",                                                           \
	  "spin_unlock: the releasing store")                                  \
	X(TASK_PARK,                                                           \
	  "task park / task_scan_end: the stack and task fields (or the "      \
	  "scan's reads), before stack_state PARKED",                          \
	  "scheduler or scanner: TASK_CLAIM after its CAS from PARKED")        \
	X(TASK_CLAIM,                                                          \
	  "scheduler / task_scan_begin: the CAS from PARKED, "                 \
	  "before using the stack",                                            \
	  "TASK_PARK before the PARKED store it replaced")                     \
	X(TASK_DONE,                                                           \
	  "scheduler: an exited task's work and the end of its C stack's "     \
	  "use, before its done flag",                                         \
	  "task_join: the done flag, then the result and freeing the task")    \
	X(GC_HANDSHAKE,                                                        \
	  "gc driver: phase and barrier flag before raising the allocation "   \
	  "gate, all before the new handshake word (epoch and kind)",          \
	  "mutator hart (gc_poll, alloc slow path): the word or the gate, "    \
	  "then the phase and flags")                                          \
	X(GC_ACK,                                                              \
	  "mutator hart: its flushed barrier buffer, self-scan and cache, "    \
	  "before its handshake ack (or its inactive flag); a stalled "        \
	  "collector: its marks and pool, before it offers the driver",        \
	  "gc driver: every ack, then the harts' buffers, caches, counters; "  \
	  "a takeover: the driver, then the collector's marks")                \
	X(GC_WORLD,                                                            \
	  "gc driver: the sweep flip, emptied hart caches and new phase, "     \
	  "before releasing a stopped world",                                  \
	  "stopped hart: the release epoch, then its cache and the phase")     \
	X(GC_ENTER,                                                            \
	  "full: entering mutator's active flag vs the driver's new epoch "    \
	  "(Dekker: one side sees the other)",                                 \
	  "the other side's full barrier, then the flag or the epoch")         \
	X(GC_SWEEP_DONE,                                                       \
	  "sweeper: a span's cleared mark bits and freed slots, before the "   \
	  "unswept-span count drops",                                          \
	  "gc driver: the count at 0, then marking the next cycle")            \
	X(GC_FLIP,                                                             \
	  "gc driver: every mark of the cycle (its own CASes, the acked "      \
	  "harts' it acquired), before the flip's unswept count and sweepgen", \
	  "a sweeper no STOP holds (the collector hart while a mutator "       \
	  "drives): gc.sweepgen, then SPIN_LOCK, then the mark words")         \
	X(GC_RECORD_RECHECK,                                                   \
	  "collector (load-load): the span lookup of a task record's stack "   \
	  "pointer, before reloading the field and the stack bounds",          \
	  "the task's SPAN_PUBLISH and stack-copy stores (seed check)")

enum barrier_name {
#define BARRIER_ENUM(name, orders, pairs) BARRIER_##name,
	BARRIER_LIST(BARRIER_ENUM)
#undef BARRIER_ENUM
	    BARRIER_COUNT
};

/* Name, ordering and pairing of a barrier, for diagnostics and tables. */
const char *barrier_name(enum barrier_name b);
const char *barrier_orders(enum barrier_name b);
const char *barrier_pairs(enum barrier_name b);

#ifdef SF_SIMULATE
void storebuf_drain(enum barrier_name b);
#define BARRIER_SIM_DRAIN(b) storebuf_drain(b)
#else
#define BARRIER_SIM_DRAIN(b) ((void)(b))
#endif

#ifdef SF_SIMULATE
void storebuf_acquire(enum barrier_name b, int removed);
#define BARRIER_SIM_ACQUIRE(b) storebuf_acquire(b, BARRIER_REMOVED(b))
#else
#define BARRIER_SIM_ACQUIRE(b) ((void)(b))
#endif

#ifdef SF_MUTANT
#define BARRIER_REMOVED(b) ((b) == SF_MUTANT)
#else
#define BARRIER_REMOVED(b) ((void)(b), 0)
#endif

static inline void publication_barrier(enum barrier_name b)
{
	if (BARRIER_REMOVED(b))
		return;
	BARRIER_SIM_DRAIN(b);
	arch_publication_barrier();
}

static inline void release_barrier(enum barrier_name b)
{
	if (BARRIER_REMOVED(b))
		return;
	BARRIER_SIM_DRAIN(b);
	arch_release_barrier();
}

static inline void acquire_barrier(enum barrier_name b)
{
	/* A mutant simulation lets the loads after a removed acquire be
	 * performed early (sim/storebuf.c). */
	BARRIER_SIM_ACQUIRE(b);
	if (BARRIER_REMOVED(b))
		return;
	arch_acquire_barrier();
}

static inline void full_barrier(enum barrier_name b)
{
	if (BARRIER_REMOVED(b))
		return;
	BARRIER_SIM_DRAIN(b);
	arch_full_barrier();
}

#endif
