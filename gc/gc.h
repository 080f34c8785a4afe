/*
 * gc.h - the concurrent mark-sweep collector: its design, its invariants,
 * and every cross-hart ordering point with its pairing. Everything in gc/
 * follows from this comment (the public API and THE RULE are in
 * include/gc.h).
 *
 * OVERVIEW
 *
 * A non-moving, non-generational tri-colour mark-sweep collector in the
 * spirit of the Go runtime's (mgc.go), over the span heap (heap/heap.h):
 *
 *   mutator harts       allocate (gc_alloc), store pointers (gc_store),
 *                       answer handshakes at safe points, scan their own
 *                       running task's stack when asked, assist, sweep
 *                       lazily
 *   the collector hart  (the last hart, hart.h) runs collector_loop:
 *                       waits for the pacer's trigger, drives a cycle,
 *                       sweeps in the background
 *
 *   cycle: OFF --trigger--> finish sweep -> MARK: ACK handshake (barrier
 *          on), roots, stacks one task at a time, drain -> termination:
 *          FLUSH handshake, STOP (short stop-the-world: check, flip) ->
 *          SWEEP (collector and allocators) -> OFF
 *
 * Files: gc.c (state, options, the collector loop, the cycle driver),
 * alloc.c (typed allocation, per-hart span caches, allocate-black),
 * sweep.c (sweep generations, central span lists), handshake.c (epochs,
 * acks, stop-the-world, the task safepoint hook, non-task mutators),
 * roots.c (registered roots, task stacks, task records), mark.c (shade,
 * scan, drain, assists, the heap walk), markqueue.c (work buffers and the
 * pool), wbarrier.c (gc_store's slow path), pacer.c (trigger, goal,
 * assists, the limit, takeover), check.c (the pointer check and its
 * report), verify.c (the stop-the-world re-mark), trace.c (pauses,
 * gctrace lines).
 *
 * OBJECT MODEL (alloc.c)
 *
 * A type (struct gc_type) gives the element size and a bitmap of pointer
 * words. A scannable object is [header: type, n][n elements]: the 16-byte
 * header keeps the payload 16-byte aligned and tells the scanner the type
 * and array length; gc_alloc returns the payload (interior pointers are
 * fine everywhere). A noscan object (a type without pointers) has no
 * header and lives in NOSCAN spans, which the collector never reads.
 * Objects up to 32 KiB (header included) come from SMALL spans of the
 * heap's size classes; bigger ones get a LARGE span each. Collected spans
 * come from the page heap like malloc's (span_alloc_aligned, published by
 * SPAN_PUBLISH) but are never on a heap cache or central list: gc/ owns
 * them, marks them span->collected (and span->noscan) before any object of
 * theirs is handed out and clears the flag before freeing them; gc_kind()
 * reads the two flags, so a pointer into a malloc span is left alone, and
 * free()/realloc() of a collected object is refused by the heap (the one
 * heap/ edit, in block_check). gc/ uses the heap's per-span fields as an
 * owner does: bits[].alloc (1 = allocated), the allocCache window,
 * markbits (the collector's), sweepgen. Objects are zeroed when allocated.
 *
 * ALLOCATION
 *
 * Each hart has a cache of one span per span class (size class x {scan,
 * noscan}) and allocates from its allocCache window without locks or
 * atomics, like malloc's fast path, with no phase test (inline in
 * include/gc_alloc.h): it is taken while the gate of the hart's cache
 * (gc_alloc_caches) equals gc_alloc_seq, the allocation gate (one more
 * load and one predictable branch). The driver raises the gate
 * (adds 1) at mark start, after storing the phase and barrier flag
 * (GC_HANDSHAKE), and before each handshake, so that gc_alloc stays a safe
 * point. A hart's next gc_alloc then takes the slow path: it loads the
 * gate, polls, allocates, and if no handshake is left to answer, makes
 * every cached window black if the barrier is on, and only then stores
 * the gate it loaded into its cache's gate. While marking, windows are thus
 * black before the fast path hands out their objects: the cached ones at
 * the first allocation after the mark start is seen, later ones when the
 * slow path loads them (every window load is a slow-path refill). The
 * flip empties the caches, so no window blackened for one cycle serves
 * the next. A hart with a scan request for a task that is not running
 * stays on the slow path until the request goes. A refill takes a swept
 * span of its class
 * from central, or an unswept one that it sweeps first (lazy sweeping), or
 * a new span from the page heap, and adds the window's bytes to heap_live
 * (the pacer's measure) after asking the pacer (trigger, assist, limit).
 *
 * ROOTS (roots.c)
 *
 *   - registered roots (gc_root_register): words scanned concurrently like
 *     object fields; stores go through gc_store; (un)registering while
 *     marking shades the value (it moves from or to a C local).
 *   - every task's managed stack, precisely: frame slots by their
 *     descriptors, defer args, open stack_ref slots (task_scan_stack).
 *   - every task record: t->defer, t->frame and t->stack_lo are heap->stack
 *     pointers that the collector loads WHILE THE TASK RUNS (even while it
 *     copies its stack on another hart) and checks (POINTER CHECKING),
 *     at every pass over the tasks: where golang/go#35541 shows.
 *   - collected objects reached from those; pointers into malloc memory or
 *     into stacks are checked and not followed.
 * C stacks, C locals, registers, task arguments and malloc memory are never
 * scanned: THE RULE (include/gc.h) says where collected pointers live, and
 * a safe point (gc_alloc, gc_safepoint, task push/pop/yield) is where C
 * locals are assumed to hold none that the code relies on afterwards.
 *
 * HANDSHAKES (handshake.c)
 *
 * A handshake is one word, gc.hs_epoch: a sequence number, its kind and
 * self-scan bits (GC_HS_WORD), so a hart never pairs one handshake's
 * epoch with another's kind. ACK: observe the new phase. FLUSH: also hand
 * the barrier buffer to the pool. STOP: flush, maybe scan the running task
 * (into the pool, or its roots for the verifier), acknowledge, and wait for
 * gc.hs_release: stop-the-world. The driver stores phase and flags,
 * raises the allocation gate, then stores the word (GC_HANDSHAKE). A hart
 * answers at its next safe point (gc_poll): a new word, its work, its ack
 * (GC_ACK), for STOP the wait (GC_WORLD). The driver sets t->safepoint on every
 * running task it still needs, so the task calls the hook (gc_task_hook ->
 * gc_poll) at its next push, pop or yield; the gc_alloc slow path and
 * gc_safepoint poll too. Both sides wait by spinning first (a stop lasts
 * microseconds), then by yielding the core (gc_spin_pause), then by sleeping
 * (gc_idle_pause).
 *
 * A handshake is complete when, in one pass over the task registry, every
 * task ran on a hart that acknowledged, or is PARKED and was claimed by the
 * driver (task_scan_begin/end: its next run is ordered after the claim by
 * TASK_PARK/TASK_CLAIM, so it sees the phase; for STOP every parked task is
 * held claimed until the release, so an idle hart cannot resume one), and
 * every entered non-task hart acknowledged. A hart acknowledges for all
 * its tasks: tasks never migrate, and what the acknowledging code saw,
 * later code on the hart sees. A hart idle in its scheduler never
 * acknowledges; its parked tasks are claimed instead, and during a STOP its
 * barrier buffer and span cache are taken by the driver (the claims order
 * the hart's last use of them before the driver's). Entering non-task code
 * (gc_mutator_enter) is a Dekker handshake with the driver (GC_ENTER):
 * either the driver sees the hart active and waits for it, or the hart sees
 * the new epoch and answers it first. Only mutators (a task, or entered
 * code) answer; other code is not waited for and must not touch the
 * collected heap (gc_collect and root registration excepted).
 *
 * MARKING (mark.c, markqueue.c, wbarrier.c)
 *
 * Colours: white = mark bit clear; grey = mark bit set and the object in
 * some work buffer or local stack; black = marked and scanned (or noscan,
 * or allocated this cycle). Shading checks the pointer, sets the mark bit
 * with a CAS on its 64-bit word (several harts mark: the driver, barriers,
 * self-scans, assists, allocate-black) and queues the object if it was
 * white and scannable.
 *
 * The write barrier (gc_store, on while gc_barrier_on, which then holds
 * the mark's epoch): shade(*slot), then shade(value) if the storing task's
 * stack is grey, then store: Go's hybrid deletion (Yuasa) + insertion
 * (Dijkstra) barrier. A stack is grey until it is scanned in this mark
 * (gc_scan_task_stack sets t->gc_black to the epoch); code outside a task
 * counts as grey always. Inline in include/gc.h, a store into a slot that
 * holds NULL from a black stack (a fresh object's fields: the common case)
 * shades nothing and calls nothing. With this barrier, a stack needs
 * scanning only once per cycle and frame slots need no barrier: a task's
 * stack is written only by the task, and a pointer reaches a black stack
 * only by being loaded from a heap object or a root (then it was
 * reachable at the snapshot, or it is shaded when deleted there) or by
 * allocation (black); a pointer stored from a grey stack is shaded, since
 * the stack's scan may miss it. Invariant (weak tricolour): every white
 * object pointed to by a black object or a scanned stack is reachable
 * from a grey object or an unscanned stack through white objects, or is
 * shaded in some hart's buffer. Tasks spawned while marking stay grey
 * (their gc_black is stale) until the next mark scans them; a takeover
 * rescans every stack with the world stopped.
 *
 * Allocate-black, a window at a time: while marking, before a window of
 * a cached span hands out its first object of the cycle, the mark bits of
 * all its free slots are set (one CAS per window; no barrier after it,
 * see window_black), so its objects are black and never read by the collector
 * this cycle: for the windows cached at mark start, in the slow path that
 * reopens the fast path after the hart saw the raised gate (see ALLOCATION);
 * for the others, when the slow path loads them. Objects handed out before the
 * hart sees the mark start are white, as before its acknowledgement: its
 * stack is not scanned before it acknowledged. Free slots left marked at the
 * flip are harmless: the sweep keeps alloc & mark.
 *
 * Stacks are scanned one task at a time, each once per cycle: the driver
 * claims a PARKED task (task_scan_begin), scans it with task_scan_stack and
 * releases it; a RUNNING task is asked (gc_hart.scan_req, one per hart,
 * plus task_request_safepoint) to scan itself at its next poll, on its own
 * hart and C stack, where its frames are consistent; it clears scan_req
 * with a CAS when done. Why both: the collector cannot read a running
 * task's frames (they change), and waiting for a task to park could take
 * forever; a self-scan costs the task a few microseconds. Tasks spawned
 * while marking have black stacks (empty at birth; they can only load or
 * allocate). The driver's private table of the cycle's tasks (roots.c)
 * records which are done. Between task_stacks_hold and task_stacks_release
 * (the whole mark) no stack span returns to the page heap, so a stale
 * stack pointer stays in a MANUAL span.
 *
 * Work: per-hart buffers (struct gc_wbuf, 254 objects) filled by barriers,
 * self-scans and assists; full ones go to the pool (a spinlock-protected
 * list: SPIN_LOCK/SPIN_UNLOCK order a buffer's contents with its
 * hand-off). The driver drains the pool with a local mark stack, giving
 * work back to the pool when the pool runs dry so that assists find some,
 * and scans through an 8-object FIFO that prefetches each object before
 * its turn (the first touch of an object is the mark loop's main cost).
 *
 * Termination: when the pool and the driver's stack are empty and every
 * task of the cycle is scanned, a FLUSH handshake collects the running
 * harts' buffers; if that brought nothing, a STOP: with the world stopped
 * the driver takes the idle harts' buffers and the roots lock (no root
 * registration shades until the flip), and if everything is empty marking
 * is complete (else the world is released and marking goes on:
 * gc_stats.term_retries). Still stopped: verification (if on), every
 * hart's cached spans go back to central, the sweep generation flips,
 * heap_live = marked bytes, the barrier goes off, phase SWEEP;
 * then the world is released. The pause is that check and flip: no marking
 * or scanning happens with the world stopped.
 *
 * SWEEPING (sweep.c)
 *
 * gc.sweepgen (sg) grows by 2 at each flip. span->sweepgen: sg - 2 =
 * unswept, sg - 1 = being swept, sg = swept. Central lists come in pairs
 * indexed by sg/2 % 2, so the flip turns every swept list into an unswept
 * one in O(1). A sweeper (the collector hart, an allocator that needs a
 * span, a waiting mutator) pops a span from an unswept list under the
 * class lock, claims it with a CAS sg-2 -> sg-1 (so no span is swept
 * twice), keeps alloc & mark, clears the marks, stores sg and files it on
 * a swept list or frees it to the page heap. The sg a sweeper pops with
 * must not go stale under it: mutators sweep between safe points (the
 * flip's STOP holds them at one), the driver flips itself, and code outside
 * any mutator, which no STOP waits for, sweeps only while it holds the
 * driver (gc_test_allocated, gc_collect's wait). Only the collector hart,
 * sweeping in the background after a mutator took the driver from it, can
 * pop with an old sg; its claim fails and it puts the span back (sweep.c).
 * The driver's marks are ordered before the flip (GC_FLIP) for the one
 * sweeper no STOP holds: the collector sweeping in the background while a
 * mutator drives sees the new sg at once and must see the marks with it.
 * Allocators take only swept spans (sweepgen == sg, checked). gc.nunswept
 * counts spans not yet swept; the next cycle starts only at 0
 * (GC_SWEEP_DONE orders the sweepers' clearing of mark bits before the
 * driver's first marks).
 *
 * POINTER CHECKING (check.c)
 *
 * Every pointer the collector finds (in an object, a root, a stack slot,
 * a barrier's old or new value, a task record) that lies in the arena must
 * land in an in-use span: SMALL or LARGE (collected: shaded; malloc: left
 * alone) or MANUAL (a stack: fine), and inside a small span's objects. A
 * pointer into a FREE span or into pages no span owns is fatal, printed as
 * the Go runtime does (runtime/mbitmap.go, badPointer):
 *
 *   runtime: pointer 0x... to unallocated span span.base()=0x...
 *       span.limit=0x... span.state=free
 *   runtime: found in object at *(0x...+0x...)
 *   object=0x... s.base()=0x... s.limit=0x... ... (malloc)
 *   object: task 'dhs'
 *    *(object+0) = 0x...  ...  *(object+32) = 0x... <==
 *   PANIC on hart 1: found bad pointer in heap (gc cycle N, hart 1)
 *
 * The task record check (roots.c, gc_check_task_record) is the seed's
 * case: the collector loads t->defer while t may be growing its stack on
 * another hart. With SPAN_PUBLISH, the new stack's span is visible before
 * the adjusted t->defer; without it the load can see the new pointer and
 * the old (free) span map entry. A heap defer record may be run and freed
 * right after the load, so an unallocated span is fatal only if, reloaded
 * after an acquire (GC_RECORD_RECHECK), t->defer still holds the pointer
 * and it lies inside the task's current stack bounds; otherwise it was a
 * freed heap record (gc_stats.stale_records).
 *
 * PACING (pacer.c)
 *
 * goal = marked * (100 + percent) / 100 (at least GC_MIN_GOAL, 4 MiB),
 * capped by the hard limit; trigger = marked + 7/10 of the way to the
 * goal. A refill that finds heap_live >= trigger requests a cycle. While
 * marking, a hart past the goal assists: for every byte it allocates it
 * scans GC_ASSIST_RATIO bytes from the pool. At the hard limit an
 * allocating hart waits for the cycle to end (assisting, sweeping, polling
 * meanwhile); out of pages it waits for a full collection and tries again
 * before returning NULL.
 *
 * FAULT TOLERANCE
 *
 * The cycle is driven by whoever holds gc.driver (the collector hart, or a
 * mutator). The collector bumps gc.heartbeat at every step. A mutator that
 * waits for a cycle (the limit, out of memory, gc_collect) and sees no
 * heartbeat for GC_STALL_NS takes gc.driver with a CAS and finishes the
 * cycle itself, stop-the-world: it stops the world, rescans every marked
 * object (the heap walk: grey objects the collector held are marked but
 * maybe not scanned), rescans roots and every stack, drains, terminates.
 * While the heartbeat stays where it was, later cycles run at once on the
 * mutators. The collector stops only between steps (never holding a lock,
 * a claimed task or a span being swept, never while the world is
 * stopped), so a stalled collector never blocks a mutator; and it can
 * lose the driver only there: a stalled collector that drives marks the
 * word GC_DRIVER_OFFERED, the takeover's CAS needs that mark, and the
 * collector that wakes up and cannot take the word back drops its local
 * work (gc_step). A collector that is only slow, or descheduled inside a
 * step (a long sweep, a loaded host), keeps the driver: the mutators wait
 * for it, and never does a second hart drive the same cycle.
 *
 * STOP-THE-WORLD MODE (gc_set_mode): the same driver stops the world at
 * mark start (every running task scans itself before acknowledging, every
 * parked one is held), marks everything with the world stopped, terminates
 * and releases: the pause is the whole mark. Sweeping is concurrent in both
 * modes. With one hart (no collector) cycles run this way on the
 * allocating hart.
 *
 * VERIFICATION (verify.c, tests): in the termination stop, before the
 * flip, everything reachable is traced again from scratch (roots, the held
 * tasks' stacks, the roots the running tasks collected at the STOP) into a
 * separate bitmap; every object reached must be allocated and marked, else
 * where it was found is printed and the board panics.
 *
 * INVARIANTS
 *  1. span->collected is set iff the span is in use and gc/ owns it; such a
 *     span is in exactly one place: one hart's cache, one central list
 *     (swept or unswept set), or a sweeper's hands.
 *  2. Outside MARK no mark bit is set except on objects of spans not yet
 *     swept; after a flip every span is unswept (nunswept == nspans).
 *  3. While gc_barrier_on is 0 no hart holds grey objects.
 *  4. heap_live >= bytes allocated since the last flip + marked bytes at it
 *     (windows are counted whole when loaded).
 *  5. Lock order: a central class lock, then mheap.lock (span_free); the
 *     roots lock, then the pool lock (or mheap.lock, for malloc); the task
 *     registry lock, then leaves only. No lock is held across a handshake
 *     wait; the collector never stalls holding one.
 *
 * BARRIERS (include/barrier.h, BARRIER_LIST)
 *   GC_HANDSHAKE   driver: phase and barrier flag before raising the
 *                  allocation gate, and all three before the new handshake
 *                  word; a hart's acquire after loading the word (gc_poll)
 *                  or the gate (the allocation slow path).
 *   GC_ACK         hart: its flushed buffer, self-scan, everything done in
 *                  the old phase, before its ack (or, leaving, its inactive
 *                  flag); the driver's acquire after seeing every ack. The
 *                  same hand-over when a stalled collector offers the
 *                  driver (gc_step) and a mutator takes it (gc_takeover).
 *   GC_WORLD       driver: the flip, emptied caches and new phase, before
 *                  hs_release; the stopped hart's acquire after it.
 *   GC_ENTER       full barrier on both sides (Dekker): the entering hart's
 *                  active flag vs the driver's new handshake word.
 *   GC_FLIP        driver: every mark of the cycle (its CASes, the acked
 *                  harts') before the flip's nunswept and sweepgen; a
 *                  sweeper no STOP holds (the collector hart while a
 *                  mutator drives) loads sweepgen, then takes a central
 *                  lock (SPIN_LOCK's acquire), then reads mark words.
 *   GC_SWEEP_DONE  sweeper: cleared mark bits and freed slots before the
 *                  nunswept decrement; the driver's (or a test's) acquire
 *                  after it reads 0, before marking (or reading bits).
 *   GC_RECORD_RECHECK  collector (load-load): its span lookup of a task
 *                  record's stack pointer before reloading the field and
 *                  the stack bounds; pairs with the task's SPAN_PUBLISH and
 *                  stack-copy stores.
 * Plus the task and heap ones it relies on: TASK_CLAIM / TASK_PARK
 * (claims), SPAN_PUBLISH (span_of after loading a pointer), SPIN_LOCK /
 * SPIN_UNLOCK (pool, central lists, roots).
 */
#ifndef SPANFENCE_GC_GC_H
#define SPANFENCE_GC_GC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../heap/heap.h"
#include "../include/gc.h"
#include "atomic.h"
#include "barrier.h"
#include "console.h"
#include "counter.h"
#include "hart.h"
#include "spanfence.h"
#include "spinlock.h"
#include "task.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define GC_SLOW	    __attribute__((cold, noinline))

/* Span classes (GC_NSPANCLASS), the object header (GC_HDR, struct gc_hdr)
 * and the per-hart allocation caches are in include/gc_alloc.h. */

/* What a span is to the collector (gc_kind). */
enum gc_spankind { GC_KIND_NONE, GC_KIND_SCAN, GC_KIND_NOSCAN };

enum gc_phase { GC_PHASE_OFF, GC_PHASE_MARK, GC_PHASE_SWEEP };

enum gc_hs_kind { GC_HS_ACK, GC_HS_FLUSH, GC_HS_STOP };

/*
 * A handshake word: sequence number, self-scan bits (STOP: 1 running
 * tasks scan themselves into the pool, 2 collect roots for the verifier)
 * and kind, in one word, so that a hart never pairs one handshake's epoch
 * with another's kind.
 */
#define GC_HS_WORD(seq, selfscan, kind) \
	((uint32_t)(seq) << 4 | (uint32_t)(selfscan) << 2 | (uint32_t)(kind))
#define GC_HS_SEQ(w)	  ((w) >> 4)
#define GC_HS_SELFSCAN(w) (((w) >> 2) & 3)
#define GC_HS_KIND(w)	  ((w)&3)

/* The header of a scannable object. */

/* A work buffer of grey objects (their slot starts). */
#define GC_WBUF_CAP 254
struct gc_wbuf {
	struct gc_wbuf *next;
	uint32_t n;
	uint32_t pad;
	void *obj[GC_WBUF_CAP];
};

/* Each hart's collector state; index = hart index. */
struct gc_hart {
	volatile uint32_t ack;	    /* last handshake epoch answered (hart) */
	volatile uint32_t active;   /* non-task mutator entered (hart) */
	volatile uint64_t scan_req; /* struct task *: scan yourself (the
				       driver sets it, the hart clears it) */
	struct gc_wbuf *wbuf;	    /* hart only (driver during a STOP) */
	uint64_t marked;	    /* bytes shaded here since the last flip */
	/* allocate-black (alloc.c): the window of alloc[sc] pre-marked for
	 * mark epoch winmark[sc] (gc.cycle + 1 while marking) */
	uint32_t winmark[GC_NSPANCLASS];
	uint16_t winword[GC_NSPANCLASS];
	struct span *winspan[GC_NSPANCLASS];
	uint32_t in_poll; /* reentrancy guard */
	/* verification: the running task's roots, collected at the STOP */
	void **vroots;
	size_t nvroots, vcap;
	/* stats: this hart writes, anyone reads (gc_get_stats) */
	volatile uint64_t pause_max_ns, pause_total_ns, pauses;
	volatile uint64_t assist_ns, assist_bytes;
	volatile uint64_t allocated;
} __attribute__((aligned(64)));

/* A marking context with a local stack: the driver's, or an assist's. */
struct gc_marker {
	void **stack;
	size_t n, cap;
	uint64_t marked;  /* bytes shaded */
	uint64_t scanned; /* bytes scanned */
};

struct gc_central {
	struct spinlock lock;
	struct span_list partial[2]; /* [sweepgen/2 % 2]: swept / unswept */
	struct span_list full[2];
} __attribute__((aligned(64)));

/* The driver's table of the cycle's tasks (roots.c), driver only. */
enum { GC_TS_TODO = 1, GC_TS_DONE = 2, GC_TS_CLAIMED = 4, GC_TS_REQ = 8 };
struct gc_tslot {
	struct task *t;
	uint32_t flags;
};

struct gc_root {
	void **slot;
	const char *name;
};

/* No heartbeat for this long: the collector stopped responding. */
#define GC_STALL_NS (250ull * 1000 * 1000)

/* In gc.driver with the collector's index + 1: it is stalled at a step
 * and a mutator may take the cycle over (gc_step, gc_takeover). */
#define GC_DRIVER_OFFERED 0x80000000u

struct gc_state {
	/* phase and handshakes */
	volatile uint32_t phase;      /* enum gc_phase */
	volatile uint32_t hs_epoch;   /* last handshake requested: GC_HS_WORD */
	volatile uint32_t hs_release; /* last STOP word released */
	volatile uint32_t driver;     /* 0, or hart index + 1 driving
					 (| GC_DRIVER_OFFERED: stalled) */
	volatile uint64_t heartbeat;  /* collector progress */
	volatile uint32_t request;    /* a cycle is wanted */
	volatile uint32_t quiesce;    /* tests: the collector starts no cycle */
	volatile uint32_t stop_loop;  /* gc_shutdown */
	volatile uint32_t loop_running;
	volatile uint32_t stall;   /* test: collector stalls */
	volatile uint32_t in_stop; /* driver: the world is stopped */
	volatile uint64_t cycle;   /* completed mark phases */
	volatile uint32_t
	    cycle_mode; /* this cycle: enum gc_mode, or 2 takeover */

	/* sweeping */
	volatile uint32_t sweepgen;
	volatile uint64_t nunswept;
	volatile uint64_t nspans;

	/* pacing (bytes) */
	volatile uint64_t heap_live;
	volatile uint64_t heap_marked;
	volatile uint64_t heap_goal;
	volatile uint64_t heap_trigger;
	volatile uint64_t heap_inuse;
	volatile uint64_t limit;
	volatile uint32_t percent; /* as int */
	volatile uint32_t trace, verify, mode, continuous, bad_nonfatal;
	volatile uint64_t marked_bytes; /* this cycle, by all markers */
	volatile uint64_t scan_bytes;	/* this cycle */

	/* spans */
	struct gc_central central[GC_NSPANCLASS];
	struct gc_central large; /* partial[] only */

	/* work pool */
	struct spinlock pool_lock;
	struct gc_wbuf *pool_full, *pool_free;
	volatile uint64_t pool_n; /* full buffers in the pool */

	/* roots */
	struct spinlock roots_lock;
	struct gc_root *roots;
	size_t nroots, roots_cap;

	/* the driver's task table (roots.c) */
	struct gc_tslot *ts;
	uint32_t ts_cap, ts_n;
	uint32_t ts_todo; /* tasks not yet scanned */
	bool ts_overflow;
	struct task **claims; /* tasks the driver holds claimed */
	uint32_t nclaims, claims_cap;

	/* stats */
	volatile uint64_t allocated, freed, objects_freed, spans_swept;
	volatile uint64_t mark_ns_total, mark_ns_max, takeovers, bad_pointers;
	volatile uint64_t takeovers_mark;
	volatile uint64_t stale_records, task_record_scans, stacks_scanned;
	volatile uint64_t stacks_self_scanned, verified, term_retries;
	uint64_t boot_time;
	/* this cycle, for the trace */
	uint64_t c_start, c_mark_start, c_heap_before, c_heap_end;
	uint64_t c_stopped; /* ns from the stop request to a stopped world */
};

extern struct gc_state gc;
extern struct gc_hart gc_harts[MAX_HARTS];
extern struct span gc_empty_span;
extern volatile uint32_t gc_alloc_seq;

/* ---- small helpers ---- */

static inline struct gc_hart *gc_me(void)
{
	return &gc_harts[this_hart()->index];
}

static inline size_t gc_page_of(const struct span *s)
{
	return (size_t)(s - mheap.spans);
}

/* What the collector makes of an in-use span. The flags are written by
 * gc/ when it takes the span from the page heap, before any pointer into
 * it is published (see span_adopt), and cleared before it frees it. */
static inline uint32_t gc_kind(const struct span *s)
{
	return !s->collected ? GC_KIND_NONE
	       : s->noscan   ? GC_KIND_NOSCAN
			     : GC_KIND_SCAN;
}

/* The size of a span's objects (a large span's one object: the span). */
static inline size_t gc_span_objsize(const struct span *s)
{
	return s->sizeclass ? s->elemsize : (size_t)s->npages << PAGE_SHIFT;
}

static inline uint64_t gc_now_ns(void)
{
	uint64_t t = counter_time(), hz = counter_time_hz();

	return hz == 1000000000u
		   ? t
		   : t / hz * 1000000000u + t % hz * 1000000000u / hz;
}

static inline void gc_relax(void)
{
	arch_cpu_relax();
}

/* Single-writer counters read by other harts. */
static inline void gc_stat_add(volatile uint64_t *p, uint64_t v)
{
	shared_store64(p, shared_load64(p) + v);
}

/* ---- gc.c ---- */
void gc_idle_pause(void);     /* a longer wait (the host sleeps a little) */
void gc_spin_pause(void);     /* a short one in a wait that should be short */
bool gc_step(bool may_stall); /* collector: heartbeat, stall; lost driver? */
bool gc_driver_acquire(uint32_t who);
void gc_driver_release(void);
void gc_cycle_concurrent(struct gc_marker *m);
void gc_cycle_stw(struct gc_marker *m, bool takeover);
void gc_cycle_here(bool takeover);
bool gc_collector_running(void);
void gc_tasks_end(void);

/* ---- alloc.c ---- */
void gc_alloc_init(void);
void gc_cache_release_all(struct gc_hart *gh);
void gc_span_free(struct span *s);

/* ---- sweep.c ---- */
bool gc_sweep_one(void);
void gc_sweep_finish(void);
uint32_t gc_sweep_span(struct span *s);
void gc_flip(void);
struct span *gc_central_take(unsigned sc);
void gc_central_put(struct span *s, bool full);

/* ---- markqueue.c ---- */
struct gc_wbuf *gc_wbuf_get(void);
void gc_wbuf_put_full(struct gc_wbuf *b);
struct gc_wbuf *gc_wbuf_take_full(void);
void gc_wbuf_put_free(struct gc_wbuf *b);
bool gc_pool_empty(void);
void gc_hart_flush(struct gc_hart *gh);
void gc_hart_push(struct gc_hart *gh, void *obj);
void gc_marker_push(struct gc_marker *m, void *obj);
void gc_marker_donate(struct gc_marker *m);
bool gc_marker_refill(struct gc_marker *m);
void gc_marker_free(struct gc_marker *m);

/* ---- mark.c ---- */
struct gc_where {	  /* where a pointer was found, for reports */
	const char *what; /* "object", "root", "a frame slot of task", ... */
	const void *base; /* the object, slot or record (NULL: none) */
	size_t off;
	const char *name; /* type, root or task name */
	struct task *task;
};
/* Shade p: onto m's stack, or (m NULL) this hart's buffer. */
void gc_shade(void *p, const struct gc_where *w, struct gc_marker *m);
bool gc_is_marked(struct span *s, unsigned idx);
bool gc_object_of(struct span *s, const void *p, uintptr_t *obj, unsigned *idx);
uint64_t gc_scan_object(void *obj, struct span *s, struct gc_marker *m);
bool gc_mark_drain(struct gc_marker *m, uint64_t budget);
uint64_t gc_assist_work(uint64_t bytes);
void gc_heap_walk(struct gc_marker *m);

/* ---- roots.c ---- */
void gc_scan_roots(struct gc_marker *m);
void gc_tasks_begin(void);
bool gc_tasks_pass(struct gc_marker *m, bool scan_records);
void gc_tasks_scan_stopped(struct gc_marker *m);
void gc_scan_task_stack(struct task *t, struct gc_marker *m);
void gc_visit_task_stack(struct task *t,
			 void (*fn)(void *p, const struct gc_where *w,
				    void *arg),
			 void *arg);
void gc_check_task_record(struct task *t);

/* ---- handshake.c ---- */
void gc_poll(void);

/* gc_poll's first test, inline for the allocation slow path: a handshake
 * this hart has not answered, or a request to scan its running task. */
static inline bool gc_poll_due(const struct gc_hart *gh)
{
	return shared_load32(&gh->ack) != shared_load32(&gc.hs_epoch) ||
	       shared_load_ptr((void *const volatile *)&gh->scan_req) != NULL;
}
void gc_task_hook(struct task *t);
bool gc_handshake(enum gc_hs_kind kind, uint32_t selfscan);
void gc_world_release(void);
void gc_claims_release(void);
bool gc_claim_add(struct task *t);
void gc_collect_vroots(struct gc_hart *gh, struct task *t);

/* ---- check.c ---- */
void gc_bad_pointer(const void *p, struct span *s, const struct gc_where *w);
void gc_bad_pointer_seen(const void *p, struct span *s, uint32_t state,
			 const struct gc_where *w);
struct span *gc_checked_span(const void *p, const struct gc_where *w);

/* ---- pacer.c ---- */
void gc_pacer_update(void);
void gc_pacer_flip(uint64_t marked);
bool gc_pacer_alloc(struct gc_hart *gh, uint64_t bytes);
void gc_wait_cycle(uint64_t target, bool finish_sweep);
bool gc_takeover(void);

/* ---- verify.c ---- */
void gc_verify(void);

/* ---- trace.c ---- */
void gc_pause_record(struct gc_hart *gh, uint64_t ns);
void gc_trace_cycle(uint64_t heap_before, uint64_t heap_marked,
		    uint64_t mark_ns, uint64_t stw_ns);

#endif
