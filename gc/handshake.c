/*
 * handshake.c - epochs, acknowledgements, stopping the world, the task
 * safepoint hook, and non-task mutators (gc.h, "HANDSHAKES").
 *
 * Driver side (gc_handshake): store the kind, GC_HANDSHAKE, store the new
 * epoch; then passes over the task registry until every task is accounted
 * for: its hart acknowledged the epoch, or it is PARKED and we claimed it
 * (released at once for ACK/FLUSH, held until gc_world_release for STOP),
 * and every entered non-task hart acknowledged. Running tasks get
 * task_request_safepoint so that they call the hook soon.
 *
 * Hart side (gc_poll, at every safe point): a new epoch is answered in
 * order: GC_HANDSHAKE acquire, the kind's work (flush the buffer; for STOP
 * maybe scan the running task), GC_ACK release, the ack; for STOP, wait for
 * hs_release, GC_WORLD acquire. Also at every poll: a pending request to
 * scan the running task's stack (gc_hart.scan_req) is served.
 */
#include "gc.h"

/* ---- hart side ---- */

static void collect_vroot(void **slot, enum task_slot_kind kind, struct task *t,
			  void *ctx)
{
	struct gc_hart *gh = ctx;
	void *p = shared_load_ptr((void *const volatile *)slot);

	(void)kind;
	(void)t;
	if (p == NULL)
		return;
	if (gh->nvroots == gh->vcap) {
		size_t cap = gh->vcap ? gh->vcap * 2 : 256;
		void **v = sf_malloc(cap * sizeof(void *));
		if (v == NULL)
			panic("gc verify: no memory for roots");
		for (size_t i = 0; i < gh->nvroots; i++)
			v[i] = gh->vroots[i];
		sf_free(gh->vroots);
		gh->vroots = v;
		gh->vcap = cap;
	}
	gh->vroots[gh->nvroots++] = p;
}

/* Roots of the running task t for the verifier (STOP with bit 2). */
void gc_collect_vroots(struct gc_hart *gh, struct task *t)
{
	gh->nvroots = 0;
	if (t != NULL)
		task_scan_stack(t, collect_vroot, gh);
}

static void answer(struct gc_hart *gh, uint32_t e)
{
	struct task *t = task_current();

	/* Orders our reads of the phase and flags after the epoch; pairs
	 * with the driver's release before storing it. */
	acquire_barrier(BARRIER_GC_HANDSHAKE);
	uint32_t kind = GC_HS_KIND(e);
	if (kind == GC_HS_STOP) {
		uint32_t sel = GC_HS_SELFSCAN(e);
		if (t != NULL && (sel & 1)) {
			gc_scan_task_stack(t, NULL);
			atomic_fetch_add64(&gc.stacks_self_scanned, 1);
		}
		if (sel & 2)
			gc_collect_vroots(gh, t);
	}
	if (kind != GC_HS_ACK)
		gc_hart_flush(gh);
	/* Orders our flushed buffer, scans and everything we did with the
	 * old phase before the ack; pairs with the driver's acquire after
	 * it saw every ack. */
	release_barrier(BARRIER_GC_ACK);
	shared_store32(&gh->ack, e);
	if (kind != GC_HS_STOP)
		return;
	for (unsigned spins = 0;
	     (int32_t)(GC_HS_SEQ(shared_load32(&gc.hs_release)) -
		       GC_HS_SEQ(e)) < 0;
	     spins++) {
		/* A stop is short (a check and the flip): spin first; yielding
		 * the core on a loaded host can cost a scheduler slice. */
		if (spins > 200000)
			gc_idle_pause();
		else if (spins > 20000)
			gc_spin_pause();
		else
			gc_relax();
	}
	/* Orders what we do next (allocation from emptied caches, the new
	 * phase) after the release; pairs with GC_WORLD before it. */
	acquire_barrier(BARRIER_GC_WORLD);
}

void gc_poll(void)
{
	struct gc_hart *gh = gc_me();
	uint32_t e;
	struct task *t;

	/* The common case, in three loads: nothing new for this hart. */
	if (likely(!gc_poll_due(gh)))
		return;
	e = shared_load32(&gc.hs_epoch);
	if (gh->in_poll)
		return;
	t = task_current();
	/* Only mutators answer: a task, or entered non-task code. */
	if (t == NULL && shared_load32(&gh->active) == 0)
		return;
	bool req = t != NULL &&
		   shared_load_ptr((void *const volatile *)&gh->scan_req) == t;
	if (shared_load32(&gh->ack) == e && !req)
		return; /* a request for another task of this hart */
	gh->in_poll = 1;
	uint64_t t0 = gc_now_ns();
	if (shared_load32(&gh->ack) != e)
		answer(gh, e);
	if (t != NULL &&
	    shared_load_ptr((void *const volatile *)&gh->scan_req) == t) {
		/* The driver asked this task to scan its own stack. */
		gc_scan_task_stack(t, NULL);
		atomic_fetch_add64(&gc.stacks_self_scanned, 1);
		atomic_cas_ptr((void *volatile *)&gh->scan_req, t, NULL);
	}
	gc_pause_record(gh, gc_now_ns() - t0);
	gh->in_poll = 0;
}

void gc_task_hook(struct task *t)
{
	(void)t;
	gc_poll();
}

void gc_safepoint(void)
{
	gc_poll();
}

void gc_mutator_enter(void)
{
	struct gc_hart *gh = gc_me();

	if (shared_load32(&gh->active))
		panic("gc_mutator_enter: hart %u entered twice",
		      this_hart()->index);
	shared_store32(&gh->active, 1);
	/* Dekker with the driver: our active flag before our load of the
	 * epoch, its epoch before its load of our flag (GC_ENTER on both
	 * sides): one of us sees the other. */
	full_barrier(BARRIER_GC_ENTER);
	gc_poll();
}

void gc_mutator_leave(void)
{
	struct gc_hart *gh = gc_me();

	gc_poll();
	gc_hart_flush(gh);
	gc_cache_release_all(gh);
	/* Orders the flushed buffer and released cache before the flag;
	 * pairs with the driver's GC_ACK acquire after its pass. */
	release_barrier(BARRIER_GC_ACK);
	shared_store32(&gh->active, 0);
}

/* ---- driver side ---- */

static bool claims_grow(void)
{
	uint32_t cap = gc.claims_cap ? gc.claims_cap * 2 : 64;
	struct task **c = sf_malloc(cap * sizeof(*c));

	if (c == NULL)
		return false;
	for (uint32_t i = 0; i < gc.nclaims; i++)
		c[i] = gc.claims[i];
	sf_free(gc.claims);
	gc.claims = c;
	gc.claims_cap = cap;
	return true;
}

/* Hold a claimed task until gc_claims_release; false if there is no room
 * (the caller gives the claim back and tries again after growing). */
bool gc_claim_add(struct task *t)
{
	if (gc.nclaims == gc.claims_cap)
		return false;
	gc.claims[gc.nclaims++] = t;
	return true;
}

void gc_claims_release(void)
{
	for (uint32_t i = 0; i < gc.nclaims; i++)
		task_scan_end(gc.claims[i]);
	gc.nclaims = 0;
}

struct hs_ctx {
	uint32_t e, kind, self;
	unsigned pending;
	bool full;
};

static void hs_visit(struct task *t, void *arg)
{
	struct hs_ctx *c = arg;
	unsigned h = t->hart->index;
	uint32_t st = shared_load32(&t->stack_state);

	/* Every pass over the tasks is a chance to catch a task record whose
	 * stack pointer lands in an unpublished span (the seed's case). */
	gc_check_task_record(t);
	if (c->kind == GC_HS_STOP) {
		/* Hold every parked task (its stack is scanned or verified
		 * with the world stopped); a running one must be stopped in
		 * its poll, i.e. its hart answered. */
		if (st == TASK_STACK_SCANNING)
			return; /* ours: the collector is the only scanner */
		if (st == TASK_STACK_PARKED && task_scan_begin(t)) {
			if (!gc_claim_add(t)) {
				task_scan_end(t);
				c->full = true;
				c->pending++;
			}
			return;
		}
		if (h + 1 == c->self || shared_load32(&gc_harts[h].ack) == c->e)
			return;
		task_request_safepoint(t);
		c->pending++;
		return;
	}
	if (h + 1 == c->self || shared_load32(&gc_harts[h].ack) == c->e)
		return; /* its hart answered (or runs the driver) */
	if (st == TASK_STACK_PARKED && task_scan_begin(t)) {
		/* Proxy: its next run is ordered after our claim. */
		task_scan_end(t);
		return;
	}
	task_request_safepoint(t);
	c->pending++;
}

/* Returns false if the collector lost the driver while waiting. */
bool gc_handshake(enum gc_hs_kind kind, uint32_t selfscan)
{
	struct hs_ctx c = {.kind = kind};
	unsigned me = this_hart()->index;

	c.self = this_hart() == collector_hart() ? 0 : me + 1;
	c.e = GC_HS_WORD(GC_HS_SEQ(shared_load32(&gc.hs_epoch)) + 1, selfscan,
			 kind);
	/* Orders the phase, barrier flag and allocation gate (raised by the
	 * caller, gc.c) before the epoch; pairs with the hart's acquire
	 * after it loads the epoch. */
	release_barrier(BARRIER_GC_HANDSHAKE);
	shared_store32(&gc.hs_epoch, c.e);
	/* Dekker with gc_mutator_enter: the epoch before our loads of the
	 * harts' active flags. */
	full_barrier(BARRIER_GC_ENTER);
	if (c.self) {
		/* A mutator drives: it answers for its own hart here. */
		struct gc_hart *gh = &gc_harts[me];
		struct task *t = task_current();
		if (kind == GC_HS_STOP && t != NULL && (selfscan & 1))
			gc_scan_task_stack(t, NULL);
		if (kind == GC_HS_STOP && (selfscan & 2))
			gc_collect_vroots(gh, t);
		shared_store32(&gh->ack, c.e);
	}
	for (unsigned spins = 0;; spins++) {
		c.pending = 0;
		c.full = false;
		task_for_each(hs_visit, &c);
		if (c.full && !claims_grow())
			panic("gc: no memory to hold claimed tasks");
		for (unsigned h = 0; h < hart_count; h++)
			if (h + 1 != c.self &&
			    shared_load32(&gc_harts[h].active) &&
			    shared_load32(&gc_harts[h].ack) != c.e)
				c.pending++;
		if (c.pending == 0)
			break;
		/* Never stalls while holding claims (a STOP). */
		if (gc_step(kind != GC_HS_STOP && gc.nclaims == 0) &&
		    kind != GC_HS_STOP)
			return false;
		if (spins > 100000)
			gc_idle_pause(); /* something is slow: stop spinning */
		else if (spins > 2000)
			gc_spin_pause();
		else
			gc_relax();
	}
	/* Orders our reads of the harts' buffers, caches and counters after
	 * their acks (and idle ones after our claims); pairs with GC_ACK. */
	acquire_barrier(BARRIER_GC_ACK);
	if (kind != GC_HS_STOP)
		return true;
	shared_store32(&gc.in_stop, 1);
	/* Idle harts (all their tasks claimed, no entered code) cannot touch
	 * their buffers: take them. So does the driver's own hart. */
	for (unsigned h = 0; h < hart_count; h++)
		if (h + 1 == c.self || shared_load32(&gc_harts[h].ack) != c.e)
			gc_hart_flush(&gc_harts[h]);
	return true;
}

void gc_world_release(void)
{
	uint32_t e = shared_load32(&gc.hs_epoch);

	/* The claimed tasks resume ordered after this (TASK_PARK). */
	gc_claims_release();
	shared_store32(&gc.in_stop, 0);
	/* Orders the flip, the emptied caches and the phase before the
	 * release; pairs with the stopped harts' acquire after it. */
	release_barrier(BARRIER_GC_WORLD);
	shared_store32(&gc.hs_release, e);
}
