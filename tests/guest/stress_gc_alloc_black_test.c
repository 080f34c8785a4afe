/*
 * stress_gc_alloc_black_test.c - allocate-black while the collector marks
 * continuously, aimed at window_black (gc/alloc.c): the
 * mutator allocates scannable objects and at once publishes pointers to
 * them into the objects of a long chain the collector is about to scan, so
 * that the collector loads a pointer to a just-allocated object, then its
 * mark word, while the allocating hart's CAS of that word (the window's
 * mark bits) may still be invisible to it.
 *
 * Why. window_black sets the mark bits of a window's free slots with a CAS
 * and no barrier after it (GC_ALLOC_BLACK was one; its removal is argued
 * there), then hands out the window's objects. In a simulation build an RMW's
 * store reaches the other harts' loads only when its marker drains from the
 * hart's store buffer (sim/storebuf.c, sim/history.c "PENDING RMWs"), so
 * the collector can load a fresh object's pointer and find its mark word
 * without the window's bits, as it could on hardware. What it
 * must never do then is grey and scan the object: that would read fields the
 * mutator is still writing. Detection: every fresh object gets a child (its
 * pointer stored with gc_store, so buffered in a simulation build) and a
 * checksum; verify mode checks after every cycle that everything reachable is
 * marked (a scan of a half-written object loses the child), the collector's
 * pointer check and header check stop the board on a stale pointer or header,
 * and the chain is checked against the checksums.
 *
 * Expected: passes: the collector marks only with a CAS on the mark word
 * (shade, gc/mark.c), and RMWs on one word are coherent, so its CAS fails on
 * the stale value and the reload sees the window's bits. The simulator's
 * statistics (printed) show how often the collector's loads were answered with
 * the value before another hart's pending RMW, and how often its CASes (the
 * shading CAS among them) failed on one, having expected the value
 * before: the window this test opens, closed by coherence.
 */
#include <stdbool.h>
#include <stdint.h>

#include "atomic.h"
#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

#define CHAIN	2048  /* nodes the collector scans every cycle */
#define ITERS	60000 /* allocations, then on until 2 cycles were verified */
#define SECONDS 6     /* at most: a slow board stops early (printed) */

struct bnode {
	struct bnode *next;	/* the chain */
	struct bnode *fresh[2]; /* chain nodes: the latest fresh objects */
	struct bnode *child;	/* fresh objects: allocated just before */
	uint64_t serial;
	uint64_t check;
};
static const struct gc_type bnode_type =
    GC_TYPE("black.node", struct bnode, 0xf);

static struct bnode *head;  /* registered root: the chain */
static struct bnode *child; /* registered root: the next fresh child */

static uint64_t checksum(uint64_t serial)
{
	return serial * 0x9e3779b97f4a7c15ull ^ 0x5eedb1ac;
}

/*
 * A fresh object intact: its checksum and its child's. With `allocated`
 * (after the run: gc_test_allocated waits for the collector's driver, too
 * slow while marking) both must also still be allocated.
 */
static int fresh_ok(const struct bnode *n, bool allocated)
{
	if (n == NULL)
		return 1;
	if ((allocated && !gc_test_allocated(n)) ||
	    n->check != checksum(n->serial))
		return 0;
	const struct bnode *c = gc_load(&n->child);
	return c != NULL && (!allocated || gc_test_allocated(c)) &&
	       c->check == checksum(c->serial) && c->serial == n->serial + 1;
}

static struct bnode *chain_at(unsigned i)
{
	struct bnode *p = gc_load(&head);

	while (i-- > 0)
		p = gc_load(&p->next);
	return p;
}

static void test_alloc_black_while_marking(void)
{
	struct gc_stats a, b;
	uint64_t serial = 1, rng = 0x2545f4914f6cdd1dull, bad = 0;
	struct hart *col = collector_hart();
	unsigned i;

	if (!KTAP_EXPECT(col != NULL))
		return;
	gc_root_register(&head, "alloc-black chain");
	gc_root_register(&child, "alloc-black child");
	gc_mutator_enter();
	for (i = 0; i < CHAIN; i++) {
		struct bnode *n = gc_alloc(&bnode_type);
		gc_store(&n->next, gc_load(&head));
		gc_store(&head, n);
	}
	/* Indexable without walking: the chain never changes shape. */
	struct bnode **at = sf_malloc(CHAIN * sizeof(*at));
	if (!KTAP_EXPECT(at != NULL)) {
		gc_mutator_leave();
		return;
	}
	for (i = 0; i < CHAIN; i++)
		at[i] = chain_at(i);
#ifdef SF_SIMULATE
	struct sim_stats s0, s1;
	sim_stats_get(col->index, &s0);
#endif
	gc_set_verify(true);
	gc_set_continuous(true);
	gc_get_stats(&a);
	uint64_t until = counter_time() + SECONDS * counter_time_hz();
	bool timed_out = false;
	for (i = 0;; i++) {
		if (i % 64 == 0) {
			if (counter_time() >= until) {
				timed_out = true;
				break;
			}
			/* A fast board ends ITERS within one cycle: go on
			 * until the collector verified two. */
			gc_get_stats(&b);
			if (i >= ITERS && b.verified - a.verified >= 2)
				break;
		}
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		/* Far down the chain: the collector scans it last. */
		struct bnode *c = at[CHAIN / 2 + rng % (CHAIN / 2)];
		/* The child first, held by a root across the next
		 * allocation (a safe point). */
		struct bnode *k = gc_alloc(&bnode_type);
		k->serial = serial + 1;
		k->check = checksum(serial + 1);
		gc_store(&child, k);
		struct bnode *n = gc_alloc(&bnode_type);
		n->serial = serial;
		n->check = checksum(serial);
		serial += 2;
		gc_store(&n->child, gc_load(&child));
		/* The pointer to the fresh object, at once (no safe point
		 * since its allocation). */
		gc_store(&c->fresh[rng >> 40 & 1], n);
		if (i % 64 == 0) {
			struct bnode *q = at[rng >> 20 & (CHAIN - 1)];
			bad += !fresh_ok(gc_load(&q->fresh[0]), false) +
			       !fresh_ok(gc_load(&q->fresh[1]), false);
			gc_safepoint();
		}
	}
	gc_mutator_leave();
	gc_set_continuous(false);
	gc_collect();
	gc_set_verify(false);
	gc_get_stats(&b);
	for (unsigned j = 0; j < CHAIN; j++)
		bad += !fresh_ok(gc_load(&at[j]->fresh[0]), true) +
		       !fresh_ok(gc_load(&at[j]->fresh[1]), true);
	gc_root_unregister(&child);
	gc_root_unregister(&head);
	sf_free(at);
	KTAP_EXPECT(bad == 0);
	KTAP_EXPECT(b.cycles - a.cycles >= 2);
	KTAP_EXPECT(b.verified - a.verified >= 2);
	ktap_diag("%u allocations of 2 objects while marking, %lu cycles "
		  "(%lu verified), %lu damaged%s",
		  i, (unsigned long)(b.cycles - a.cycles),
		  (unsigned long)(b.verified - a.verified), (unsigned long)bad,
		  timed_out ? " (time budget hit)" : "");
#ifdef SF_SIMULATE
	sim_stats_get(col->index, &s1);
	ktap_diag("collector hart: %lu loads answered with the value before "
		  "another hart's pending RMW, %lu CASes failed on one (they "
		  "expected the value before), %lu of its own RMWs left "
		  "pending",
		  (unsigned long)(s1.rmw_hidden - s0.rmw_hidden),
		  (unsigned long)(s1.rmw_met - s0.rmw_met),
		  (unsigned long)(s1.rmw_pending - s0.rmw_pending));
#endif
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_alloc_black_while_marking),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("gc-alloc-black", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
