/*
 * gc_graph_test.c - randomised object graphs mutated by two mutator tasks
 * (on two mutator harts when there are two) while the collector runs
 * back-to-back cycles with verification on, checked against a shadow
 * graph kept in malloc memory (which the collector never scans):
 *
 *   - nothing reachable is ever freed: every step walks the real graph and
 *     the shadow in lockstep (pointer, serial number and id of every node
 *     visited); at each checkpoint every shadow-reachable node must be
 *     allocated, intact and linked exactly as in the shadow;
 *   - everything unreachable is freed within two cycles: at a checkpoint
 *     (both mutators done with a phase) the nodes the shadow cannot reach
 *     are noted, two full cycles run, and each must then be free (its slot
 *     unallocated, or holding a node with another serial number).
 *
 * Operations, from a seeded xorshift (the seed is printed): allocate a
 * node and link it from a reachable node or a root (filling some of its
 * fields first), rewire a field to another reachable node, clear a field,
 * repoint or clear a root. Reachable nodes are found by random walks from
 * the roots, so the mutator never holds an unreachable pointer; no C local
 * holds a pointer across a safe point (gc_alloc, task_yield).
 */
#include <stdint.h>
#include <string.h>

#include "atomic.h"
#include "console.h"
#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#include "task.h"
#include "xorshift.h"

#define K      4
#define MAXOBJ 2000
#define NROOTS 8
#define NMUT   2
#ifndef GRAPH_PHASES
#define GRAPH_PHASES 10
#define GRAPH_OPS    3000
#endif

struct gnode {
	struct gnode *f[K];
	uint64_t serial;
	uint64_t id;
};
static const struct gc_type gnode_type =
    GC_TYPE("graph.node", struct gnode, 0xf);

struct graph {
	struct gnode *roots[NROOTS]; /* registered roots: the real graph */
	/* the shadow */
	int32_t sroot[NROOTS];
	int32_t edge[MAXOBJ][K];
	struct gnode *ptr[MAXOBJ];
	uint64_t serial[MAXOBJ];
	uint8_t state[MAXOBJ]; /* 0 free id, 1 in the graph, 2 dropped */
	uint32_t free_ids[MAXOBJ];
	uint32_t nfree;
	uint8_t mark[MAXOBJ];
	uint64_t rng;
	/* results */
	uint64_t ops, allocs, walks_bad, first_bad_id;
	uint64_t dropped_total, freed_ok, not_freed, reach_bad;
};

static struct graph *graphs[NMUT];
static volatile uint64_t next_serial = 1;

static uint64_t rnd(struct graph *g)
{
	return xorshift64star(&g->rng);
}

static void graph_init(struct graph *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed | 1;
	for (int r = 0; r < NROOTS; r++)
		g->sroot[r] = -1;
	for (uint32_t i = 0; i < MAXOBJ; i++)
		g->free_ids[g->nfree++] = MAXOBJ - 1 - i;
}

/* Check node id against the shadow; count a mismatch. */
static int node_ok(struct graph *g, int32_t id, struct gnode *p)
{
	if (p == g->ptr[id] && p != NULL && p->serial == g->serial[id] &&
	    p->id == (uint64_t)id)
		return 1;
	if (g->walks_bad++ == 0)
		g->first_bad_id = (uint64_t)id;
	return 0;
}

/* A reachable node (id, pointer) by a random walk from a root; -1 if the
 * roots are all empty. Verifies every node it passes. */
static int32_t walk(struct graph *g, struct gnode **out, int steps)
{
	int r0 = (int)(rnd(g) % NROOTS), r = -1;

	for (int k = 0; k < NROOTS && r < 0; k++)
		if (g->sroot[(r0 + k) % NROOTS] >= 0)
			r = (r0 + k) % NROOTS;
	if (r < 0)
		return -1;
	int32_t id = g->sroot[r];
	struct gnode *p = gc_load(&g->roots[r]);
	if (!node_ok(g, id, p))
		return -1;
	for (int s = 0; s < steps; s++) {
		int k = (int)(rnd(g) % K);
		int32_t nid = g->edge[id][k];
		if (nid < 0)
			break;
		struct gnode *q = gc_load(&p->f[k]);
		if (!node_ok(g, nid, q))
			return -1;
		id = nid;
		p = q;
	}
	*out = p;
	return id;
}

static void op(struct graph *g)
{
	unsigned x = (unsigned)(rnd(g) % 100);
	struct gnode *a, *b;
	int32_t ia, ib;

	g->ops++;
	if (x < 35 && g->nfree > 0) {
		/* Allocate, fill some fields, link it in. */
		struct gnode *n = gc_alloc(&gnode_type);
		int32_t id = (int32_t)g->free_ids[--g->nfree];
		n->serial = atomic_fetch_add64(&next_serial, 1);
		n->id = (uint64_t)id;
		g->ptr[id] = n;
		g->serial[id] = n->serial;
		g->state[id] = 1;
		for (int k = 0; k < K; k++)
			g->edge[id][k] = -1;
		for (int k = 0; k < K; k++)
			if (rnd(g) % 3 == 0 &&
			    (ib = walk(g, &b, (int)(rnd(g) % 6))) >= 0) {
				gc_store(&n->f[k], b);
				g->edge[id][k] = ib;
			}
		int r = (int)(rnd(g) % NROOTS);
		if (rnd(g) % 4 == 0 ||
		    (ia = walk(g, &a, 1 + (int)(rnd(g) % 6))) < 0) {
			gc_store(&g->roots[r], n);
			g->sroot[r] = id;
		} else {
			int k = (int)(rnd(g) % K);
			gc_store(&a->f[k], n);
			g->edge[ia][k] = id;
		}
		g->allocs++;
	} else if (x < 65) {
		if ((ia = walk(g, &a, (int)(rnd(g) % 8))) < 0 ||
		    (ib = walk(g, &b, (int)(rnd(g) % 8))) < 0)
			return;
		int k = (int)(rnd(g) % K);
		gc_store(&a->f[k], b);
		g->edge[ia][k] = ib;
	} else if (x < 82) {
		if ((ia = walk(g, &a, (int)(rnd(g) % 8))) < 0)
			return;
		int k = (int)(rnd(g) % K);
		gc_store(&a->f[k], NULL);
		g->edge[ia][k] = -1;
	} else if (x < 92) {
		int r = (int)(rnd(g) % NROOTS);
		if (rnd(g) % 2 && (ia = walk(g, &a, (int)(rnd(g) % 8))) >= 0) {
			gc_store(&g->roots[r], a);
			g->sroot[r] = ia;
		} else {
			gc_store(&g->roots[r], NULL);
			g->sroot[r] = -1;
		}
	} else {
		walk(g, &a, 32);
	}
}

static void *mutator(void *arg)
{
	struct graph *g = arg;

	for (int i = 0; i < GRAPH_OPS; i++) {
		op(g);
		if (i % 32 == 0)
			task_yield();
	}
	return NULL;
}

/* Shadow reachability from the roots. */
static void reach(struct graph *g)
{
	int32_t stack[MAXOBJ];
	int n = 0;

	memset(g->mark, 0, sizeof(g->mark));
	for (int r = 0; r < NROOTS; r++)
		if (g->sroot[r] >= 0 && !g->mark[g->sroot[r]]) {
			g->mark[g->sroot[r]] = 1;
			stack[n++] = g->sroot[r];
		}
	while (n > 0) {
		int32_t id = stack[--n];
		for (int k = 0; k < K; k++) {
			int32_t j = g->edge[id][k];
			if (j >= 0 && !g->mark[j]) {
				g->mark[j] = 1;
				stack[n++] = j;
			}
		}
	}
}

/* At a checkpoint (no mutator runs): reachable nodes intact; note the
 * newly unreachable ones. */
static void checkpoint_reachable(struct graph *g)
{
	reach(g);
	for (int32_t id = 0; id < MAXOBJ; id++) {
		if (g->state[id] != 1)
			continue;
		if (!g->mark[id]) {
			g->state[id] = 2;
			g->dropped_total++;
			continue;
		}
		struct gnode *p = g->ptr[id];
		int ok = gc_test_allocated(p) && p->serial == g->serial[id] &&
			 p->id == (uint64_t)id;
		for (int k = 0; ok && k < K; k++) {
			int32_t j = g->edge[id][k];
			ok = gc_load(&p->f[k]) == (j >= 0 ? g->ptr[j] : NULL);
		}
		if (!ok && g->reach_bad++ == 0)
			kprintf("# graph: reachable node %d at %p damaged or "
				"freed\n",
				(int)id, (void *)p);
	}
}

/* After two cycles: every dropped node is free; its id is reused. */
static void checkpoint_dropped(struct graph *g)
{
	for (int32_t id = 0; id < MAXOBJ; id++) {
		if (g->state[id] != 2)
			continue;
		struct gnode *p = g->ptr[id];
		if (gc_test_allocated(p) && p->serial == g->serial[id]) {
			if (g->not_freed++ == 0)
				kprintf(
				    "# graph: unreachable node %d at %p not "
				    "freed after two cycles\n",
				    (int)id, (void *)p);
			continue;
		}
		g->freed_ok++;
		g->state[id] = 0;
		g->ptr[id] = NULL;
		g->free_ids[g->nfree++] = (uint32_t)id;
	}
}

static void run(uint64_t seed, bool continuous, int phases)
{
	unsigned m = task_mutator_count();
	struct gc_stats a, b;

	ktap_diag("seed %lu", (unsigned long)seed);
	for (int i = 0; i < NMUT; i++) {
		graphs[i] = sf_malloc(sizeof(struct graph));
		KTAP_EXPECT(graphs[i] != NULL);
		graph_init(graphs[i], seed + (uint64_t)i * 7919);
		for (int r = 0; r < NROOTS; r++)
			gc_root_register(&graphs[i]->roots[r], "graph root");
	}
	gc_set_verify(true);
	gc_set_continuous(continuous);
	gc_get_stats(&a);
	for (int phase = 0; phase < phases; phase++) {
		struct task *ts[NMUT];
		for (int i = 0; i < NMUT; i++)
			ts[i] = task_spawn(task_mutator_hart((unsigned)i % m),
					   "graph", mutator, graphs[i], NULL);
		sched_run_all();
		for (int i = 0; i < NMUT; i++)
			task_join(ts[i]);
		for (int i = 0; i < NMUT; i++)
			checkpoint_reachable(graphs[i]);
		gc_collect();
		gc_collect();
		for (int i = 0; i < NMUT; i++)
			checkpoint_dropped(graphs[i]);
	}
	gc_set_continuous(false);
	gc_collect();
	gc_set_verify(false);
	gc_get_stats(&b);
	uint64_t ops = 0, allocs = 0, bad = 0, dropped = 0, freed = 0, nf = 0,
		 rb = 0;
	for (int i = 0; i < NMUT; i++) {
		struct graph *g = graphs[i];
		ops += g->ops;
		allocs += g->allocs;
		bad += g->walks_bad;
		dropped += g->dropped_total;
		freed += g->freed_ok;
		nf += g->not_freed;
		rb += g->reach_bad;
		if (g->walks_bad)
			ktap_diag(
			    "mutator %d: %lu bad nodes on walks (first id "
			    "%lu)",
			    i, (unsigned long)g->walks_bad,
			    (unsigned long)g->first_bad_id);
		for (int r = 0; r < NROOTS; r++)
			gc_root_unregister(&g->roots[r]);
		sf_free(g);
	}
	KTAP_EXPECT(bad == 0);
	KTAP_EXPECT(rb == 0);
	KTAP_EXPECT(nf == 0);
	KTAP_EXPECT(freed == dropped);
	KTAP_EXPECT(dropped > 100);
	KTAP_EXPECT(b.cycles - a.cycles >= 2 * (uint64_t)phases);
	ktap_diag(
	    "%lu ops, %lu allocations, %lu nodes dropped and freed, %lu "
	    "cycles (%lu verified), %lu self-scans, max pause %lu us",
	    (unsigned long)ops, (unsigned long)allocs, (unsigned long)freed,
	    (unsigned long)(b.cycles - a.cycles),
	    (unsigned long)(b.verified - a.verified),
	    (unsigned long)(b.stacks_self_scanned - a.stacks_self_scanned),
	    (unsigned long)(b.pause_max_ns / 1000));
}

/* Back-to-back concurrent cycles while the mutators run. */
static void test_random_graphs(void)
{
	run(0x5eed0001ull ^ (counter_cycles() & 0xffff), true, GRAPH_PHASES);
}

/* Stop-the-world cycles: the two of each checkpoint, and the pacer's
 * (GOGC 10), half as many phases. */
static void test_random_graphs_stw(void)
{
	gc_set_mode(GC_STOP_THE_WORLD);
	int old = gc_set_percent(10);
	run(0x5eed0002ull ^ (counter_cycles() & 0xffff), false,
	    GRAPH_PHASES / 2);
	gc_set_percent(old);
	gc_set_mode(GC_CONCURRENT);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_random_graphs),
    KTAP_CASE(test_random_graphs_stw),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("gc-graph", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
