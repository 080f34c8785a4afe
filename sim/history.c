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
 */
#ifdef SF_SIMULATE

#include "history.h"

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

/* Under the lock on return: the write about to be made is recorded. */
static void begin_write(unsigned hart, volatile void *p, unsigned size)
{
	history_lock();
	record(hart, (uintptr_t)p, size);
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

uint64_t history_fetch_add64(unsigned hart, volatile uint64_t *p, uint64_t v)
{
	begin_write(hart, p, 8);
	v = arch_fetch_add64(p, v);
	history_unlock();
	return v;
}

uint32_t history_fetch_add32(unsigned hart, volatile uint32_t *p, uint32_t v)
{
	begin_write(hart, p, 4);
	v = arch_fetch_add32(p, v);
	history_unlock();
	return v;
}

uint32_t history_swap32(unsigned hart, volatile uint32_t *p, uint32_t v)
{
	begin_write(hart, p, 4);
	v = arch_swap32(p, v);
	history_unlock();
	return v;
}

bool history_cas64(unsigned hart, volatile uint64_t *p, uint64_t old,
		   uint64_t new)
{
	begin_write(hart, p, 8);
	bool done = arch_cas64(p, old, new);
	history_unlock();
	return done;
}

bool history_cas32(unsigned hart, volatile uint32_t *p, uint32_t old,
		   uint32_t new)
{
	begin_write(hart, p, 4);
	bool done = arch_cas32(p, old, new);
	history_unlock();
	return done;
}

uint64_t history_value_at(unsigned hart, uintptr_t addr, unsigned size,
			  uint64_t seq)
{
	history_lock();
	uint64_t v = load_word(addr, size);
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
