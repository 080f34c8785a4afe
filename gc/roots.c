/*
 * roots.c - registered roots, task stacks and task records (gc.h, "ROOTS").
 *
 * The cycle's tasks: gc_tasks_begin() (after the marking handshake) puts
 * every registered task in the driver's private table as TODO. A pass
 * (gc_tasks_pass) walks the registry under its lock:
 *   - every task record is checked (gc_check_task_record: the seed's case);
 *   - a TODO task that is PARKED is claimed, scanned after the walk (outside
 *     the registry lock: a claimed task cannot run or exit) and released;
 *   - a TODO task that runs is asked to scan itself: gc_hart.scan_req = t
 *     (one request per hart: only one task runs on a hart) and
 *     task_request_safepoint(t); the hart clears scan_req with a CAS once
 *     the task scanned itself at its next poll, and the next pass marks it
 *     done. A request for a task that exited is dropped.
 *   - a task not in the table was spawned during marking: its stack is
 *     black (it can only load pointers or allocate black ones).
 * The pass reports whether every registered task of the cycle is done.
 */
#include <stddef.h>

#include "gc.h"

/* ---- registered roots ---- */

/*
 * Shade a root's value at (un)registration while marking, under the roots
 * lock: a mutator on its own buffer; any other code (main before it
 * spawns tasks, say) straight into the pool. The driver holds the roots
 * lock from its last look at the pool to the flip, so such a value is
 * either in the pool it looks at, or registered after the flip.
 */
static void shade_root_locked(void *slot, const char *what)
{
	void *p = shared_load_ptr((void *const volatile *)slot);
	struct gc_where w = {.what = what, .base = slot};

	if (p == NULL || !shared_load32(&gc_barrier_on))
		return;
	if (task_current() != NULL || shared_load32(&gc_me()->active)) {
		gc_shade(p, &w, NULL);
		return;
	}
	struct gc_marker m = {0};
	gc_shade(p, &w, &m);
	if (m.n > 0) {
		struct gc_wbuf *b = gc_wbuf_get();
		b->obj[b->n++] = m.stack[0];
		gc_wbuf_put_full(b);
	}
	atomic_fetch_add64(&gc.marked_bytes, m.marked);
	gc_marker_free(&m);
}

void gc_root_register(void *slot, const char *name)
{
	for (;;) {
		spin_lock(&gc.roots_lock);
		if (gc.nroots < gc.roots_cap)
			break;
		size_t cap = gc.roots_cap;
		spin_unlock(&gc.roots_lock);
		struct gc_root *r =
		    sf_malloc((cap ? cap * 2 : 64) * sizeof(*r));
		if (r == NULL)
			panic("gc_root_register: no memory");
		spin_lock(&gc.roots_lock);
		if (gc.roots_cap == cap) {
			for (size_t i = 0; i < gc.nroots; i++)
				r[i] = gc.roots[i];
			sf_free(gc.roots);
			gc.roots = r;
			gc.roots_cap = cap ? cap * 2 : 64;
		} else {
			sf_free(r);
		}
		spin_unlock(&gc.roots_lock);
	}
	gc.roots[gc.nroots++] = (struct gc_root){slot, name};
	/* Registered while marking, maybe after the roots were scanned:
	 * its value came from a C local. */
	shade_root_locked(slot, "root (registered)");
	spin_unlock(&gc.roots_lock);
}

void gc_root_unregister(void *slot)
{
	spin_lock(&gc.roots_lock);
	/* A deletion: while marking, its value may move to a black stack
	 * (a frame slot needs no barrier), so shade it, as the barrier
	 * shades an overwritten value. */
	shade_root_locked(slot, "root (unregistered)");
	for (size_t i = 0; i < gc.nroots; i++)
		if (gc.roots[i].slot == slot) {
			gc.roots[i] = gc.roots[--gc.nroots];
			break;
		}
	spin_unlock(&gc.roots_lock);
}

void gc_scan_roots(struct gc_marker *m)
{
	spin_lock(&gc.roots_lock);
	for (size_t i = 0; i < gc.nroots; i++) {
		void *p =
		    shared_load_ptr((void *const volatile *)gc.roots[i].slot);
		struct gc_where w = {.what = "root", .name = gc.roots[i].name};
		if (p != NULL)
			gc_shade(p, &w, m);
	}
	spin_unlock(&gc.roots_lock);
}

/* ---- task stacks ---- */

struct stack_ctx {
	struct gc_marker *m;
	void (*fn)(void *p, const struct gc_where *w, void *arg);
	void *arg;
};

static void stack_visit(void **slot, enum task_slot_kind kind, struct task *t,
			void *ctx)
{
	struct stack_ctx *c = ctx;
	void *p = shared_load_ptr((void *const volatile *)slot);
	static const char *const what[] = {
	    [TASK_SLOT_FRAME] = "a frame slot of task",
	    [TASK_SLOT_DEFER_ARG] = "a defer record's arg of task",
	    [TASK_SLOT_REF] = "a stack_ref slot of task",
	};

	if (p == NULL)
		return;
	struct gc_where w = {
	    .what = what[kind], .base = slot, .name = task_name(t), .task = t};
	if (c->fn)
		c->fn(p, &w, c->arg);
	else
		gc_shade(p, &w, c->m);
}

/*
 * Shade every pointer of t's stack (claimed, or t is the caller); the
 * stack is then black for this mark: t's barrier stops shading the values
 * it stores (include/gc.h, gc_store). t reads the field when it next
 * runs, after our claim's release (TASK_CLAIM/TASK_PARK), or is us.
 */
void gc_scan_task_stack(struct task *t, struct gc_marker *m)
{
	struct stack_ctx c = {.m = m};

	task_scan_stack(t, stack_visit, &c);
	shared_store32(&t->gc_black, shared_load32(&gc_barrier_on));
}

/* Visit every pointer of t's stack with fn (verify.c). */
void gc_visit_task_stack(struct task *t,
			 void (*fn)(void *p, const struct gc_where *w,
				    void *arg),
			 void *arg)
{
	struct stack_ctx c = {.fn = fn, .arg = arg};

	task_scan_stack(t, stack_visit, &c);
}

/* ---- task records: the heap->stack pointers loaded while t runs ---- */

static void check_field(struct task *t, void *const *field, const char *name)
{
	void *p = shared_load_ptr((void *const volatile *)field);

	if (p == NULL || (uintptr_t)p - mheap.arena >= mheap.arena_size)
		return;
	struct span *s = span_of(p);
	uint32_t st = SPAN_FREE;
	if (s != NULL) {
		st = shared_load32(&s->state);
		if (span_state_in_use(st))
			return;
	}
	/* Orders the lookup above before the reload below. p may be a heap
	 * defer record the task has run and freed since we loaded it (a
	 * record is unlinked before it is freed, and its span may be back
	 * in the page heap). So: reload the field; if it no longer names p,
	 * p was stale. If it still does, p is live now, and its span was
	 * published before p was stored (SPAN_PUBLISH): a second lookup,
	 * ordered after the reload, must find it in use. */
	acquire_barrier(BARRIER_GC_RECORD_RECHECK);
	void *q = shared_load_ptr((void *const volatile *)field);
	if (q == p) {
		/* Orders the reload before the second lookup (p == q: the
		 * compiler may drop the address dependency on q). */
		acquire_barrier(BARRIER_GC_RECORD_RECHECK);
		s = span_of(q);
		st = s != NULL ? shared_load32(&s->state) : SPAN_FREE;
	}
	if (q != p || span_state_in_use(st)) {
		atomic_fetch_add64(&gc.stale_records, 1);
		return;
	}
	char *lo = shared_load_ptr((void *const volatile *)&t->stack_lo);
	char *hi = shared_load_ptr((void *const volatile *)&t->stack_hi);
	struct gc_where w = {
	    .what = "object",
	    .base = t,
	    .off = (size_t)((const char *)field - (const char *)t),
	    .name = task_name(t),
	    .task = t};
	kprintf("runtime: task '%s' field %s (record %p, offset %zu) "
		"points to an unallocated span (task stack now [%p, %p)) "
		"while the collector scans the task concurrently\n",
		task_name(t), name, (void *)t,
		(size_t)((const char *)field - (const char *)t), (void *)lo,
		(void *)hi);
	gc_bad_pointer_seen(p, s, st, &w);
}

/*
 * The task record as a root scanned concurrently with the task (as Go
 * scans a g): t->defer, t->frame and t->stack_lo are heap->stack pointers
 * the task rewrites when it copies its stack, on its own hart, at any
 * time. Each must land in a published span (golang/go#35541).
 */
void gc_check_task_record(struct task *t)
{
	check_field(t, (void *const *)&t->defer, "defer");
	check_field(t, (void *const *)&t->frame, "frame");
	check_field(t, (void *const *)&t->stack_lo, "stack_lo");
	atomic_fetch_add64(&gc.task_record_scans, 1);
}

/* ---- the cycle's task table (driver only) ---- */

static uint32_t ts_hash(const struct task *t, uint32_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32) & (cap - 1);
}

/* The slot of t, inserting it with flags if absent; NULL if full. */
static struct gc_tslot *ts_lookup(struct task *t, uint32_t flags)
{
	uint32_t cap = gc.ts_cap;

	if (cap == 0)
		return NULL;
	for (uint32_t i = ts_hash(t, cap), k = 0; k < cap;
	     k++, i = (i + 1) & (cap - 1)) {
		struct gc_tslot *e = &gc.ts[i];
		if (e->t == t)
			return e;
		if (e->t == NULL) {
			if (gc.ts_n * 4 >= cap * 3)
				return NULL;
			e->t = t;
			e->flags = flags;
			gc.ts_n++;
			return e;
		}
	}
	return NULL;
}

static void count_task(struct task *t, void *ctx)
{
	(void)t;
	(*(uint32_t *)ctx)++;
}

static void insert_todo(struct task *t, void *ctx)
{
	(void)ctx;
	if (ts_lookup(t, GC_TS_TODO) == NULL)
		gc.ts_overflow = true;
}

/* A table of at least twice n entries, emptied. */
static void ts_reset(uint32_t n)
{
	uint32_t cap = 64;

	while (cap < 2 * n + 16)
		cap *= 2;
	if (cap > gc.ts_cap) {
		struct gc_tslot *ts = sf_malloc(cap * sizeof(*ts));
		if (ts == NULL)
			panic("gc: no memory for the task table (%u)", cap);
		sf_free(gc.ts);
		gc.ts = ts;
		gc.ts_cap = cap;
	}
	for (uint32_t i = 0; i < gc.ts_cap; i++)
		gc.ts[i] = (struct gc_tslot){NULL, 0};
	gc.ts_n = 0;
	gc.ts_overflow = false;
}

void gc_tasks_begin(void)
{
	for (;;) {
		uint32_t n = 0;
		task_for_each(count_task, &n);
		ts_reset(n + n / 2);
		task_for_each(insert_todo, NULL);
		if (!gc.ts_overflow)
			break;
	}
	for (unsigned h = 0; h < MAX_HARTS; h++)
		shared_store_ptr((void *volatile *)&gc_harts[h].scan_req, NULL);
	if (gc.claims_cap < 64) {
		gc.claims = sf_malloc(64 * sizeof(*gc.claims));
		if (gc.claims == NULL)
			panic("gc: no memory for claims");
		gc.claims_cap = 64;
	}
}

/* Rebuild a table that overflowed: every old entry's state is kept. */
static void ts_grow(void)
{
	uint32_t old_cap = gc.ts_cap;
	struct gc_tslot *old = gc.ts;
	uint32_t cap = old_cap * 2;
	struct gc_tslot *ts = sf_malloc(cap * sizeof(*ts));

	if (ts == NULL)
		panic("gc: no memory for the task table (%u)", cap);
	for (uint32_t i = 0; i < cap; i++)
		ts[i] = (struct gc_tslot){NULL, 0};
	gc.ts = ts;
	gc.ts_cap = cap;
	gc.ts_n = 0;
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].t != NULL)
			ts_lookup(old[i].t, old[i].flags);
	sf_free(old);
	gc.ts_overflow = false;
}

struct pass_ctx {
	unsigned pending;
	bool claims_full;
	bool seen_req[MAX_HARTS];
	bool scan_records;
};

static void pass_visit(struct task *t, void *arg)
{
	struct pass_ctx *c = arg;
	struct gc_tslot *e;

	if (c->scan_records)
		gc_check_task_record(t);
	e = ts_lookup(t, GC_TS_DONE); /* absent: spawned while marking */
	if (e == NULL) {
		gc.ts_overflow = true;
		c->pending++;
		return;
	}
	if (e->flags & GC_TS_DONE)
		return;
	unsigned h = t->hart->index;
	struct gc_hart *gh = &gc_harts[h];
	void *volatile *req = (void *volatile *)&gh->scan_req;
	void *cur = shared_load_ptr(req);
	if (cur == t)
		c->seen_req[h] = true;
	else if (e->flags & GC_TS_REQ) {
		/* Its hart cleared our request: it scanned itself. */
		e->flags = GC_TS_DONE;
		return;
	}
	uint32_t st = shared_load32(&t->stack_state);
	if (st == TASK_STACK_PARKED && task_scan_begin(t)) {
		if (cur == t && !atomic_cas_ptr(req, t, NULL)) {
			/* It scanned itself before parking. */
			task_scan_end(t);
			e->flags = GC_TS_DONE;
			return;
		}
		if (!gc_claim_add(t)) {
			task_scan_end(t);
			c->claims_full = true;
			c->pending++;
			return;
		}
		e->flags = GC_TS_DONE | GC_TS_CLAIMED;
		return;
	}
	if (cur == NULL &&
	    (st == TASK_STACK_RUNNING || st == TASK_STACK_COPYING)) {
		if (atomic_cas_ptr(req, NULL, t)) {
			e->flags |= GC_TS_REQ;
			c->seen_req[h] = true;
		}
	}
	task_request_safepoint(t);
	c->pending++;
}

/*
 * One pass over the registry: scan what can be scanned. True if every
 * task of the cycle is scanned. m: the driver's marker.
 */
bool gc_tasks_pass(struct gc_marker *m, bool scan_records)
{
	struct pass_ctx c = {.scan_records = scan_records};

	if (gc.nclaims != 0)
		panic("gc: task pass while %u tasks are held", gc.nclaims);
	task_for_each(pass_visit, &c);
	for (uint32_t i = 0; i < gc.nclaims; i++) {
		gc_scan_task_stack(gc.claims[i], m);
		atomic_fetch_add64(&gc.stacks_scanned, 1);
	}
	gc_claims_release();
	/* Requests for tasks not seen in the registry: they exited. */
	for (unsigned h = 0; h < hart_count; h++) {
		void *volatile *req = (void *volatile *)&gc_harts[h].scan_req;
		void *cur = shared_load_ptr(req);
		if (cur != NULL && !c.seen_req[h])
			atomic_cas_ptr(req, cur, NULL);
	}
	if (gc.ts_overflow)
		ts_grow();
	if (c.claims_full) {
		/* More claim slots for the next pass (none is held now). */
		struct task **cl = sf_malloc(gc.claims_cap * 2 * sizeof(*cl));
		if (cl == NULL)
			panic("gc: no memory for claims");
		sf_free(gc.claims);
		gc.claims = cl;
		gc.claims_cap *= 2;
	}
	return c.pending == 0;
}

/*
 * With the world stopped (a STOP that claimed every parked task, the
 * running ones having scanned themselves): scan the claimed stacks and
 * check every record.
 */
void gc_tasks_scan_stopped(struct gc_marker *m)
{
	for (uint32_t i = 0; i < gc.nclaims; i++) {
		gc_check_task_record(gc.claims[i]);
		gc_scan_task_stack(gc.claims[i], m);
		atomic_fetch_add64(&gc.stacks_scanned, 1);
	}
}
