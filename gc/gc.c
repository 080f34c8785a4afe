/*
 * gc.c - the collector's state, options, the collector hart's loop and
 * the cycle driver (gc.h, "OVERVIEW", "FAULT TOLERANCE").
 *
 * A cycle is driven by the holder of gc.driver: the collector hart
 * normally, a mutator that took over from a collector that stopped
 * responding, or the allocating hart when there is no collector hart.
 *
 *   gc_cycle_concurrent   finish sweep; mark start (ACK handshake);
 *                         roots; task passes and draining until all is
 *                         black; FLUSH; STOP; terminate; release
 *   gc_cycle_stw          finish sweep (or take over a mark); STOP with
 *                         self-scans; (heap walk); roots, stacks, drain;
 *                         terminate; release
 */
#include <string.h>

#if defined(__x86_64__)
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#endif

#include "gc.h"

struct gc_state gc;
volatile uint32_t gc_barrier_on;

#define GC_DRAIN_BUDGET (256u << 10) /* bytes scanned between task passes */
#define GC_IDLE_NS	100000u	     /* gc_idle_pause on the boards */

void gc_spin_pause(void)
{
#if defined(__x86_64__)
	/* Let another runnable thread (a hart we wait for) have the core. */
	sched_yield();
#else
	for (int i = 0; i < 32; i++)
		arch_cpu_relax();
#endif
}

void gc_idle_pause(void)
{
#if defined(__x86_64__)
	/* The host's harts are threads on shared cores: sleep a little. */
	struct timespec ts = {0, 20000};
	nanosleep(&ts, NULL);
#else
	/* 100 us, however long each relax is: once a hart has spun for a
	 * while, every relax sleeps (arch/, RELAX_SLEEP_US), and a count
	 * of relaxes would then make an idle collector look at its loop
	 * only every few milliseconds - too late to sweep beside a mutator
	 * that drives, or to start a requested cycle promptly. */
	uint64_t until = gc_now_ns() + GC_IDLE_NS;
	do
		arch_cpu_relax();
	while (gc_now_ns() < until);
#endif
}

bool gc_driver_acquire(uint32_t who)
{
	/* Test, then CAS (as spin_trylock does): a hart waiting for the driver
	 * polls with a load, not with a read-modify-write that would keep
	 * the line bouncing (and, under SF_SIMULATE, never let its own
	 * buffered stores drain: a lock it released could stay held). */
	if (shared_load32(&gc.driver) != 0 || !atomic_cas32(&gc.driver, 0, who))
		return false;
	/* Orders our reads of the driver's state (task table, claims, phase)
	 * after taking it; pairs with GC_WORLD, the last release of the
	 * previous driver's cycle (the stack release's SPIN_UNLOCK after it
	 * covers the rest). */
	acquire_barrier(BARRIER_GC_WORLD);
	return true;
}

void gc_driver_release(void)
{
	shared_store32(&gc.driver, 0);
}

/*
 * The collector's step: heartbeat, the test's stall point, and whether it
 * lost the driver to a mutator (true: drop everything). Other harts'
 * drivers just go on.
 *
 * A collector that stops responding does so here, between steps, and
 * only here can it lose the driver: while stalled it offers the driver
 * (GC_DRIVER_OFFERED), which gc_takeover may take, and it takes the
 * driver back when it resumes, unless a mutator took it meanwhile. A
 * collector that is merely slow or descheduled inside a step keeps the
 * driver, so no two harts ever drive one cycle.
 */
bool gc_step(bool may_stall)
{
	struct hart *h = this_hart();
	uint32_t me = h->index + 1;

	if (h != collector_hart())
		return false;
	shared_store64(&gc.heartbeat, shared_load64(&gc.heartbeat) + 1);
	uint32_t stall = shared_load32(&gc.stall);
	if (may_stall && stall != GC_STALL_OFF && !shared_load32(&gc.in_stop) &&
	    (stall == GC_STALL_ANY ||
	     (shared_load32(&gc.phase) == GC_PHASE_MARK &&
	      shared_load32(&gc.driver) == me))) {
		/* Stopped responding: no heartbeat while stalled. Orders
		 * our marks (mark-bit CASes, whose grey objects we drop if
		 * taken over) and pool before the offer; pairs with the
		 * taking mutator's acquire after its CAS (gc_takeover),
		 * whose heap walk must see every mark bit we set. */
		release_barrier(BARRIER_GC_ACK);
		bool offered =
		    atomic_cas32(&gc.driver, me, me | GC_DRIVER_OFFERED);
		while (shared_load32(&gc.stall) != GC_STALL_OFF &&
		       !shared_load32(&gc.stop_loop))
			gc_idle_pause();
		/* Take the driver back: coherent with gc_takeover's CAS,
		 * exactly one of the two succeeds. */
		if (offered &&
		    !atomic_cas32(&gc.driver, me | GC_DRIVER_OFFERED, me))
			return true; /* a mutator took the cycle over */
	}
	return shared_load32(&gc.driver) != me;
}

/* ---- the cycle ---- */

/*
 * Test hook (GC_STALL_SLOW): the collector descheduled inside a step, at
 * a cycle's start: no heartbeat for twice GC_STALL_NS, no offer of the
 * driver. A mutator waiting meanwhile must keep waiting (gc_takeover).
 */
static void slow_inside_step(void)
{
	if (this_hart() != collector_hart() ||
	    shared_load32(&gc.stall) != GC_STALL_SLOW)
		return;
	uint64_t until = gc_now_ns() + 2 * GC_STALL_NS;
	while (gc_now_ns() < until)
		gc_idle_pause();
	/* Only if the test has not set another stall meanwhile; orders
	 * nothing (the test reads it back with a swap). */
	(void)atomic_cas32(&gc.stall, GC_STALL_SLOW, GC_STALL_OFF);
}

/*
 * Raise the allocation gate (gc.h, "ALLOCATION"): every hart's next
 * gc_alloc takes the slow path, answers what is pending and, while
 * marking, makes its cached windows black before it opens the fast path
 * again. Before each handshake, so that gc_alloc stays a safe point. An
 * atomic add: a mutator taking over may raise it while a stalled collector
 * does too, and each raise must be a new value.
 */
static void gate_raise(void)
{
	/* Orders the phase and barrier flag before the raise; pairs with the
	 * allocating hart's acquire after loading the gate (alloc_slow). */
	release_barrier(BARRIER_GC_HANDSHAKE);
	atomic_fetch_add32(&gc_alloc_seq, 1);
}

static void mark_phase_begin(void)
{
	gc.c_start = gc_now_ns();
	gc.c_heap_before = shared_load64(&gc.heap_live);
	shared_store64(&gc.marked_bytes, 0);
	task_stacks_hold();
	shared_store32(&gc.phase, GC_PHASE_MARK);
	/* The mark's epoch, odd: nonzero, and never a stale task's
	 * gc_black (roots.c) of an earlier mark. */
	shared_store32(&gc_barrier_on,
		       (uint32_t)shared_load64(&gc.cycle) << 1 | 1);
	gate_raise();
	/* (The next handshake's GC_HANDSHAKE release publishes these.) */
}

/*
 * With the world stopped and marking complete: verify, flip, empty every
 * hart's cache, reset the pacer, barrier off. The caller then releases
 * the world.
 */
static void mark_terminate(struct gc_marker *m)
{
	uint64_t marked = m->marked;

	gc.c_heap_end = shared_load64(&gc.heap_live);
	if (shared_load32(&gc.verify))
		gc_verify();
	for (unsigned h = 0; h < MAX_HARTS; h++) {
		struct gc_hart *gh = &gc_harts[h];
		marked += gh->marked;
		gh->marked = 0;
		gc_cache_release_all(gh);
	}
	marked += shared_load64(&gc.marked_bytes);
	m->marked = 0;
	shared_store64(&gc.marked_bytes, 0);
	gc_flip();
	gc_pacer_flip(marked);
	shared_store32(&gc_barrier_on, 0);
	shared_store32(&gc.phase, GC_PHASE_SWEEP);
	shared_store64(&gc.cycle, shared_load64(&gc.cycle) + 1);
}

static void cycle_end(uint64_t mark_ns, uint64_t stw_ns)
{
	gc_tasks_end();
	task_stacks_release();
	shared_store64(&gc.mark_ns_total,
		       shared_load64(&gc.mark_ns_total) + mark_ns);
	if (mark_ns > shared_load64(&gc.mark_ns_max))
		shared_store64(&gc.mark_ns_max, mark_ns);
	if (shared_load32(&gc.trace))
		gc_trace_cycle(gc.c_heap_before, shared_load64(&gc.heap_marked),
			       mark_ns, stw_ns);
}

void gc_tasks_end(void)
{
	for (unsigned h = 0; h < MAX_HARTS; h++)
		shared_store_ptr((void *volatile *)&gc_harts[h].scan_req, NULL);
}

/* Abandon a cycle the collector lost to a mutator: drop local work. */
static void abandon(struct gc_marker *m)
{
	m->n = 0;
	m->marked = 0;
}

void gc_cycle_concurrent(struct gc_marker *m)
{
	gc_sweep_finish();
	slow_inside_step();
	mark_phase_begin();
	shared_store32(&gc.cycle_mode, GC_CONCURRENT);
	if (!gc_handshake(GC_HS_ACK, 0)) {
		abandon(m);
		return;
	}
	gc.c_mark_start = gc_now_ns();
	gc_tasks_begin();
	gc_scan_roots(m);
	uint32_t selfscan = shared_load32(&gc.verify) ? 2 : 0;
	uint64_t t_stop;
	for (;;) {
		bool tasks_done = gc_tasks_pass(m, true);
		bool dry = gc_mark_drain(m, GC_DRAIN_BUDGET);
		if (gc_step(true)) {
			abandon(m);
			return;
		}
		if (!tasks_done || !dry) {
			if (dry)
				gc_spin_pause(); /* waiting for self-scans */
			continue;
		}
		gate_raise();
		if (!gc_handshake(GC_HS_FLUSH, 0)) {
			abandon(m);
			return;
		}
		if (!gc_pool_empty())
			continue;
		t_stop = gc_now_ns();
		gate_raise();
		gc_handshake(GC_HS_STOP, selfscan);
		gc.c_stopped = gc_now_ns() - t_stop;
		/* Held to the flip: no root (un)registration shades meanwhile.
		 */
		spin_lock(&gc.roots_lock);
		if (gc_pool_empty() && m->n == 0)
			break;
		/* Work appeared between the flush and the stop. */
		spin_unlock(&gc.roots_lock);
		gc_world_release();
		atomic_fetch_add64(&gc.term_retries, 1);
	}
	/* The world is stopped; marking is complete. */
	uint64_t mark_ns = t_stop - gc.c_mark_start;
	mark_terminate(m);
	spin_unlock(&gc.roots_lock);
	uint64_t stw_ns = gc_now_ns() - t_stop;
	gc_world_release();
	cycle_end(mark_ns, stw_ns);
}

void gc_cycle_stw(struct gc_marker *m, bool takeover)
{
	bool marking = shared_load32(&gc.phase) == GC_PHASE_MARK;

	if (!marking) {
		gc_sweep_finish();
		slow_inside_step();
		mark_phase_begin();
	} else {
		/* Take over the collector's mark: its stacks stay held. */
		gc.c_mark_start = gc.c_start;
	}
	if (takeover) {
		atomic_fetch_add64(&gc.takeovers, 1);
		if (marking)
			atomic_fetch_add64(&gc.takeovers_mark, 1);
	}
	shared_store32(&gc.cycle_mode, takeover ? 2 : GC_STOP_THE_WORLD);
	uint64_t t_stop = gc_now_ns();
	if (!marking)
		gc.c_mark_start = t_stop;
	/* Every running task scans itself (and gives its roots to the
	 * verifier); every parked one is held. */
	gate_raise();
	gc_handshake(GC_HS_STOP, 1 | (shared_load32(&gc.verify) ? 2 : 0));
	gc.c_stopped = gc_now_ns() - t_stop;
	if (marking)
		gc_heap_walk(m); /* grey objects the collector held */
	gc_tasks_scan_stopped(m);
	gc_scan_roots(m);
	while (!gc_mark_drain(m, ~0ull))
		;
	spin_lock(&gc.roots_lock);
	while (!gc_mark_drain(m, ~0ull))
		;
	uint64_t mark_ns = gc_now_ns() - t_stop;
	mark_terminate(m);
	spin_unlock(&gc.roots_lock);
	uint64_t stw_ns = gc_now_ns() - t_stop;
	gc_world_release();
	cycle_end(mark_ns, stw_ns);
}

/* Run one cycle as the driver, in the configured mode. */
static void run_cycle(struct gc_marker *m)
{
	if (shared_load32(&gc.mode) == GC_STOP_THE_WORLD)
		gc_cycle_stw(m, false);
	else
		gc_cycle_concurrent(m);
}

/* A cycle on the calling mutator hart (no collector, or a takeover). */
void gc_cycle_here(bool takeover)
{
	struct gc_marker m = {0};

	gc_cycle_stw(&m, takeover);
	gc_marker_free(&m);
}

/* ---- the collector hart ---- */

static bool want_cycle(void)
{
	if (shared_load32(&gc.quiesce))
		return false;
	if (shared_load32(&gc.request) || shared_load32(&gc.continuous))
		return true;
	return (int32_t)shared_load32(&gc.percent) >= 0 &&
	       shared_load64(&gc.heap_live) >= shared_load64(&gc.heap_trigger);
}

static void check_record(struct task *t, void *arg)
{
	(void)arg;
	gc_check_task_record(t);
}

/*
 * The collector gives the driver back only if it still holds it: a mutator
 * that saw no heartbeat may have taken it over meanwhile (gc_takeover's CAS
 * from the collector), even in the step right after a stall, and a plain
 * store of 0 would drop that mutator's ownership: two drivers.
 */
static void collector_driver_release(uint32_t me)
{
	(void)atomic_cas32(&gc.driver, me, 0);
}

static void *collector_loop(void *arg)
{
	uint32_t me = this_hart()->index + 1;
	struct gc_marker m = {0};

	(void)arg;
	while (!shared_load32(&gc.stop_loop)) {
		gc_step(true);
		if (want_cycle() && gc_driver_acquire(me)) {
			shared_store32(&gc.request, 0);
			run_cycle(&m);
			collector_driver_release(me);
			m.n = 0;
			continue;
		}
		if (shared_load32(&gc.phase) == GC_PHASE_SWEEP) {
			for (int i = 0; i < 8 && gc_sweep_one(); i++)
				;
			if (shared_load64(&gc.nunswept) == 0 &&
			    shared_load32(&gc.driver) == 0) {
				/* Claim the driver to end the phase. */
				if (gc_driver_acquire(me)) {
					gc_sweep_finish();
					collector_driver_release(me);
				}
			}
			continue;
		}
		if (shared_load32(&gc.continuous))
			task_for_each(check_record, NULL);
		gc_idle_pause();
	}
	gc_marker_free(&m);
	shared_store32(&gc.loop_running, 0);
	return NULL;
}

bool gc_collector_running(void)
{
	return shared_load32(&gc.loop_running) != 0;
}

/* ---- options ---- */

static size_t parse_size(const char *s, const char **end)
{
	size_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (size_t)(*s++ - '0');
	if (*s == 'K' || *s == 'k')
		v <<= 10, s++;
	else if (*s == 'M' || *s == 'm')
		v <<= 20, s++;
	else if (*s == 'G' || *s == 'g')
		v <<= 30, s++;
	*end = s;
	return v;
}

static bool key(const char **s, const char *k)
{
	size_t n = strlen(k);

	if (strncmp(*s, k, n) != 0 || (*s)[n] != '=')
		return false;
	*s += n + 1;
	return true;
}

int gc_parse_options(const char *s, struct gc_options *o)
{
	while (s != NULL && *s != '\0') {
		const char *end = s;
		if (key(&s, "gctrace"))
			o->trace = parse_size(s, &end) != 0;
		else if (key(&s, "gcverify"))
			o->verify = parse_size(s, &end) != 0;
		else if (key(&s, "gclimit"))
			o->limit = parse_size(s, &end);
		else if (key(&s, "gcpercent")) {
			bool neg = *s == '-';
			o->percent = (int)parse_size(s + neg, &end);
			if (neg)
				o->percent = -o->percent;
		} else if (key(&s, "gcmode")) {
			if (strncmp(s, "stw", 3) == 0)
				o->mode = GC_STOP_THE_WORLD, end = s + 3;
			else if (strncmp(s, "concurrent", 10) == 0)
				o->mode = GC_CONCURRENT, end = s + 10;
			else
				return -1;
		} else
			return -1;
		s = end;
		if (*s == ',' || *s == ' ')
			s++;
		else if (*s != '\0')
			return -1;
	}
	return 0;
}

#ifndef GC_BOOT_OPTIONS
#define GC_BOOT_OPTIONS ""
#endif

void gc_init(const struct gc_options *opts)
{
	struct gc_options o = {.percent = 100};
	static bool once;

	if (opts != NULL) {
		o = *opts;
	} else {
		if (gc_parse_options(GC_BOOT_OPTIONS, &o) != 0)
			kprintf("gc: bad boot options '%s'\n", GC_BOOT_OPTIONS);
#if defined(__x86_64__)
		const char *env = getenv("SPANFENCE_GC");
		if (env && gc_parse_options(env, &o) != 0)
			kprintf("gc: bad SPANFENCE_GC '%s'\n", env);
#endif
	}
	if (!once) {
		once = true;
		gc_alloc_init();
		shared_store32(&gc.sweepgen, 2);
		gc.boot_time = gc_now_ns();
		gc_pacer_flip(0);
	}
	shared_store32(&gc.percent, (uint32_t)o.percent);
	gc_set_limit(o.limit);
	shared_store32(&gc.trace, o.trace);
	shared_store32(&gc.verify, o.verify);
	shared_store32(&gc.mode, o.mode);
	shared_store32(&gc.stop_loop, 0);
	task_set_safepoint_hook(gc_task_hook);
	struct hart *c = collector_hart();
	if (c != NULL && !gc_collector_running()) {
		shared_store32(&gc.loop_running, 1);
		hart_call(c, collector_loop, NULL);
	}
}

void gc_shutdown(void)
{
	struct hart *c = collector_hart();

	if (c == NULL || !gc_collector_running())
		return;
	shared_store32(&gc.stall, 0);
	shared_store32(&gc.stop_loop, 1);
	hart_wait(c);
}

/* ---- control ---- */

void gc_collect(void)
{
	uint64_t c = shared_load64(&gc.cycle);

	/* A whole mark that starts after this call. */
	gc_wait_cycle(c + (shared_load32(&gc.phase) == GC_PHASE_MARK ? 2 : 1),
		      true);
}

int gc_set_percent(int percent)
{
	int old = (int)shared_load32(&gc.percent);

	shared_store32(&gc.percent, (uint32_t)percent);
	gc_pacer_update();
	return old;
}

size_t gc_set_limit(size_t bytes)
{
	size_t old = shared_load64(&gc.limit);

	if (bytes == 0)
		bytes = mheap.arena_size / 8 * 7;
	shared_store64(&gc.limit, bytes);
	gc_pacer_update();
	return old;
}

bool gc_set_trace(bool on)
{
	return atomic_swap32(&gc.trace, on) != 0;
}

bool gc_set_verify(bool on)
{
	return atomic_swap32(&gc.verify, on) != 0;
}

enum gc_mode gc_set_mode(enum gc_mode mode)
{
	return (enum gc_mode)atomic_swap32(&gc.mode, mode);
}

void gc_set_continuous(bool on)
{
	shared_store32(&gc.continuous, on);
}

enum gc_stall gc_test_stall_collector(enum gc_stall how)
{
	return (enum gc_stall)atomic_swap32(&gc.stall, how);
}

void gc_test_bad_pointers_nonfatal(bool on)
{
	shared_store32(&gc.bad_nonfatal, on);
}

void gc_reset_maxima(void)
{
	shared_store64(&gc.mark_ns_max, 0);
	for (unsigned h = 0; h < MAX_HARTS; h++)
		shared_store64(&gc_harts[h].pause_max_ns, 0);
}

void gc_get_stats(struct gc_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->cycles = shared_load64(&gc.cycle);
	st->heap_live = shared_load64(&gc.heap_live);
	st->heap_marked = shared_load64(&gc.heap_marked);
	st->heap_goal = shared_load64(&gc.heap_goal);
	st->heap_inuse = shared_load64(&gc.heap_inuse);
	st->freed = shared_load64(&gc.freed);
	st->objects_freed = shared_load64(&gc.objects_freed);
	st->spans_swept = shared_load64(&gc.spans_swept);
	st->mark_ns_total = shared_load64(&gc.mark_ns_total);
	st->mark_ns_max = shared_load64(&gc.mark_ns_max);
	st->takeovers = shared_load64(&gc.takeovers);
	st->takeovers_mark = shared_load64(&gc.takeovers_mark);
	st->bad_pointers = shared_load64(&gc.bad_pointers);
	st->stale_records = shared_load64(&gc.stale_records);
	st->task_record_scans = shared_load64(&gc.task_record_scans);
	st->stacks_scanned = shared_load64(&gc.stacks_scanned);
	st->stacks_self_scanned = shared_load64(&gc.stacks_self_scanned);
	st->verified = shared_load64(&gc.verified);
	st->term_retries = shared_load64(&gc.term_retries);
	st->heartbeat = shared_load64(&gc.heartbeat);
	for (unsigned h = 0; h < MAX_HARTS; h++) {
		struct gc_hart *gh = &gc_harts[h];
		uint64_t pm = shared_load64(&gh->pause_max_ns);
		if (pm > st->pause_max_ns)
			st->pause_max_ns = pm;
		st->pause_total_ns += shared_load64(&gh->pause_total_ns);
		st->pauses += shared_load64(&gh->pauses);
		st->assist_ns += shared_load64(&gh->assist_ns);
		st->assist_bytes += shared_load64(&gh->assist_bytes);
		st->allocated += shared_load64(&gh->allocated);
	}
}
