/*
 * stress_gc_enter_test.c - entering non-task mutator code must be seen by
 * a handshake that starts at the same moment (GC_ENTER, gc/handshake.c: a
 * Dekker pair. gc_mutator_enter stores the hart's active flag, full
 * barrier, loads the handshake word in gc_poll; the driver stores the
 * word, full barrier, loads every hart's active flag: one of the two sees
 * the other).
 *
 * Without the pair both loads can miss both stores: the driver counts the
 * hart as not a mutator and goes on (for a STOP: takes the hart's barrier
 * buffer and, at the flip, its cached spans, while the hart allocates from
 * them and shades into the buffer), while the hart does not answer and
 * goes on as if no handshake had begun. The heap's spans and the objects
 * the hart links into it are then corrupted or lost: the heap's checks or
 * the verifier (gc/verify.c: a reachable unmarked object) panic, or the
 * collector frees an object that is still linked, which the checks below
 * see.
 *
 * The workload: the boot hart, not a task, enters, replaces OPS random
 * slots of a table (an array object held by a registered root) with fresh
 * objects (each records its slot and a serial number; a shadow of the
 * serials lives in malloc memory, which the collector never scans),
 * checking each object it replaces, and leaves; between two entries it
 * does other work (takes and releases a lock, OUTSIDE times), which lets
 * its inactive flag reach memory, so that each entry is a new race with
 * the driver. The collector runs back-to-back concurrent cycles (an ACK,
 * one or more FLUSHes and a STOP each) with verification. At the end,
 * after a full cycle, every slot must hold its object, intact and
 * allocated.
 *
 * In a simulation build the store buffers (sim/storebuf.c) hold each
 * side's store while its own load goes to memory: exactly the reordering
 * the full barriers forbid. sim_configure makes random drains rare (1 in
 * 256 accesses), so that without GC_ENTER the entering hart's flag stays
 * in its buffer through most of an entered section. In a barrier-mutant
 * build (SF_MUTANT=BARRIER_GC_ENTER) the driver then misses the hart at
 * a STOP and flips while the hart allocates from its cached spans: the
 * heap's own checks panic ("allocating from unswept span", "swept
 * twice?") or the verifier does. With the barriers, never.
 */
#include <stdint.h>

#include "atomic.h"
#include "counter.h"
#include "gc.h"
#include "ktap.h"
#include "spanfence.h"
#include "spinlock.h"
#include "xorshift.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#define NSLOT	256
#define OPS	4
#define OUTSIDE 2 /* lock rounds between a leave and the next enter */
#define SECONDS 6

#define CELL_MAGIC 0x656e746572636c6cull
struct cell {
	uint64_t magic, slot, serial;
	struct cell *self;
};
static const struct gc_type cell_type = GC_TYPE_NOSCAN("enter.cell", 32);
static const struct gc_type slot_type = GC_TYPE("enter.slot", void *, 0x1);

static struct cell **table; /* registered root: NSLOT slots */
/* The hart's other work, between a leave and the next enter. */
static struct spinlock other_lock = SPINLOCK_INIT;
static volatile uint32_t other;

struct shadow {
	uint64_t serial[NSLOT];
	const struct cell *cells[NSLOT]; /* at the end, for the last check */
	uint64_t rng, next_serial;
	uint64_t entries, replaced, bad;
};

/* Slot i of the table (only between enter and leave). */
static struct cell **slot(unsigned i)
{
	struct cell **t = gc_load(&table);

	return &t[i];
}

static uint64_t rnd(struct shadow *sh)
{
	return xorshift64star(&sh->rng);
}

static int cell_ok(const struct cell *c, unsigned i, const struct shadow *sh)
{
	return c != NULL && c->magic == CELL_MAGIC && c->self == c &&
	       c->slot == i && c->serial == sh->serial[i];
}

/* A fresh cell for slot i, stored there (the old one becomes garbage). */
static int replace(struct shadow *sh, unsigned i)
{
	struct cell *c = gc_alloc(&cell_type);

	if (c == NULL)
		return 0;
	c->magic = CELL_MAGIC;
	c->slot = i;
	c->serial = ++sh->next_serial;
	c->self = c;
	sh->serial[i] = c->serial;
	gc_store(slot(i), c);
	return 1;
}

static void test_entering_hart_is_seen(void)
{
	struct shadow *sh = sf_malloc(sizeof(*sh));
	struct gc_stats a, b;

	if (!KTAP_EXPECT(sh != NULL))
		return;
	*sh = (struct shadow){.rng = 0x5eed0e27ull ^ counter_cycles()};
#ifdef SF_SIMULATE
	sim_configure(64, 256);
#endif
	gc_root_register(&table, "enter.table");
	gc_mutator_enter();
	gc_store(&table, gc_alloc_array(&slot_type, NSLOT));
	for (unsigned i = 0; i < NSLOT; i++)
		sh->bad += !replace(sh, i);
	gc_mutator_leave();
	gc_set_verify(true);
	gc_get_stats(&a);
	gc_set_continuous(true);
	uint64_t until = counter_time() + SECONDS * counter_time_hz();
	while (counter_time() < until) {
		gc_mutator_enter();
		for (unsigned k = 0; k < OPS; k++) {
			unsigned i = (unsigned)(rnd(sh) % NSLOT);
			sh->bad += !cell_ok(gc_load(slot(i)), i, sh);
			sh->bad += !replace(sh, i);
			sh->replaced++;
		}
		gc_mutator_leave();
		sh->entries++;
		for (unsigned k = 0; k < OUTSIDE; k++) {
			spin_lock(&other_lock);
			shared_store32(&other, shared_load32(&other) + 1);
			spin_unlock(&other_lock);
		}
	}
	gc_set_continuous(false);
	gc_collect(); /* a cycle and its sweep: then no hart sweeps */
	gc_get_stats(&b);
	gc_set_verify(false);
	uint64_t freed = 0;
	gc_mutator_enter();
	for (unsigned i = 0; i < NSLOT; i++) {
		sh->cells[i] = gc_load(slot(i));
		sh->bad += !cell_ok(sh->cells[i], i, sh);
	}
	gc_mutator_leave();
	/* Outside any mutator, as gc_test_allocated requires. */
	for (unsigned i = 0; i < NSLOT; i++)
		freed += !gc_test_allocated(sh->cells[i]);
	gc_root_unregister(&table);
	ktap_diag("%lu entries, %lu cells replaced, %lu cycles (%lu "
		  "verified), %lu bad, %lu freed",
		  (unsigned long)sh->entries, (unsigned long)sh->replaced,
		  (unsigned long)(b.cycles - a.cycles),
		  (unsigned long)(b.verified - a.verified),
		  (unsigned long)sh->bad, (unsigned long)freed);
	KTAP_EXPECT(sh->entries > 0);
	KTAP_EXPECT(sh->bad == 0);
	KTAP_EXPECT(freed == 0);
	KTAP_EXPECT(b.cycles - a.cycles >= 2);
	KTAP_EXPECT(b.verified > a.verified);
	sf_free(sh);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_entering_hart_is_seen),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("stress-gc-enter", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
