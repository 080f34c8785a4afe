/*
 * heap.h - the span heap: its data structures, their invariants, and how
 * the harts share them. Everything in heap/ follows from this comment.
 *
 * OVERVIEW
 *
 * The heap owns one region of memory, [base, end) given to heap_init(): on a
 * board the RAM after the image (platform.mem_base..mem_end), on the host an
 * mmap'd block. It is cut into PAGES of 8 KiB. A SPAN is a run of contiguous
 * pages with one use: free, small objects of one size class, one large
 * object, or manual (task stacks). A PAGE->SPAN TABLE maps every page to its
 * span, so any address finds its span in O(1) without a lock. Small objects
 * (<= 32 KiB) are carved from spans by SIZE CLASS; each hart allocates from
 * spans it OWNS through a PER-HART CACHE, without locks or atomics. Spans no
 * hart owns sit on CENTRAL per-class lists. Large objects get a span each.
 * The collector (gc/) finds spans and their mark bitmaps here too.
 *
 *   malloc(n <= 32K) -> cache->direct[direct_index(n)] = the class's
 *                       current span -> lowest bit of its allocCache window
 *                       (direct_index: (n + 7) >> 3 up to 1 KiB, then one
 *                       entry per 128 bytes; no class lookup)
 *                       refill: next bitmap word; the hart's partial spans;
 *                       central partial spans; a new span from the page heap
 *   malloc(n > 32K)  -> the hart's large cache, else
 *                       span_alloc(pages, SPAN_LARGE)   (heap lock)
 *   free(p)          -> span_of(p) -> owner is me: clear the alloc bit
 *                                   -> owned by hart h: push p on h's inbox
 *                                   -> owned by central: under the class lock
 *                                   -> large: the hart's large cache, or
 *                                      span_free()      (heap lock)
 *
 * PAGES (8 KiB)
 *
 * The page is the unit of the page heap and of the page->span table, not a
 * hardware page (the boards run without paging). 8 KiB, as in Go, because:
 * every class up to 32 KiB then fits a span of at most 8 pages with a tail of
 * at most 1/8 (4 KiB pages would need up to 16); the per-page metadata below
 * (332 bytes) stays near 4% of the heap where 4 KiB pages would double it;
 * a large object wastes less than one page (< 20% at 32 KiB, falling with
 * size); and task stacks of 8 or 16 KiB are one or two pages. 16 KiB or more
 * would waste too much on the 128 MiB boards for small-class spans that sit
 * mostly empty on each hart.
 *
 * REGION LAYOUT (heap_init)
 *
 *   base: [spanmap: 8 B/page][span records: 320 B/page][runmap: 4 B/page]
 *         ... page-aligned arena: page 0, page 1, ... page npages-1  :end
 *
 * A span's record is the record of its FIRST page (spans never overlap, so
 * one record per page is enough and needs no allocator). The record holds
 * the span's bitmaps (SPAN_BITMAP_WORDS words each: no class has more than
 * 512 objects in a span), so the free path finds them at a fixed offset.
 *
 * PAGE HEAP: two-level segregated free lists of page runs (TLSF)
 *
 * Free runs are FREE spans on 16 lists per power of two of their length
 * (exact lists below 16 pages); a bitmap of non-empty groups and one of
 * non-empty lists per group find a fitting run with two count-trailing-zeros,
 * whatever the heap size. A request is rounded up to the next list boundary
 * so any run found fits (at most 1/16 of slack). When that fails, the one
 * list holding runs of the request's own length is scanned, so the heap is
 * never reported exhausted while a fitting run exists. The head of the run is
 * used, the tail goes back on a list. Freeing coalesces in O(1) through the
 * page heap's own boundary tags (ph.runmap: the first and last page of each
 * free run name it), never through the span map or a span's state, which a
 * span being published writes outside the lock. Chosen over Go's radix tree
 * of bitmap summaries, which is built for sparse 48-bit address spaces and
 * scavenging, and over a buddy system, which rounds stacks and large objects
 * up to powers of two. One spinlock (mheap.lock) guards the lists, the free
 * runs' records and ph.runmap; it is only taken to create or free spans,
 * never on the malloc/free fast paths.
 *
 * SPANS AND STATES (struct span, state written with shared_store32)
 *
 *   SPAN_FREE    on a page-heap list; only its first and last pages are in
 *                the span map, the pages between map to NULL.
 *   SPAN_SMALL   objects of one size class: elemsize, nelems, divmul; an
 *                ALLOC BITMAP (1 = allocated), a REMOTE bitmap (guard bits of
 *                objects freed by other harts and not yet processed), a MARK
 *                bitmap for the collector, the allocCache window; an OWNER.
 *   SPAN_LARGE   one object of npages pages (> 32 KiB, or over-aligned);
 *                span->cached is set while it sits freed in a large cache.
 *   SPAN_MANUAL  pages handed out as they are (task stacks): the heap never
 *                frees, scans or reports them; span_free_manual() returns them.
 * A span's state, base, npages and class are written by span_alloc before
 * SPAN_PUBLISH (below) and do not change until the span is freed.
 *
 * PAGE->SPAN TABLE (mheap.spanmap, entries written with shared_store_ptr)
 *
 * spanmap[(addr - arena) >> PAGE_SHIFT]: for a page of an in-use span, that
 * span; for the first and last page of a free run, the free span; otherwise
 * NULL. span_of(p) is a bounds check and one load: NULL outside the arena.
 * Every cache holds a copy of arena, arena_size and spanmap (set once by
 * heap_init), so that the free fast path reaches them from the cache.
 *
 * PUBLICATION (the Go bug, golang/go#35541)
 *
 * span_alloc*() takes its pages under mheap.lock, then, after the lock,
 * writes every field of the new span, its state and its span map entries,
 * and executes publication_barrier(BARRIER_SPAN_PUBLISH) before it returns,
 * so those stores are ordered before any store of a pointer into the span.
 * The collector on another hart loads a pointer p from an object or slot
 * and then calls span_of(p): it must see the span, never a stale NULL or
 * FREE entry. (Without the fence, on RISC-V or MIPS the pointer can become
 * visible before the span map entry.) A large span taken again from a large
 * cache is published the same way (its cached flag, then SPAN_PUBLISH).
 * span_free() unpublishes under mheap.lock (see page.c).
 *
 * SIZE CLASSES (sizeclasses.c, generated by tools/gen-sizeclasses.c)
 *
 * 64 classes from 16 bytes to 32 KiB, every one a multiple of 16 (so every
 * object is aligned for max_align_t), every power of two included. Classes
 * above 128 bytes waste at most 1/8 (in fact < 1/9) of the object to
 * rounding; below, less than the 16-byte alignment quantum. Each class has a
 * span of 1..8 pages wasting at most 1/8 of it in the tail and holding at
 * least 4 objects where that bound allows (2 for the largest classes), so
 * that a span of one big object does not go back to the page heap on every
 * free. Size to class is O(1): size_to_class8[(n + 7) >> 3] up to 1 KiB,
 * size_to_class128[(n - 1024 + 127) >> 7] above (classes above 1 KiB are
 * multiples of 128). divmul turns an offset into a slot index with one
 * multiply, idx = (off * divmul) >> 32, whose low half also tells a slot
 * start from an interior pointer (span_slot()); divmul <= 2^28 (16-byte
 * minimum class), which the free fast path relies on (sign extension).
 *
 * PER-HART CACHES AND OWNERSHIP (cache.c)
 *
 * Each hart's struct heap_cache (hart->heap_cache; heap_my_cache() finds it
 * in one or a few instructions: RISC-V tp, MIPS a CPUNum-indexed table in
 * gp-relative small data) has, per class, a current span (alloc[], and
 * direct[], the same spans by direct_index(n) for every small size, so
 * that malloc needs no class lookup) and lists of its partial, full and
 * (a few) empty spans. Every small span has one OWNER, in its owner word:
 * the owning hart's cache, or NULL (central). Only the owner touches the
 * alloc bitmap, counters, window, flags and list links. The owner word is
 * stored by the owner (or by central under its class lock) with
 * shared_store_ptr and read by any hart with shared_load_ptr.
 *
 * Allocation (fast path, malloc.c: 24 instructions with the return on
 * rv64gc, 28 on MIPS64, for n <= 1 KiB; 4 and 6 more above): allocCache
 * holds the FREE slots of one bitmap word (the window, slots
 * freeindex..freeindex+63). The hart takes its lowest set bit, clears it,
 * sets the slot's alloc bit and returns winbase + k * elemsize
 * (span_take()), where k is the bit's index plus a bias folded into
 * winbase: on rv64gc, which has no count-trailing-zeros, the bit converted
 * to a double is (1023 + index) << 52 and one mulhu by winmul = elemsize <<
 * 12 gives (1023 + index) * elemsize; MIPS64 uses dclz (k = -clz, bias -63);
 * the host ctz. No lock, no atomic. When the window is empty the hart loads
 * the next word of the span with a free slot; a span with none is marked
 * full and put on the full list; then the hart takes one of its partial
 * spans, a kept empty one, one from central, then a new span from the page
 * heap. Out of pages, it frees its kept empty spans and large cache and
 * tries again, and at last takes a full span with a few free slots.
 *
 * Local free (fast path: 34 instructions on rv64gc, 41 on MIPS64): p in the
 * arena, its span's owner word is this cache, off * divmul says p is a slot
 * start and the slot's alloc bit is set - one branch for "allocated and a
 * block start" (the bit tested is the slot-start comparison's 0 or 1
 * shifted to the slot's alloc bit), so interior pointers and double frees
 * fall to the slow path, which tells the cases apart and reports them.
 * Clear the alloc bit, decrement countdown = nalloc - relist; no atomic.
 * Only when countdown reaches 0 (nalloc reached relist) does the slow path
 * change lists: a full span goes back to the partial list once a quarter of
 * its slots, and at least two (both of a span of two), are free again
 * (span_full_relist(); without that slack a span with one free slot would
 * be taken and filled again at every allocation, and the spans of 4
 * objects, most classes from 1.7 to 16 KiB, changed lists at every other
 * allocation of a working set that replaces blocks at random). The partial list
 * is a queue: a span goes back at its tail and refills take the head, the span
 * that has had the longest time to collect frees, so a span switch yields more
 * than the minimum of slots. A span that becomes empty is kept on the empty
 * list while the kept spans total at most CACHE_EMPTY_PAGES pages, else
 * freed to the page heap (spans of few objects would churn otherwise). A
 * hart's current span has relist RELIST_NEVER: its frees never leave the
 * fast path. The fast path does not look at the remote guard bit: an object
 * freed by another hart and then by its owner (a double free) is freed
 * locally, and the owner reports it when it takes the object from its inbox
 * and finds the slot free, which it always does before it reloads a window
 * (refills drain the inbox first), so the slot cannot be handed out
 * meanwhile; and a span whose last object is freed while a guard bit is set
 * is reported and kept, never emptied under the inbox (span_guards_clear()).
 *
 * Remote free (another hart owns the span): the freeing hart sets the slot's
 * REMOTE GUARD bit with atomic_cas64 (already set: a double free, reported at
 * once), writes the inbox link into the object's first word and pushes the
 * object on the owner's INBOX, a lock-free stack (atomic_cas_ptr). That push
 * is its last access to the span: until the owner processes the object it
 * still counts as allocated, so the span cannot be emptied and reused under
 * the freeing hart. The owner takes the whole inbox with one CAS (no ABA:
 * pushes only, and take-all) when it refills or flushes, and frees each
 * object as a local free; it clears their guard bits with one atomic add
 * per run of objects in the same bitmap word (span_guard_clear()), always
 * before a free empties the span. An object whose
 * span has changed owner meanwhile is forwarded to the new owner. This was
 * chosen over per-class central locking because a hart that frees many
 * objects it did not allocate (producer/consumer) then never takes a lock,
 * and over Go's single cached span per hart because the owner keeps every
 * span it fills, so all of its own frees are local and atomic-free.
 *
 * CENTRAL LISTS (central.c)
 *
 * Per class, under a spinlock: partial and full spans owned by no hart, left
 * by heap_cache_flush() (a host thread exiting; a hart going idle). A refill
 * takes a partial one before asking the page heap. A free into a central
 * span takes the class lock and frees directly; if the span was acquired by
 * a hart meanwhile (owner re-read under the lock), the object is forwarded to
 * that hart's inbox instead.
 *
 * LARGE OBJECTS (large.c)
 *
 * Over 32 KiB, or aligned beyond a page: a SPAN_LARGE span of whole pages
 * (aligned as asked). A hart keeps up to LARGE_CACHE_SPANS freed large spans
 * of LARGE_CACHE_PAGES pages in all (each at most half of that): still
 * SPAN_LARGE and in the span map, with span->cached set, so that a second
 * free or a realloc of the block is still reported; the next large malloc
 * of the same number of pages takes one back without the heap lock. The
 * oldest goes to the page heap when the cache is full; all of them when
 * the hart flushes or the heap runs out of pages (cache_trim).
 *
 * BAD INPUT (report.c)
 *
 * free/realloc/malloc_usable_size of a pointer outside the heap, into free
 * pages, into a manual span, not at a slot start, or of a free slot or a
 * cached large block (double free), prints the address, the span (base,
 * limit, state, class) and what was wrong with kprintf, then panic()s
 * (EXIT_PANIC); -DSF_HEAP_REPORT_CONTINUE reports and ignores the operation.
 * A double free by a hart that does not own the span is caught at once if
 * the first free was also remote and still unprocessed (the guard bit), else
 * by the owner when it processes the object. Sizes that overflow and
 * exhaustion return NULL with errno ENOMEM.
 *
 * INVARIANTS
 *  1. Every page of the arena belongs to exactly one span (or to a span
 *     being published); spanmap is as described above; a FREE span is on
 *     exactly one page-heap list and named by ph.runmap.
 *  2. A SMALL span is the current span of its owner's class, or on exactly
 *     one of its owner's partial / full / empty lists, or of central's
 *     partial / full lists; span->full says which of partial and full.
 *  3. nalloc (span_nalloc() = relist + countdown) = allocated slots + slots
 *     in the window (allocCache); allocated slots are exactly the alloc bits
 *     set; relist is RELIST_NEVER for a hart's current span, the full
 *     threshold for a full span, else 0; a span with nalloc == 0 is
 *     current, kept empty, or freed.
 *  4. A remote guard bit is set only on an allocated slot whose object is on
 *     some hart's inbox (or being handed to central), or on a slot its
 *     owner's cache_drain() has just freed (cleared before that drain
 *     returns or the span empties) - but after a double free, which is
 *     reported.
 *  5. A LARGE span with cached set is in exactly one hart's large cache and
 *     nobody holds a pointer into it legitimately.
 *  6. Lock order: a central class lock, then mheap.lock. No lock is held while
 *     pushing to an inbox.
 *
 * BARRIERS (every one named in include/barrier.h)
 *   SPAN_PUBLISH  span_alloc* and large_cache_take: span map entries, state
 *                 and span fields, before any pointer into the span is
 *                 stored; pairs with the collector's span_of(p) after it
 *                 loads p.
 *   SPAN_RETIRE   span_free: the stores that dropped the last pointers into
 *                 the span, before its state FREE and span map entries;
 *                 pairs with the collector's task-record check (a FREE span
 *                 for a pointer it loaded means the pointer has moved on).
 *   REMOTE_FREE   remote free: the object's link word (and its guard bit),
 *                 before the CAS that pushes it on the owner's inbox; pairs
 *                 with the owner's acquire after the CAS that takes the inbox.
 *   SPIN_LOCK / SPIN_UNLOCK: mheap.lock and the central class locks.
 * The malloc and local free fast paths have no barrier and no atomic.
 */
#ifndef SPANFENCE_HEAP_H
#define SPANFENCE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "hart.h"
#include "spinlock.h"

/* Slow paths: out of line, so the fast paths stay a few instructions. */
#define HEAP_SLOW __attribute__((cold, noinline))

#define PAGE_SHIFT	 13
#define PAGE_SIZE	 ((size_t)1 << PAGE_SHIFT)
#define SMALL_MAX	 32768
#define NUM_SIZE_CLASSES 65 /* class 0 means "not a small span" */
/* Bitmap words of a span: no class has more than 512 objects per span. */
#define SPAN_BITMAP_WORDS 8
/* Entries of heap_cache.direct: sizes 0..1024 by (n + 7) >> 3, larger
 * small sizes by DIRECT_128 + ((n - 1024 + 127) >> 7) (direct_index()). */
#define DIRECT_128     (1024 / 8)
#define DIRECT_ENTRIES (DIRECT_128 + 1 + (SMALL_MAX - 1024) / 128)

enum span_state { SPAN_FREE, SPAN_SMALL, SPAN_LARGE, SPAN_MANUAL };

/* A span of objects: malloc's or the collector's, small or large. */
static inline bool span_state_has_objects(uint32_t state)
{
	return state == SPAN_SMALL || state == SPAN_LARGE;
}

/* In use: a span of objects or a manual one (a task stack). A pointer
 * the collector finds must land in one (gc/check.c, gc/roots.c). */
static inline bool span_state_in_use(uint32_t state)
{
	return span_state_has_objects(state) || state == SPAN_MANUAL;
}

/* Empty spans a hart keeps for reuse, in pages (see cache_span_changed). */
#define CACHE_EMPTY_PAGES 32
/* Freed large spans a hart keeps for reuse (large.c): at most this many,
 * of at most LARGE_CACHE_PAGES pages in all. */
#define LARGE_CACHE_SPANS 4
#define LARGE_CACHE_PAGES 64

struct heap_cache;

/* One 64-slot word of a small span's alloc bitmap. */
struct span_bits {
	uint64_t alloc; /* 1 = allocated; owner only */
};

struct span {
	/*
	 * The first cache line holds everything the malloc and free fast
	 * paths touch in a span of at most 64 objects: base, owner, divmul,
	 * countdown, the window and bits[0]; the second one bits[1..7].
	 */
	uintptr_t base;			   /* address of the first page */
	struct heap_cache *volatile owner; /* owning hart's cache, NULL:
					      central (or not SMALL) */
	uint32_t divmul;		   /* see span_slot() */
	uint32_t countdown; /* owner: nalloc - relist (span_nalloc) */
	/* Owner only (a hart, or central under its class lock). */
	uint64_t alloccache; /* free slots of the window, bit i = slot
				freeindex + i */
	uintptr_t winbase;   /* span_take()'s origin and multiplier */
	uint64_t winmul;
	struct span_bits *cachebits; /* &bits[freeindex / 64] */

	/* SMALL: the alloc bitmap, nelems bits. */
	struct span_bits bits[SPAN_BITMAP_WORDS];

	/* Written by span_alloc (mheap.lock) before SPAN_PUBLISH; fixed
	 * until the span is freed (with base, divmul). */
	uint32_t npages;
	volatile uint32_t state; /* enum span_state: shared_store32/load32 */
	uint32_t elemsize;	 /* object size (SMALL), else 0 */
	uint16_t nelems;	 /* objects in the span */
	uint8_t sizeclass;	 /* 0 unless SPAN_SMALL */
	uint8_t noscan;		 /* collector: no pointers inside (unset yet) */

	/* Owner only, as the window above. */
	uintptr_t cachebase;	  /* address of slot freeindex */
	uint32_t freeindex;	  /* first slot of the window (multiple of
				     64); refill scans from the next word */
	uint32_t relist;	  /* a free that brings nalloc to this value
				     takes the slow path (list change) */
	uint8_t full;		  /* on a full list */
	uint8_t collected;	  /* gc/'s span (objects of gc_alloc, which
				     free/realloc refuse); 0 from span_alloc */
	volatile uint32_t cached; /* LARGE: freed, kept by a hart's large
				     cache (shared_load32/store32) */
	struct span *next, *prev; /* page-heap, cache or central list */

	/* The collector's (gc/): cleared by span_alloc, unused by the heap. */
	volatile uint32_t sweepgen;
	uint64_t markbits[SPAN_BITMAP_WORDS]; /* SMALL: nelems bits */

	/* SMALL: remote guard bits, 1 = freed by another hart and on an
	 * inbox (set by that hart's CAS, cleared by the owner's atomic add).
	 * A line of their own: the CAS of a hart freeing into the span does
	 * not take the line of the alloc words the owner writes. */
	volatile uint64_t remote[SPAN_BITMAP_WORDS]
	    __attribute__((aligned(64)));
} __attribute__((aligned(64)));

struct span_list {
	struct span *first, *last;
};

struct size_class {
	uint32_t size;
	uint16_t npages;
	uint16_t nelems;
	uint32_t divmul;
};

extern const struct size_class size_classes[NUM_SIZE_CLASSES];
extern const uint8_t size_to_class8[1024 / 8 + 1];
extern const uint8_t size_to_class128[(SMALL_MAX - 1024) / 128 + 1];

/* A hart's cache (hart->heap_cache): only that hart touches it, but inbox. */
struct heap_cache {
	void *volatile inbox; /* objects freed by other harts (CAS push) */
	char pad[64 - sizeof(void *)];
	/* Read by the fast paths: mheap's, copied by heap_init. */
	uintptr_t arena;
	size_t arena_size;
	void *volatile *spanmap;
	/* alloc[size_class(n)] at direct_index(n) for n <= SMALL_MAX: the
	 * malloc fast path's only lookup */
	struct span *direct[DIRECT_ENTRIES];
	struct span *alloc[NUM_SIZE_CLASSES]; /* current span or &empty_span */
	struct span_list partial[NUM_SIZE_CLASSES];
	struct span_list full[NUM_SIZE_CLASSES];
	struct span_list empty[NUM_SIZE_CLASSES];
	uint32_t empty_pages; /* in the empty lists, <= CACHE_EMPTY_PAGES */
	unsigned index;	      /* the hart's index */
	struct span *large[LARGE_CACHE_SPANS]; /* freed large spans, oldest
						  first */
	uint32_t nlarge, large_pages;
} __attribute__((aligned(64)));

/* The region, set once by heap_init() before other harts run. */
struct heap {
	uintptr_t arena;   /* page 0 */
	size_t arena_size; /* npages << PAGE_SHIFT */
	size_t npages;
	void *volatile *spanmap; /* page -> struct span *, see above */
	struct span *spans;	 /* one record per page */
	struct spinlock lock;	 /* the page heap */
};

extern struct heap mheap;
extern struct heap_cache heap_caches[MAX_HARTS];
/* Never written: alloccache 0 forces a refill, nalloc == nelems (0) a span
 * switch (cache_refill). */
extern struct span empty_span;

/*
 * The calling hart's cache in a couple of instructions. RISC-V: tp holds
 * the struct hart (used as the load's base register, no move). MIPS: a
 * table by CPUNum (RDHWR 0, the CPUNum of CP0 EBase) in small data, reached
 * from gp (loaded on every CPU at entry), which saves the 64-bit address
 * materialisation of a global: 4 instructions.
 */
#if defined(__riscv)
static inline struct heap_cache *heap_my_cache(void)
{
	/* tp itself as the base register: no "mv" as in this_hart() */
	register struct hart *h __asm__("tp");

	__asm__("" : "=r"(h));
	return h->heap_cache;
}
#elif defined(__mips__)
#include "asm/percpu.h"
extern struct heap_cache *heap_cpu_cache[MIPS_MAX_CPUS]
    __attribute__((section(".sdata")));

static inline struct heap_cache *heap_my_cache(void)
{
	uintptr_t n;
	struct heap_cache *c;

	/*
	 * CPUNum itself from hardware register 0 (RDHWR, always allowed in
	 * kernel mode), where EBase needs a mask: no CPU whose CPUNum is
	 * MIPS_MAX_CPUS or more runs C code (asm/percpu.h). GCC adds gp and
	 * the table's gp offset separately: one load here.
	 */
	__asm__ volatile("rdhwr\t%0, $0" : "=r"(n));
	__asm__("daddu\t%0, %1, $gp\n\tld\t%0, %%gp_rel(heap_cpu_cache)(%0)"
		: "=r"(c)
		: "r"(n * sizeof(void *)), "m"(heap_cpu_cache));
	return c;
}
#else
static inline struct heap_cache *heap_my_cache(void)
{
	return this_hart()->heap_cache;
}
#endif

/* The span holding p, or NULL outside the arena or in free pages. */
static inline struct span *span_of(const void *p)
{
	uintptr_t off = (uintptr_t)p - mheap.arena;

	if (off >= mheap.arena_size)
		return NULL;
	return shared_load_ptr(&mheap.spanmap[off >> PAGE_SHIFT]);
}

/* The owner word: read by any hart, stored by the owner or under a lock. */
static inline struct heap_cache *span_owner(const struct span *s)
{
	return shared_load_ptr((void *const volatile *)&s->owner);
}

static inline void span_set_owner(struct span *s, struct heap_cache *c)
{
	shared_store_ptr((void *volatile *)&s->owner, c);
}

/* The smallest class holding n bytes, n <= SMALL_MAX. */
static inline unsigned size_class(size_t n)
{
	if (n <= 1024)
		return size_to_class8[(n + 7) >> 3];
	return size_to_class128[(n - 1024 + 127) >> 7];
}

/* heap_cache.direct's entry for n bytes, n <= SMALL_MAX. */
static inline size_t direct_index(size_t n)
{
	if (n <= 1024)
		return (n + 7) >> 3;
	return DIRECT_128 + ((n - 1024 + 127) >> 7);
}

/*
 * The slot of small span s holding p, true if p is its start: off * divmul
 * holds the slot in its high half and, exactly for a slot start, less than
 * divmul in its low half (checked for every class by gen-sizeclasses).
 */
static inline bool span_slot(const struct span *s, const void *p, unsigned *idx)
{
	uint64_t m = ((uintptr_t)p - s->base) * (uint64_t)s->divmul;

	*idx = (unsigned)(m >> 32);
	return (uint32_t)m < s->divmul;
}

/* Allocated slots, window included (invariant 3). */
static inline uint32_t span_nalloc(const struct span *s)
{
	return s->relist + s->countdown;
}

/*
 * The relist of a hart's current span: nalloc never reaches it, so the
 * free fast path never leaves for the slow path on a current span (an
 * empty current span stays current anyway): countdown = nalloc + 1.
 */
#define RELIST_NEVER UINT32_MAX

/* Set relist, keeping nalloc. */
static inline void span_set_relist(struct span *s, uint32_t relist)
{
	uint32_t n = span_nalloc(s);

	s->relist = relist;
	s->countdown = n - relist;
}

/*
 * The window: the address of the slot whose window bit is `low` (exactly one
 * bit set) is winbase + k * elemsize, with k from the bit in as few
 * instructions as the ISA allows and its bias folded into winbase:
 *   rv64gc (no ctz): the bit converted to a double, whose bits are
 *                    (1023 + index) << 52 exactly (a power of two); the
 *                    high half of their product with winmul = elemsize
 *                    << 12 is (1023 + index) * elemsize (fcvt.d.lu,
 *                    fmv.x.d, mulhu: no shift, no table);
 *   MIPS64r2:        -dclz = index - 63;
 *   elsewhere:       count trailing zeros.
 */
#if defined(__riscv) && !defined(__riscv_zbb)
#define WINDOW_BIAS	 1023
#define WINDOW_MUL_SHIFT 12
static inline uintptr_t window_offset(uint64_t low, uint64_t winmul)
{
	union {
		double d;
		uint64_t u;
	} v = {.d = (double)low};

	return (uintptr_t)(((unsigned __int128)v.u * winmul) >> 64);
}
#elif defined(__mips__)
#define WINDOW_BIAS	 (-63)
#define WINDOW_MUL_SHIFT 0
static inline uintptr_t window_offset(uint64_t low, uint64_t winmul)
{
	return 0 - (uintptr_t)(__builtin_clzll(low) * winmul);
}
#else
#define WINDOW_BIAS	 0
#define WINDOW_MUL_SHIFT 0
static inline uintptr_t window_offset(uint64_t low, uint64_t winmul)
{
	return (uintptr_t)(__builtin_ctzll(low) * winmul);
}
#endif

/* The index of the one bit set in x. */
static inline unsigned bit_index(uint64_t x)
{
	return (unsigned)((window_offset(x, 1ull << WINDOW_MUL_SHIFT) -
			   (uintptr_t)(intptr_t)WINDOW_BIAS));
}

/* Point the window at bitmap word w whose free slots are `free`. */
static inline void span_set_window(struct span *s, unsigned w, uint64_t free)
{
	s->alloccache = free;
	s->freeindex = w * 64;
	s->cachebits = &s->bits[w];
	s->cachebase = s->base + (uintptr_t)w * 64 * s->elemsize;
	s->winbase = s->cachebase -
		     (uintptr_t)((intptr_t)WINDOW_BIAS * (intptr_t)s->elemsize);
	s->winmul = (uint64_t)s->elemsize << WINDOW_MUL_SHIFT;
}

/*
 * Take the lowest free slot of the window (alloccache != 0): mark it
 * allocated and return it. No lock, no atomic: the owner's only.
 */
static inline void *span_take(struct span *s)
{
	uint64_t w = s->alloccache;
	uint64_t low = w & -w;

	s->alloccache = w ^ low;
	s->cachebits->alloc |= low;
	return (void *)(s->winbase + window_offset(low, s->winmul));
}

/* Population count without a libgcc call (no popcnt in the base ISAs). */
static inline uint32_t popcount64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/* page.c: the page heap and span records */
struct span *span_alloc(size_t npages, enum span_state state,
			unsigned sizeclass);
struct span *span_alloc_aligned(size_t npages, size_t align_pages,
				enum span_state state, unsigned sizeclass,
				struct heap_cache *owner);
void span_free(struct span *s);
const char *span_state_name(uint32_t state);

/* large.c: whole-page blocks; manual spans are task stacks (task/) */
HEAP_SLOW void *large_alloc(size_t size, size_t align);
void large_free(struct heap_cache *c, struct span *s);
bool large_trim(struct heap_cache *c); /* free its cached spans; any? */
struct span *span_alloc_manual(size_t npages);
void span_free_manual(struct span *s);
void *heap_alloc_pages(size_t npages, enum span_state state);
void heap_free_pages(void *p);

/* cache.c: the per-hart caches */
HEAP_SLOW struct span *cache_refill(struct heap_cache *c, unsigned cls);
HEAP_SLOW void cache_span_changed(struct heap_cache *c, struct span *s);
bool cache_trim(struct heap_cache *c); /* free its empty spans; any? */
HEAP_SLOW void cache_free_slow(struct heap_cache *c, void *p);
struct span *heap_block_live(struct heap_cache *c, const void *p,
			     const char *op);
void cache_init(struct heap_cache *c, unsigned index);

/* central.c: spans owned by no hart */
struct span *central_acquire(unsigned cls, struct heap_cache *owner);
void central_release(struct span *s);
bool central_free(struct span *s, unsigned idx, const void *p);

/* report.c: report bad input, then panic (unless SF_HEAP_REPORT_CONTINUE) */
void heap_report(const char *op, const void *p, const struct span *s,
		 const char *what);

/* The relist of a full span: it goes back to a partial list when a quarter
 * of it, and at least 2 slots (all of a span of 2), are free again. */
static inline uint32_t span_full_relist(const struct span *s)
{
	uint32_t slack = s->nelems / 4;

	if (slack < 2)
		slack = s->nelems < 2 ? s->nelems : 2;
	return s->nelems - slack;
}

/*
 * Clear remote guard bits, every one of them set: only the span's owner (or
 * central under its lock) clears them, other harts set other bits of the
 * word meanwhile. Subtracting set bits clears them with no borrow: one
 * atomic add, which (unlike a CAS) never has to retry under those sets.
 */
static inline void span_guard_clear(volatile uint64_t *remote, uint64_t bits)
{
	atomic_fetch_add64(remote, 0 - bits);
}

/*
 * Doubly linked span lists (page-heap runs, cache and central lists), with
 * a tail so that a hart's partial list is a queue (span_list_append).
 */
static inline void span_list_push(struct span_list *l, struct span *s)
{
	s->prev = NULL;
	s->next = l->first;
	if (l->first != NULL)
		l->first->prev = s;
	else
		l->last = s;
	l->first = s;
}

static inline void span_list_append(struct span_list *l, struct span *s)
{
	s->next = NULL;
	s->prev = l->last;
	if (l->last != NULL)
		l->last->next = s;
	else
		l->first = s;
	l->last = s;
}

static inline void span_list_remove(struct span_list *l, struct span *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		l->first = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		l->last = s->prev;
	s->next = s->prev = NULL;
}

static inline struct span *span_list_pop(struct span_list *l)
{
	struct span *s = l->first;

	if (s != NULL)
		span_list_remove(l, s);
	return s;
}

#endif
