/*
 * history.c - a ring of the simulator's recent writes to shared memory, for
 * answering a load as of an earlier moment (sim/history.h). Compiled into
 * simulation builds (SF_SIMULATE).
 *
 * One global lock (a plain test-and-set on the arch primitives: the
 * simulator's own, never simulated or named) serialises every recorded
 * write with its record and with history_value_at(), so a record's "old"
 * value is what the write replaced, and a lookup sees memory and ring in
 * one state. Plain C stores are not recorded (atomic.h's rule: shared words
 * are written with shared_store* or atomic_*); a lookup may then answer a
 * value newer than asked, which a load may always return.
 *
 * PENDING RMWs. An RMW is made on memory at once (so it stays atomic, and
 * every later RMW on the word, by any hart, sees it), but its store is
 * also noted in a small table of pending RMWs {id, address, size, the
 * value before, hart}, until its marker drains from the performing hart's
 * store buffer (history_rmw_visible, from sim/storebuf.c). Meanwhile the
 * other harts' loads of that word (history_load, history_value_at) return
 * the value before: the RMW's store is not yet visible to them, as on
 * RVWMO (an AMO or LR/SC without .aq/.rl) and MIPS (LL/SC without sync).
 * The performing hart's own loads see memory (forwarding). An entry goes
 * away early, never late, when the word is written again (any RMW, any
 * drained store: coherence), when another hart loads it with another size
 * or offset (mixed sizes: simply made visible), or when the table is full
 * (the RMW is then visible at once). At most one entry covers a byte: the
 * RMW that makes an entry first clears the overlapping ones.
 *
 * Cost: while the table has no entry for a word's bucket, a load of the
 * word takes no lock: it reads the bucket's word (entries, insertions),
 * memory, then the bucket again, and takes the lock only if the bucket
 * has an entry or changed meanwhile (an RMW was inserted: the value read
 * may be its store, which must stay hidden).
 */
#ifdef SF_SIMULATE

#include "history.h"

#include <stddef.h>

#include "asm/atomic.h"
#include "asm/barrier.h"
#include "atomic.h"

struct write_rec {
	uint64_t seq; /* 0: unused */
	uintptr_t addr;
	uint64_t old;
	uint32_t size;
	uint32_t hart;
};

static struct write_rec ring[HISTORY_RING];
static volatile uint64_t next_seq = 1; /* written under the lock */
static volatile uint32_t lock;

struct pending_rmw {
	uint64_t id; /* the RMW's record number (seq) */
	uintptr_t addr;
	uint64_t before; /* what the other harts still load */
	uint32_t size;
	uint32_t hart;
};

#define PENDING_MAX	64
#define PENDING_BUCKETS 256
#define BUCKET_ENTRY	1ull	     /* low 16 bits: entries in the bucket */
#define BUCKET_INSERT	(1ull << 16) /* upper bits: insertions so far */

static struct pending_rmw pending[PENDING_MAX]; /* [0, npending) */
/* Per hart: its CASes that failed on another hart's pending RMW. */
#define MET_HARTS 64
static uint64_t met[MET_HARTS];	   /* written under the lock */
static volatile uint32_t npending; /* written under the lock */
/* Per bucket of 8-byte words (any two overlapping accesses share one:
 * shared words are naturally aligned); written under the lock, read
 * without it by history_load's fast path. */
static volatile uint64_t bucket[PENDING_BUCKETS];

static void history_lock(void)
{
	/* A bare spin: arch_cpu_relax() may drain this hart's store buffer
	 * (mips64's sleeps), which would re-enter the simulator here. The
	 * section is a few instructions long. */
	while (arch_swap32(&lock, 1) != 0)
		while (arch_load32(&lock) != 0)
			;
	/* The simulator's own lock: orders the section after the swap
	 * (pairs with the release in history_unlock). */
	arch_acquire_barrier();
}

static void history_unlock(void)
{
	/* Pairs with the acquire in history_lock. */
	arch_release_barrier();
	arch_store32(&lock, 0);
}

static uint64_t load_word(uintptr_t addr, unsigned size)
{
	return size == 8 ? arch_load64((volatile uint64_t *)addr)
			 : arch_load32((volatile uint32_t *)addr);
}

static unsigned bucket_of(uintptr_t addr)
{
	return (unsigned)(addr >> 3) % PENDING_BUCKETS;
}

static int overlap(const struct pending_rmw *e, uintptr_t addr, unsigned size)
{
	return e->addr < addr + size && addr < e->addr + e->size;
}

/* Under the lock: entry i is visible now; remove it. */
static void unpend(unsigned i)
{
	unsigned k = bucket_of(pending[i].addr);
	uint32_t n = npending - 1;

	arch_store64(&bucket[k], bucket[k] - BUCKET_ENTRY);
	pending[i] = pending[n];
	arch_store32(&npending, n);
}

/* Under the lock: the word is written by hart; pending RMWs on it are
 * done. True if one was another hart's. */
static int unpend_overlapping(unsigned hart, uintptr_t addr, unsigned size)
{
	int other = 0;

	if ((bucket[bucket_of(addr)] & (BUCKET_INSERT - 1)) == 0)
		return 0;
	for (unsigned i = 0; i < npending;) {
		if (!overlap(&pending[i], addr, size)) {
			i++;
			continue;
		}
		other |= pending[i].hart != hart;
		unpend(i);
	}
	return other;
}

/*
 * Under the lock, after record() and before the RMW itself: hide the RMW's
 * store from the other harts. Its id (the record's seq), 0 if the table is
 * full or the caller wants it visible at once (hide == NULL).
 */
static uint64_t hide_rmw(unsigned hart, uintptr_t addr, unsigned size,
			 uint64_t *hide)
{
	if (hide == NULL)
		return 0;
	*hide = 0;
	if (npending == PENDING_MAX)
		return 0;
	uint64_t id = next_seq - 1;
	unsigned k = bucket_of(addr);

	pending[npending] = (struct pending_rmw){
	    id, addr, ring[id % HISTORY_RING].old, size, hart};
	arch_store32(&npending, npending + 1);
	arch_store64(&bucket[k], bucket[k] + BUCKET_INSERT + BUCKET_ENTRY);
	/* The simulator's own: the bucket's change before the RMW's store;
	 * pairs with the acquires in history_load's fast path. */
	arch_publication_barrier();
	*hide = id;
	return id;
}

/* Under the lock: the RMW `id` did not write after all (a failed CAS). */
static void unhide_rmw(uint64_t id, uint64_t *hide)
{
	for (unsigned i = 0; i < npending; i++) {
		if (pending[i].id == id) {
			unpend(i);
			break;
		}
	}
	*hide = 0;
}

/* Under the lock: note that hart is about to overwrite addr. */
static void record(unsigned hart, uintptr_t addr, unsigned size)
{
	uint64_t seq = next_seq;

	arch_store64(&next_seq, seq + 1);

	ring[seq % HISTORY_RING] =
	    (struct write_rec){seq, addr, load_word(addr, size), size, hart};
}

uint64_t history_now(void)
{
	/* No lock: the counter only grows. Orders the caller's next load
	 * after this one, so the moment returned is no later than it. */
	uint64_t seq = arch_load64(&next_seq);
	arch_acquire_barrier();
	return seq;
}

/* Under the lock on return: the write about to be made is recorded.
 * True if it makes another hart's pending RMW visible. */
static int begin_write(unsigned hart, volatile void *p, unsigned size)
{
	history_lock();
	int met_other = unpend_overlapping(hart, (uintptr_t)p, size);
	record(hart, (uintptr_t)p, size);
	return met_other;
}

void history_write(unsigned hart, uintptr_t addr, unsigned size, uint64_t val)
{
	begin_write(hart, (volatile void *)addr, size);
	if (size == 8)
		arch_store64((volatile uint64_t *)addr, val);
	else
		arch_store32((volatile uint32_t *)addr, (uint32_t)val);
	history_unlock();
}

uint64_t history_fetch_add64(unsigned hart, volatile uint64_t *p, uint64_t v,
			     uint64_t *hide)
{
	begin_write(hart, p, 8);
	hide_rmw(hart, (uintptr_t)p, 8, hide);
	v = arch_fetch_add64(p, v);
	history_unlock();
	return v;
}

uint32_t history_fetch_add32(unsigned hart, volatile uint32_t *p, uint32_t v,
			     uint64_t *hide)
{
	begin_write(hart, p, 4);
	hide_rmw(hart, (uintptr_t)p, 4, hide);
	v = arch_fetch_add32(p, v);
	history_unlock();
	return v;
}

uint32_t history_swap32(unsigned hart, volatile uint32_t *p, uint32_t v,
			uint64_t *hide)
{
	begin_write(hart, p, 4);
	hide_rmw(hart, (uintptr_t)p, 4, hide);
	v = arch_swap32(p, v);
	history_unlock();
	return v;
}

bool history_cas64(unsigned hart, volatile uint64_t *p, uint64_t old,
		   uint64_t new, uint64_t *hide)
{
	int met_other = begin_write(hart, p, 8);
	/* Hidden before it is made (history_load's fast path must never
	 * see the new value unhidden); undone if the CAS fails. */
	uint64_t id = hide_rmw(hart, (uintptr_t)p, 8, hide);
	bool done = arch_cas64(p, old, new);
	if (!done && id != 0)
		unhide_rmw(id, hide);
	if (!done && met_other && hart < MET_HARTS)
		met[hart]++;
	history_unlock();
	return done;
}

bool history_cas32(unsigned hart, volatile uint32_t *p, uint32_t old,
		   uint32_t new, uint64_t *hide)
{
	int met_other = begin_write(hart, p, 4);
	/* Hidden before it is made (history_load's fast path must never
	 * see the new value unhidden); undone if the CAS fails. */
	uint64_t id = hide_rmw(hart, (uintptr_t)p, 4, hide);
	bool done = arch_cas32(p, old, new);
	if (!done && id != 0)
		unhide_rmw(id, hide);
	if (!done && met_other && hart < MET_HARTS)
		met[hart]++;
	history_unlock();
	return done;
}

/*
 * Under the lock: the word as hart sees it now - memory, or the value
 * before another hart's pending RMW of it (*hidden then set, if given). A
 * pending RMW of another size or offset that overlaps the word is made
 * visible instead.
 */
static uint64_t pending_view(unsigned hart, uintptr_t addr, unsigned size,
			     int *hidden)
{
	uint64_t v = load_word(addr, size);

	if ((bucket[bucket_of(addr)] & (BUCKET_INSERT - 1)) == 0)
		return v;
	for (unsigned i = 0; i < npending;) {
		const struct pending_rmw *e = &pending[i];

		if (!overlap(e, addr, size) || e->hart == hart) {
			i++;
		} else if (e->addr == addr && e->size == size) {
			v = e->before;
			if (hidden != NULL)
				*hidden = 1;
			i++;
		} else {
			unpend(i);
		}
	}
	return v;
}

uint64_t history_load(unsigned hart, uintptr_t addr, unsigned size, int *hidden)
{
	volatile uint64_t *k = &bucket[bucket_of(addr)];
	uint64_t g = arch_load64(k);

	if ((g & (BUCKET_INSERT - 1)) == 0) {
		/* The simulator's own: the bucket before the word, the word
		 * before the bucket again; pair with the publication barrier
		 * in hide_rmw (the new value read means a changed bucket). */
		arch_acquire_barrier();
		uint64_t v = load_word(addr, size);
		arch_acquire_barrier();
		if (arch_load64(k) == g)
			return v;
	}
	history_lock();
	uint64_t v = pending_view(hart, addr, size, hidden);
	history_unlock();
	return v;
}

uint64_t history_rmw_met(unsigned hart)
{
	return hart < MET_HARTS ? arch_load64(&met[hart]) : 0;
}

void history_rmw_visible(uint64_t id)
{
	/* No lock for an empty table: this hart made the entry, so an
	 * empty table means someone removed it already (made it visible
	 * early: a later write of the word). */
	if (arch_load32(&npending) == 0)
		return;
	history_lock();
	for (unsigned i = 0; i < npending; i++) {
		if (pending[i].id == id) {
			unpend(i);
			break;
		}
	}
	history_unlock();
}

uint64_t history_value_at(unsigned hart, uintptr_t addr, unsigned size,
			  uint64_t seq)
{
	history_lock();
	uint64_t v = pending_view(hart, addr, size, NULL);
	uint64_t newest = next_seq - 1;

	/* Too far back for the ring: answer now. */
	if (seq != 0 && newest - seq < HISTORY_RING) {
		/* Newest first: undo every other hart's write to addr made
		 * at or after seq, up to this hart's own newest one. */
		for (uint64_t n = newest; n >= seq; n--) {
			const struct write_rec *w = &ring[n % HISTORY_RING];
			if (w->seq != n || w->addr != addr || w->size != size)
				continue;
			if (w->hart == hart)
				break;
			v = w->old;
		}
	}
	history_unlock();
	return v;
}

#else
/* Not a simulation build (ISO C wants a declaration). */
typedef int sim_history_unused;
#endif
