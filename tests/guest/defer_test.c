/*
 * defer_test.c - DeferHeapAndStack, the Go runtime test (runtime/stack_test.go,
 * the test that caught golang/go#35541), ported to tasks and managed stacks.
 *
 * P tasks, spread over the mutator harts, each run N iterations of a
 * recursion of depth D. At each level the frame pushes two defer records,
 * on the heap at even levels and on the stack at odd levels, allocates and
 * drops 1 KiB, and returns 2*n: the result lives in the caller's frame (Go's
 * results are in the caller's frame), the callee gets a pointer to it (a
 * stack-to-stack pointer) and its two defers each add 1 to it through their
 * arg (heap->stack pointers in the heap records). Each defer checks that it
 * runs exactly once and in order: level 1 first (the deepest), and within a
 * level the second record before the first.
 *
 * Tasks start on the smallest stack (2 KiB) and yield after every
 * iteration, a safe point where the mostly empty stack is halved, so every
 * iteration grows the stack again: many growths, each copying the used part
 * with every kind of pointer in it. Every 16th frame also yields, deep in
 * the recursion, so that other tasks and the scanner run mid-recursion.
 *
 *   short mode (make test):    P=2, N=1000,  D=20
 *   long mode (make stress):   P=4, N=10000, D=200  (-DDHS_LONG, built as
 *                              defer_stress_test)
 *
 * The second case runs the same with a stand-in for the collector on the
 * collector hart (the real one is issue 5): it holds stack frees, claims
 * parked tasks and scans them precisely, requests safepoints so tasks scan
 * themselves, and peeks at the task fields the collector may load at any
 * time (frame, defer, stack_lo) to check that each lands in a span that is
 * MANUAL (a stack) or SMALL (a heap record), never a free page: the
 * property golang/go#35541 broke.
 */
#include <stdint.h>
#include <string.h>

#include "atomic.h"
#include "console.h"
#include "counter.h"
#include "hart.h"
#include "ktap.h"
#include "task.h"
#include "../heap/heap.h" /* span_of, via -Iinclude */
#include "spanfence.h"

#ifdef DHS_LONG
#define DHS_P	  4
#define DHS_N	  10000
#define DHS_D	  200
#define DHS_SUITE "defer-stress"
#else
#define DHS_P	  2
#define DHS_N	  1000
#define DHS_D	  20
#define DHS_SUITE "defer"
#endif

/* slot 0: n, slot 1: out (pointer into the caller's frame), slot 2: the
 * child's result, slot 3: the 1 KiB buffer (heap pointer), 4..11: locals */
enum { S_N, S_OUT, S_CHILD, S_BUF, DHS_SLOTS = 12 };
static const struct frame_desc dhs_desc =
    FRAME_DESC("deferHeapAndStack", DHS_SLOTS, 1u << S_OUT | 1u << S_BUF);
static const struct frame_desc base_desc = {"dhs-base", 1, NULL};

/*
 * Every frame and stack record of this test starts at an odd multiple of 8
 * from the (at least 2 KiB aligned) stack base: the base frame is 24 bytes,
 * the others and the records multiples of 16. Heap blocks are 16-aligned.
 * So the scanner tells a stack record from a heap one by its address.
 */
_Static_assert(sizeof(struct frame) + 1 * sizeof(uintptr_t) == 24,
	       "base frame: 24 bytes");
_Static_assert((sizeof(struct frame) + DHS_SLOTS * sizeof(uintptr_t)) % 16 ==
		       0 &&
		   sizeof(struct defer) % 16 == 0,
	       "frames and records keep the parity");
#define STACK_ODD(p) (((uintptr_t)(p)&15) == 8)

struct dhs_task {
	int scanned;	/* under the scanner: 1, then 2 once covered (dhs) */
	uint64_t iters; /* iterations done */
	uintptr_t next; /* the (n << 1 | k) of the defer due next */
	uint64_t ran;	/* defers run */
	uint64_t calls; /* frames pushed */
	uint64_t misordered, bad_results, push_failures;
	uintptr_t first_bad; /* the first misordered defer */
};

static void dhs_defer(void *arg, uintptr_t data)
{
	struct dhs_task *st = task_current()->arg;

	if (data != st->next) {
		if (st->misordered++ == 0)
			st->first_bad = data;
	}
	/* next: (n,1) -> (n,0) -> (n+1,1) */
	st->next = data & 1 ? data - 1 : data + 3;
	st->ran++;
	*(uintptr_t *)arg += 1; /* r++ in the caller's frame */
}

static int scanner_covered(void);

/* deferHeapAndStack(n): *out = 2n. out points into the caller's frame. */
static void dhs(uintptr_t n, uintptr_t *out)
{
	struct dhs_task *st = task_current()->arg;

	if (n == 0) {
		*out = 0;
		return;
	}
	uintptr_t args[2] = {n, (uintptr_t)out};
	struct frame *f = frame_push_args(&dhs_desc, args, 2);
	if (!f) {
		st->push_failures++;
		return;
	}
	for (uintptr_t k = 0; k < 2; k++) {
		if (defer_push(n % 2 == 0 ? DEFER_HEAP : DEFER_STACK, dhs_defer,
			       frame_ptr(f, S_OUT), n << 1 | k) != 0)
			st->push_failures++;
		f = frame_top(); /* a stack record may have moved the stack */
	}
	/* Now and then park mid-recursion, so a scanner finds frames and a
	 * mixed defer chain (Go would be preempted anywhere). Under the
	 * scanner, the first time at the deepest level, stay parked (in
	 * turns with the partner task on this hart) until the scanner has
	 * scanned a live stack and a task has scanned itself at a safepoint:
	 * otherwise whether they overlap is up to the host's or QEMU's
	 * scheduling of the harts. */
	if (++st->calls % 16 == 0 || (n == 1 && st->scanned == 1)) {
		uint64_t until = counter_time() + 20 * counter_time_hz();
		do
			task_yield();
		while (st->scanned == 1 && n == 1 && !scanner_covered() &&
		       counter_time() < until);
		if (n == 1 && st->scanned)
			st->scanned = 2;
		f = frame_top();
	}
	dhs(n - 1, &f->slot[S_CHILD]);
	f = frame_top();
	*(uintptr_t *)frame_ptr(f, S_OUT) = f->slot[S_CHILD];
	/* Allocate and drop 1 KiB (garbage for the collector, later). */
	char *buf = sf_malloc(1024);
	frame_set_ptr(f, S_BUF, buf);
	if (buf)
		buf[n % 1024] = (char)n;
	frame_set_ptr(f, S_BUF, NULL);
	sf_free(buf);
	frame_pop(); /* the defers add 2 to *out */
}

static void *dhs_task_body(void *arg)
{
	struct dhs_task *st = arg;
	struct frame *base = frame_push_or_panic(&base_desc);

	for (int i = 0; i < DHS_N; i++) {
		st->iters++;
		st->next = (1 << 1) | 1; /* level 1, second record */
		dhs(DHS_D, &base->slot[0]);
		base = frame_top();
		if (base->slot[0] != 2 * DHS_D)
			st->bad_results++;
		if (st->next != ((DHS_D + 1) << 1 | 1))
			st->misordered++;
		base->slot[0] = 0;
		task_yield(); /* a safe point: the stack shrinks */
		base = frame_top();
	}
	frame_pop();
	return NULL;
}

/* ---- the collector stand-in ---- */

struct scanner {
	volatile uint32_t stop, covered;
	uint64_t rounds, claims, slots, peeks, hooks_requested;
	uint64_t bad_peeks, bad_slots, stale_records;
	char first_error[120];
};

static struct scanner sc;
static volatile uint32_t hooks_run;
static volatile uint32_t hook_errors;

static void scan_error(uint64_t *counter, const char *fmt, void *p,
		       struct task *t)
{
	if ((*counter)++ == 0 && sc.first_error[0] == '\0')
		ksnprintf(sc.first_error, sizeof(sc.first_error), fmt, p,
			  task_name(t));
}

static int span_ok(const void *p, int stack_only)
{
	struct span *s = span_of(p);

	if (!s)
		return 0;
	uint32_t state = shared_load32(&s->state);
	return stack_only ? state == SPAN_MANUAL : span_state_in_use(state);
}

static int slot_ok(struct task *t, void **slot, enum task_slot_kind kind)
{
	char *p = shared_load_ptr((void *const volatile *)slot);
	char *lo = shared_load_ptr((void *const volatile *)&t->stack_lo);
	char *sp = shared_load_ptr((void *const volatile *)&t->sp);

	if (!p)
		return kind == TASK_SLOT_FRAME;
	if (p >= lo && p < sp)
		return 1;
	/* Only frame slots hold heap pointers in this test. */
	return kind == TASK_SLOT_FRAME && span_ok(p, 0);
}

static int scanner_covered(void)
{
	return shared_load32(&sc.covered) != 0 && shared_load32(&hooks_run) > 0;
}

static void check_slot(void **slot, enum task_slot_kind kind, struct task *t,
		       void *ctx)
{
	uint64_t *bad = ctx;

	if (sc.slots++ == 0)
		shared_store32(&sc.covered, 1);
	if (!slot_ok(t, slot, kind))
		scan_error(bad, "bad pointer %p in a slot of task '%s'", *slot,
			   t);
}

static void self_check_slot(void **slot, enum task_slot_kind kind,
			    struct task *t, void *ctx)
{
	(void)ctx;
	if (!slot_ok(t, slot, kind))
		atomic_fetch_add32(&hook_errors, 1);
}

/* Runs on the task's own hart at its next push/pop/yield. */
static void safepoint_hook(struct task *t)
{
	task_scan_stack(t, self_check_slot, NULL);
	atomic_fetch_add32(&hooks_run, 1);
}

#define MAX_CLAIMS 16
struct claim_list {
	struct task *t[MAX_CLAIMS];
	int n;
	uint64_t visited;
};

static void peek_and_claim(struct task *t, void *ctx)
{
	struct claim_list *cl = ctx;
	void *frame = shared_load_ptr((void *const volatile *)&t->frame);
	void *defer = shared_load_ptr((void *const volatile *)&t->defer);
	void *lo = shared_load_ptr((void *const volatile *)&t->stack_lo);

	/* What a concurrent collector may load at any time: it must land in
	 * a published span (golang/go#35541). */
	sc.peeks++;
	if (frame && !span_ok(frame, 1))
		scan_error(&sc.bad_peeks,
			   "t->frame %p of task '%s' is not in "
			   "a stack span",
			   frame, t);
	/* t->defer may also name a heap record that the task runs and frees
	 * right after we load it (its span may even go back to the page
	 * heap); a collector reads heap records only through a claimed task.
	 * A stack record, even a stale one, must be in a MANUAL span: stack
	 * spans are held. Which one it is shows in its address (STACK_ODD). */
	if (defer && STACK_ODD(defer) && !span_ok(defer, 1))
		scan_error(&sc.bad_peeks,
			   "t->defer %p of task '%s' is on "
			   "the stack but not in a stack span",
			   defer, t);
	else if (defer && !span_ok(defer, 0))
		sc.stale_records++; /* a heap record, freed since */
	if (lo && !span_ok(lo, 1))
		scan_error(&sc.bad_peeks,
			   "t->stack_lo %p of task '%s' is not "
			   "in a stack span",
			   lo, t);
	if ((cl->visited++ % 7) == 3 && !shared_load32(&t->safepoint)) {
		task_request_safepoint(t);
		sc.hooks_requested++;
	}
	if (cl->n < MAX_CLAIMS && task_scan_begin(t))
		cl->t[cl->n++] = t;
}

static void *scanner_loop(void *arg)
{
	(void)arg;
	struct claim_list cl = {.n = 0, .visited = 0};

	while (!shared_load32(&sc.stop)) {
		task_stacks_hold();
		for (int round = 0; round < 8; round++) {
			cl.n = 0;
			task_for_each(peek_and_claim, &cl);
			for (int i = 0; i < cl.n; i++) {
				task_scan_stack(cl.t[i], check_slot,
						&sc.bad_slots);
				task_scan_end(cl.t[i]);
			}
			sc.claims += (uint64_t)cl.n;
			sc.rounds++;
		}
		task_stacks_release();
	}
	return NULL;
}

/* ---- the cases ---- */

static void run_dhs(int with_scanner)
{
	static struct dhs_task st[DHS_P];
	struct task *ts[DHS_P];
	struct task_stats before, after;
	unsigned m = task_mutator_count();
	struct hart *col = collector_hart();

	memset(st, 0, sizeof(st));
	for (int i = 0; i < DHS_P; i++)
		st[i].scanned = with_scanner && col;
	task_stats_global(&before);
	uint64_t t0 = counter_time();
	for (int i = 0; i < DHS_P; i++) {
		/* Spread over the mutator harts; under the scanner, two per
		 * hart, so a parked task stays parked while its partner runs
		 * (alone, its scheduler resumes it at once and a scanner on
		 * single-threaded TCG, which runs harts in turns, would
		 * hardly ever find it parked). */
		unsigned h =
		    with_scanner ? (unsigned)i / 2 % m : (unsigned)i % m;
		ts[i] = task_spawn(task_mutator_hart(h), "dhs", dhs_task_body,
				   &st[i], NULL);
		KTAP_EXPECT(ts[i] != NULL);
	}
	if (with_scanner && col) {
		memset(&sc, 0, sizeof(sc));
		shared_store32(&hooks_run, 0);
		shared_store32(&hook_errors, 0);
		task_set_safepoint_hook(safepoint_hook);
		hart_call(col, scanner_loop, NULL);
	}
	sched_run_all();
	if (with_scanner && col) {
		shared_store32(&sc.stop, 1);
		hart_wait(col);
		task_set_safepoint_hook(NULL);
	}
	uint64_t ticks = counter_time() - t0;
	for (int i = 0; i < DHS_P; i++)
		task_join(ts[i]);
	task_stats_global(&after);

	uint64_t ran = 0, misordered = 0, bad = 0, failures = 0, iters = 0;
	for (int i = 0; i < DHS_P; i++) {
		iters += st[i].iters;
		ran += st[i].ran;
		misordered += st[i].misordered;
		bad += st[i].bad_results;
		failures += st[i].push_failures;
		if (st[i].misordered)
			ktap_diag("task %d: first misordered defer: level "
				  "%lu record %lu",
				  i, (unsigned long)(st[i].first_bad >> 1),
				  (unsigned long)(st[i].first_bad & 1));
	}
	KTAP_EXPECT(iters == (uint64_t)DHS_P * DHS_N);
	KTAP_EXPECT(ran == iters * DHS_D * 2);
	KTAP_EXPECT(misordered == 0);
	KTAP_EXPECT(bad == 0);
	KTAP_EXPECT(failures == 0);
	uint64_t growths = after.growths - before.growths;
	KTAP_EXPECT(growths >= iters);
	ktap_diag("P=%d N=%d D=%d on %u mutator harts: %lu defers ran, %lu "
		  "results checked, %lu ms",
		  DHS_P, DHS_N, DHS_D, m, (unsigned long)ran,
		  (unsigned long)iters,
		  (unsigned long)(ticks * 1000 / counter_time_hz()));
	ktap_diag("growths %lu, shrinks %lu, bytes copied %lu, pointers "
		  "adjusted %lu",
		  (unsigned long)growths,
		  (unsigned long)(after.shrinks - before.shrinks),
		  (unsigned long)(after.bytes_copied - before.bytes_copied),
		  (unsigned long)(after.ptrs_adjusted - before.ptrs_adjusted));
	if (with_scanner && col) {
		KTAP_EXPECT(sc.bad_peeks == 0);
		KTAP_EXPECT(sc.bad_slots == 0);
		KTAP_EXPECT(shared_load32(&hook_errors) == 0);
		KTAP_EXPECT(scanner_covered());
		if (sc.first_error[0])
			ktap_diag("%s", sc.first_error);
		ktap_diag("scanner: %lu rounds, %lu claimed scans, %lu slots, "
			  "%lu peeks (%lu saw a freed heap record), %lu "
			  "safepoint scans of %lu requested",
			  (unsigned long)sc.rounds, (unsigned long)sc.claims,
			  (unsigned long)sc.slots, (unsigned long)sc.peeks,
			  (unsigned long)sc.stale_records,
			  (unsigned long)shared_load32(&hooks_run),
			  (unsigned long)sc.hooks_requested);
	}
}

static void test_defer_heap_and_stack(void)
{
	run_dhs(0);
}

static void test_defer_heap_and_stack_scanned(void)
{
	KTAP_EXPECT(collector_hart() != NULL);
	run_dhs(1);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_defer_heap_and_stack),
    KTAP_CASE(test_defer_heap_and_stack_scanned),
};

int main(void)
{
	return ktap_run(DHS_SUITE, cases, KTAP_COUNT(cases));
}
