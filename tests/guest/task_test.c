/*
 * task_test.c - unit tests of tasks, frames, defers and heap->stack refs
 * (include/task.h), on every board and on the host (mk/task.mk).
 *
 * Each case spawns tasks on the mutator harts, runs every scheduler
 * (sched_run_all) and checks what the tasks recorded. Tasks start on the
 * smallest stack (2 KiB) unless a case says otherwise, so most cases move
 * their stacks several times; they check the pointers after each move.
 */
#include <stdint.h>
#include <string.h>

#include "atomic.h"
#include "hart.h"
#include "ktap.h"
#include "task.h"

#define CHECK(cond) KTAP_EXPECT(cond)

static char *lo_of(struct task *t)
{
	return shared_load_ptr((void *const volatile *)&t->stack_lo);
}

static size_t room_of(struct task *t)
{
	return task_stack_size(t) - task_stack_used(t);
}

static int in_stack(struct task *t, const void *p)
{
	const char *lo = lo_of(t);

	return (const char *)p >= lo &&
	       (const char *)p < lo + task_stack_used(t);
}

static void *run_one(void *(*fn)(void *), void *arg, const struct task_opts *o)
{
	struct task *t = task_spawn(task_mutator_hart(0), "unit", fn, arg, o);

	CHECK(t != NULL);
	if (!t)
		return NULL;
	sched_run_all();
	return task_join(t);
}

/* ---- push/pop with mixed descriptors ---- */

static const struct frame_desc d_empty = {"empty", 0, NULL};
static const struct frame_desc d_one = FRAME_DESC("one-ptr", 1, 0x1);
static const struct frame_desc d_mixed = FRAME_DESC("mixed", 5, 0x0a);
/* 70 slots: pointers at 0, 63, 64 and 69 (a two-word bitmap). */
static const struct frame_desc d_wide =
    FRAME_DESC("wide", 70, 1ull | 1ull << 63, 1ull | 1ull << 5);

static void *mixed_body(void *arg)
{
	struct task *t = task_current();
	int *bad = arg;
	static char heap_thing[16];

	for (int round = 0; round < 50; round++) {
		struct frame *a = frame_push(&d_mixed);
		if (!a) {
			(*bad)++;
			break;
		}
		for (unsigned i = 0; i < 5; i++)
			if (a->slot[i] != 0)
				(*bad)++;
		a->slot[0] = 1000 + (uintptr_t)round;
		frame_set_ptr(a, 1, heap_thing);
		a->slot[2] = 0xdead;
		frame_set_ptr(a, 3, &a->slot[0]); /* into the stack */
		struct frame *e = frame_push(&d_empty);
		if (!e || frame_top() != e || frame_parent(e)->desc != &d_mixed)
			(*bad)++;
		struct frame *w = frame_push(&d_wide);
		if (!w) {
			(*bad)++;
			break;
		}
		a = frame_parent(frame_parent(w));
		frame_set_ptr(w, 0, &a->slot[2]);
		frame_set_ptr(w, 63, &a->slot[0]);
		frame_set_ptr(w, 64, heap_thing);
		w->slot[65] = (uintptr_t)round;
		frame_set_ptr(w, 69, &w->slot[65]);
		struct frame *o = frame_push(&d_one);
		if (!o) {
			(*bad)++;
			break;
		}
		frame_set_ptr(o, 0, &w->slot[65]);
		/* Grow with all of that live, then check it. */
		for (int k = 0; k < 40; k++)
			if (!frame_push(&d_wide))
				(*bad)++;
		for (int k = 0; k < 40; k++)
			frame_pop();
		o = frame_top();
		w = frame_parent(o);
		e = frame_parent(w);
		a = frame_parent(e);
		if (o->desc != &d_one || w->desc != &d_wide ||
		    e->desc != &d_empty || a->desc != &d_mixed)
			(*bad)++;
		if (*(uintptr_t *)frame_ptr(o, 0) != (uintptr_t)round ||
		    !in_stack(t, frame_ptr(o, 0)))
			(*bad)++;
		if (*(uintptr_t *)frame_ptr(w, 0) != 0xdead ||
		    *(uintptr_t *)frame_ptr(w, 63) != 1000 + (uintptr_t)round ||
		    frame_ptr(w, 64) != heap_thing ||
		    frame_ptr(w, 69) != &w->slot[65])
			(*bad)++;
		if (a->slot[0] != 1000 + (uintptr_t)round ||
		    frame_ptr(a, 1) != heap_thing || a->slot[2] != 0xdead ||
		    frame_ptr(a, 3) != &a->slot[0])
			(*bad)++;
		frame_pop();
		frame_pop();
		frame_pop();
		frame_pop();
		if (frame_top() != NULL || task_stack_used(t) != 0)
			(*bad)++;
		task_yield(); /* shrinks back to 2 KiB */
	}
	return NULL;
}

static void test_push_pop_mixed_descriptors(void)
{
	struct task_stats before, after;
	int bad = 0;

	task_stats_global(&before);
	run_one(mixed_body, &bad, NULL);
	task_stats_global(&after);
	CHECK(bad == 0);
	CHECK(after.growths - before.growths >= 50);
	CHECK(after.shrinks - before.shrinks >= 50);
	ktap_diag("%d mismatches, %lu growths, %lu shrinks", bad,
		  (unsigned long)(after.growths - before.growths),
		  (unsigned long)(after.shrinks - before.shrinks));
}

/* ---- stack-to-stack pointers across several growths ---- */

/* slot 0: depth, slot 1: pointer to the parent's slot 0, slot 2: pointer to
 * the bottom frame's slot 0, slot 3: a heap pointer, 4..7 padding */
static const struct frame_desc d_chain = FRAME_DESC("chain", 8, 0x0e);
static uintptr_t heap_word;

static void *chain_body(void *arg)
{
	struct task *t = task_current();
	int *bad = arg;
	const int depth = 2000; /* ~160 KiB: 2 KiB -> 256 KiB */

	struct frame *bottom = frame_push(&d_chain);
	bottom->slot[0] = 0;
	for (int i = 1; i < depth; i++) {
		struct frame *p = frame_top();
		uintptr_t args[4] = {(uintptr_t)i, (uintptr_t)&p->slot[0],
				     (uintptr_t)frame_ptr(p, 2),
				     (uintptr_t)&heap_word};
		if (i == 1)
			args[2] = (uintptr_t)&p->slot[0];
		if (!frame_push_args(&d_chain, args, 4)) {
			(*bad)++;
			return NULL;
		}
	}
	bottom = NULL; /* stale: THE RULE */
	int n = 0;
	for (struct frame *f = frame_top(); f; f = frame_parent(f), n++) {
		uintptr_t d = f->slot[0];
		if (d == 0)
			continue;
		uintptr_t *up = frame_ptr(f, 1), *root = frame_ptr(f, 2);
		if (!in_stack(t, up) || *up != d - 1 || !in_stack(t, root) ||
		    *root != 0 || frame_ptr(f, 3) != &heap_word ||
		    up != &frame_parent(f)->slot[0])
			(*bad)++;
	}
	if (n != depth)
		(*bad)++;
	for (int i = 0; i < depth; i++)
		frame_pop();
	return (void *)(uintptr_t)t->stats.growths;
}

static void test_stack_pointers_survive_growths(void)
{
	int bad = 0;
	uintptr_t growths = (uintptr_t)run_one(chain_body, &bad, NULL);

	CHECK(bad == 0);
	CHECK(growths >= 7); /* 2 KiB to 256 KiB */
	ktap_diag("%lu growths, %d bad pointers", (unsigned long)growths, bad);
}

/* ---- a stack-pointer argument of the push that moves the stack ---- */

static const struct frame_desc d_arg = FRAME_DESC("arg", 2, 0x2);
static const struct frame_desc d_filler = {"filler", 1, NULL};

static void *arg_body(void *arg)
{
	struct task *t = task_current();
	int *bad = arg;
	int moved = 0;

	frame_push(&d_arg)->slot[0] = 77;
	/* Fill until the next d_arg push must grow, then push it with a
	 * pointer to the bottom frame's slot as its argument. */
	for (int round = 0; round < 5; round++) {
		while (room_of(t) >= frame_bytes(&d_arg))
			frame_push(&d_filler);
		char *old_lo = lo_of(t);
		struct frame *f = frame_top();
		while (frame_parent(f))
			f = frame_parent(f);
		uintptr_t a[2] = {5, (uintptr_t)&f->slot[0]};
		struct frame *n = frame_push_args(&d_arg, a, 2);
		moved += lo_of(t) != old_lo;
		if (!n || !in_stack(t, frame_ptr(n, 1)) ||
		    *(uintptr_t *)frame_ptr(n, 1) != 77)
			(*bad)++;
	}
	if (moved != 5)
		(*bad)++;
	while (frame_top())
		frame_pop();
	return NULL;
}

static void test_push_args_adjusted_by_their_own_growth(void)
{
	int bad = 0;

	run_one(arg_body, &bad, NULL);
	CHECK(bad == 0);
}

/* ---- defer order, heap and stack records mixed ---- */

struct order_log {
	uintptr_t seen[64];
	int n;
};

static struct order_log *log_of_task(void)
{
	return task_current()->arg;
}

static void log_defer(void *arg, uintptr_t data)
{
	struct order_log *l = log_of_task();

	if (l->n < 64)
		l->seen[l->n++] = data;
	if (arg)
		*(uintptr_t *)arg += data; /* a slot of the frame */
}

static const struct frame_desc d_acc = {"acc", 2, NULL};

static void check_eq(void *arg, uintptr_t data)
{
	struct order_log *l = log_of_task();

	if (*(uintptr_t *)arg != data && l->n < 64)
		l->seen[l->n++] = 0xbad;
}

static void *defer_body(void *arg)
{
	struct order_log *l = arg;

	/* Frame A: a check that runs last, then three defers (heap, stack,
	 * heap) adding into slot 0. */
	struct frame *a = frame_push(&d_acc);
	defer_push(DEFER_STACK, check_eq, &a->slot[0], 16 + 4 + 2 + 1);
	a = frame_top();
	defer_push(DEFER_HEAP, log_defer, &a->slot[0], 1);
	a = frame_top();
	defer_push(DEFER_STACK, log_defer, &a->slot[0], 2);
	a = frame_top();
	defer_push(DEFER_HEAP, log_defer, &a->slot[0], 4);
	/* Frame B above it, with stack and heap defers, then growth. */
	struct frame *b = frame_push(&d_acc);
	defer_push(DEFER_STACK, log_defer, &b->slot[0], 8);
	b = frame_top();
	defer_push(DEFER_HEAP, log_defer, &frame_parent(b)->slot[0], 16);
	for (int i = 0; i < 200; i++) /* ~3 KiB: forces a move */
		frame_push(&d_acc);
	for (int i = 0; i < 200; i++)
		frame_pop();
	frame_pop(); /* runs 16 (into A's slot), then 8 (into B's) */
	frame_pop(); /* runs 4, 2, 1, then the check of A's slot */
	return (void *)(uintptr_t)(l->n == 5 ? 0 : 1);
}

static void test_defer_order(void)
{
	struct order_log l = {.n = 0};
	static const uintptr_t want[5] = {16, 8, 4, 2, 1};

	CHECK(run_one(defer_body, &l, NULL) == NULL);
	CHECK(l.n == 5); /* no 0xbad from check_eq */
	for (int i = 0; i < 5 && i < l.n; i++)
		CHECK(l.seen[i] == want[i]);
}

/* Defers whose arg points into the frame see the frame's final value. */
static const struct frame_desc d_sum = {"sum", 1, NULL};

static void add_into(void *arg, uintptr_t data)
{
	*(uintptr_t *)arg += data;
}

static void check_sum(void *arg, uintptr_t data)
{
	int *bad = (int *)data;

	if (*(uintptr_t *)arg != 1 + 2 + 4 + 8)
		(*bad)++;
}

static void *sum_body(void *arg)
{
	struct frame *f = frame_push(&d_sum);
	defer_push(DEFER_HEAP, check_sum, &f->slot[0], (uintptr_t)arg);
	for (uintptr_t k = 1; k <= 8; k <<= 1) {
		f = frame_top();
		defer_push(k & 5 ? DEFER_STACK : DEFER_HEAP, add_into,
			   &f->slot[0], k);
		for (int i = 0; i < 100; i++)
			frame_push(&d_wide);
		for (int i = 0; i < 100; i++)
			frame_pop();
		task_yield(); /* shrink: moves the records again */
	}
	frame_pop();
	return NULL;
}

static void test_defer_args_follow_the_stack(void)
{
	int bad = 0;

	run_one(sum_body, &bad, NULL);
	CHECK(bad == 0);
}

/* ---- heap->stack refs after growth and shrink ---- */

struct boxed_ref { /* a heap object holding a ref */
	int tag;
	struct stack_ref ref;
};

static const struct frame_desc d_cell = {"cell", 2, NULL};

static void *ref_body(void *arg)
{
	struct task *t = task_current();
	struct boxed_ref *box = arg; /* 3 refs */
	int bad = 0;

	struct frame *f = frame_push(&d_cell);
	f->slot[0] = 111;
	f->slot[1] = 222;
	stack_ref_open(&box[0].ref, &f->slot[0]);
	stack_ref_open(&box[1].ref, &f->slot[1]);
	struct frame *g = frame_push(&d_cell);
	g->slot[0] = 333;
	stack_ref_open(&box[2].ref, &g->slot[0]);
	char *lo0 = lo_of(t);
	for (int i = 0; i < 300; i++) /* grow to 16 KiB */
		frame_push(&d_acc);
	if (lo_of(t) == lo0 || task_stack_size(t) != 16384)
		bad++;
	for (int k = 0; k < 3; k++)
		if (!in_stack(t, stack_ref_slot(&box[k].ref)))
			bad++;
	if (*stack_ref_slot(&box[0].ref) != 111 ||
	    *stack_ref_slot(&box[1].ref) != 222 ||
	    *stack_ref_slot(&box[2].ref) != 333)
		bad++;
	*stack_ref_slot(&box[1].ref) = 223; /* write through the ref */
	for (int i = 0; i < 300; i++)
		frame_pop();
	char *lo1 = lo_of(t);
	task_yield(); /* 16 -> 8 KiB */
	task_yield(); /* 8 -> 4 */
	task_yield(); /* 4 -> 2 */
	if (lo_of(t) == lo1 || task_stack_size(t) != TASK_STACK_MIN)
		bad++;
	f = frame_parent(frame_top());
	if (f->slot[1] != 223 || stack_ref_slot(&box[1].ref) != &f->slot[1])
		bad++;
	frame_pop(); /* closes box[2] */
	if (box[2].ref.task != NULL ||
	    stack_ref_slot(&box[2].ref) != &box[2].ref.closed ||
	    *stack_ref_slot(&box[2].ref) != 333)
		bad++;
	stack_ref_close(&box[0].ref); /* explicit close */
	f = frame_top();
	f->slot[0] = 999; /* no longer seen through box[0] */
	if (*stack_ref_slot(&box[0].ref) != 111 ||
	    *stack_ref_slot(&box[1].ref) != 223)
		bad++;
	frame_pop(); /* closes box[1] */
	if (*stack_ref_slot(&box[1].ref) != 223 || t->refs != NULL)
		bad++;
	return (void *)(uintptr_t)bad;
}

static void test_refs_after_growth_and_shrink(void)
{
	static struct boxed_ref box[3];

	CHECK(run_one(ref_body, box, NULL) == NULL);
}

/* ---- the maximum stack size ---- */

static void *max_body(void *arg)
{
	char *msg = arg;
	struct task *t = task_current();
	int pushed = 0;

	while (frame_push(&d_wide))
		pushed++;
	if (task_error(t) != TASK_ESTACKMAX)
		return (void *)1;
	strncpy(msg, task_error_msg(t), 127);
	if (task_stack_size(t) != 8192 || task_stack_used(t) + 576 <= 8192)
		return (void *)2;
	while (pushed--)
		frame_pop();
	if (!frame_push(&d_wide)) /* still usable */
		return (void *)3;
	frame_pop();
	return NULL;
}

static void test_max_stack_size_error(void)
{
	static char msg[128];
	struct task_opts o = {.stack_max = 8192};

	CHECK(run_one(max_body, msg, &o) == NULL);
	CHECK(strstr(msg, "task 'unit'") != NULL);
	CHECK(strstr(msg, "maximum is 8192") != NULL);
	ktap_diag("%s", msg);
}

/* ---- several tasks per hart, on every mutator hart ---- */

struct spread {
	struct hart *want;
	int yields;
	int wrong_hart;
	volatile uint32_t *counter;
};

static void *spread_body(void *arg)
{
	struct spread *s = arg;

	for (int i = 0; i < s->yields; i++) {
		struct frame *f = frame_push(&d_chain);
		f->slot[0] = (uintptr_t)i;
		if (this_hart() != s->want)
			s->wrong_hart++;
		atomic_fetch_add32(s->counter, 1);
		task_yield();
		if (frame_top()->slot[0] != (uintptr_t)i)
			s->wrong_hart++;
		frame_pop();
	}
	return s;
}

static void test_tasks_on_every_mutator_hart(void)
{
	enum { PER_HART = 4, YIELDS = 200 };
	static struct spread s[MAX_HARTS * PER_HART];
	static struct task *ts[MAX_HARTS * PER_HART];
	static volatile uint32_t counter;
	unsigned m = task_mutator_count(), n = 0;

	counter = 0;
	for (unsigned h = 0; h < m; h++)
		for (int k = 0; k < PER_HART; k++, n++) {
			s[n] = (struct spread){task_mutator_hart(h), YIELDS, 0,
					       &counter};
			ts[n] = task_spawn(s[n].want, "spread", spread_body,
					   &s[n], NULL);
		}
	sched_run_all();
	for (unsigned i = 0; i < n; i++) {
		CHECK(task_join(ts[i]) == &s[i]);
		CHECK(s[i].wrong_hart == 0);
	}
	CHECK(shared_load32(&counter) == n * YIELDS);
	ktap_diag("%u tasks on %u mutator harts", n, m);
}

/* ---- join from a task, across harts ---- */

static void *child_body(void *arg)
{
	for (int i = 0; i < 10; i++)
		task_yield();
	return (void *)((uintptr_t)arg * 2);
}

static void *parent_body(void *arg)
{
	(void)arg;
	unsigned m = task_mutator_count();
	struct task *c = task_spawn(task_mutator_hart(m - 1), "child",
				    child_body, (void *)21, NULL);
	return task_join(c);
}

static void test_join_from_a_task(void)
{
	CHECK(run_one(parent_body, NULL, NULL) == (void *)42);
}

/* ---- the collector's hooks on a parked task ---- */

struct visit_count {
	int frame, defer, ref, outside;
};

static void count_visit(void **slot, enum task_slot_kind kind, struct task *t,
			void *ctx)
{
	struct visit_count *c = ctx;
	void *p = shared_load_ptr((void *const volatile *)slot);

	c->frame += kind == TASK_SLOT_FRAME;
	c->defer += kind == TASK_SLOT_DEFER_ARG;
	c->ref += kind == TASK_SLOT_REF;
	if (p && kind != TASK_SLOT_FRAME && !in_stack(t, p))
		c->outside++;
}

static volatile uint32_t parked_scanned;

static void *parked_body(void *arg)
{
	struct stack_ref *r = arg;
	struct frame *f = frame_push(&d_chain);

	frame_set_ptr(f, 1, &f->slot[0]);
	frame_set_ptr(f, 3, &heap_word);
	defer_push(DEFER_STACK, add_into, &f->slot[4], 1);
	f = frame_top();
	defer_push(DEFER_HEAP, add_into, &f->slot[4], 1);
	f = frame_top();
	stack_ref_open(r, &f->slot[5]);
	while (!shared_load32(&parked_scanned))
		task_yield(); /* main scans us here */
	frame_pop();
	return NULL;
}

static void count_task(struct task *t, void *ctx)
{
	(void)t;
	(*(int *)ctx)++;
}

static void *run_sched(void *arg)
{
	(void)arg;
	sched_run();
	return NULL;
}

static void test_scan_a_parked_task(void)
{
	static struct stack_ref r;
	struct visit_count c = {0};
	int ntasks = 0;
	unsigned m = task_mutator_count();

	if (m < 2) {
		/* main must scan while the task's hart runs it: needs a
		 * second mutator. Cover the claim rules on a new task. */
		shared_store32(&parked_scanned, 1);
		struct task *t = task_spawn(task_mutator_hart(0), "parked",
					    parked_body, &r, NULL);
		CHECK(task_scan_begin(t));
		CHECK(!task_scan_begin(t));
		task_scan_stack(t, count_visit, &c);
		task_scan_end(t);
		task_for_each(count_task, &ntasks);
		CHECK(ntasks == 1);
		sched_run_all();
		task_join(t);
		CHECK(c.frame == 0 && c.defer == 0);
		ktap_diag("one mutator: scanned a task before its first run");
		return;
	}
	shared_store32(&parked_scanned, 0);
	struct task *t =
	    task_spawn(task_mutator_hart(1), "parked", parked_body, &r, NULL);
	hart_call(task_mutator_hart(1), run_sched, NULL);
	/* Claim it once it parks in its yield with the ref open (r.task is
	 * read after the claim: the claim orders it after the park). */
	int claimed = 0;
	for (long spins = 0; spins < 100000000 && !claimed; spins++) {
		if (task_scan_begin(t)) {
			if (r.task) {
				task_scan_stack(t, count_visit, &c);
				claimed = 1;
			}
			task_scan_end(t);
		}
	}
	shared_store32(&parked_scanned, 1);
	hart_wait(task_mutator_hart(1));
	task_join(t);
	CHECK(claimed);
	CHECK(c.frame == 3 && c.defer == 2 && c.ref == 1 && c.outside == 0);
	ktap_diag("visited %d frame slots, %d defer args, %d refs", c.frame,
		  c.defer, c.ref);
}

/* ---- the example of include/task.h (and the README), as written ---- */

static const struct frame_desc fib_desc = FRAME_DESC("fib", 4, 0x2);
static const struct frame_desc top_desc = {"top", 1, NULL};
static uintptr_t calls;

static void count_call(void *arg, uintptr_t data)
{
	*(uintptr_t *)arg += data;
}

static void fib(uintptr_t n, uintptr_t *out)
{
	if (n < 2) {
		*out = n;
		return;
	}
	uintptr_t args[2] = {n, (uintptr_t)out};
	struct frame *f = frame_push_args(&fib_desc, args, 2);
	defer_push(DEFER_HEAP, count_call, &calls, 1);
	f = frame_top();
	fib(n - 1, &f->slot[2]);
	f = frame_top();
	fib(n - 2, &f->slot[3]);
	f = frame_top();
	*(uintptr_t *)frame_ptr(f, 1) = f->slot[2] + f->slot[3];
	frame_pop();
}

static void *fib_task(void *arg)
{
	struct frame *f = frame_push_or_panic(&top_desc);
	fib((uintptr_t)arg, &f->slot[0]);
	uintptr_t r = frame_top()->slot[0];
	frame_pop();
	return (void *)r;
}

static void test_readme_example(void)
{
	calls = 0;
	struct task *t =
	    task_spawn(task_mutator_hart(0), "fib", fib_task, (void *)20, NULL);
	sched_run_all();
	uintptr_t r = (uintptr_t)task_join(t);
	CHECK(r == 6765);
	CHECK(calls == 10945); /* fib calls with n >= 2: F(21) - 1 */
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_readme_example),
    KTAP_CASE(test_push_pop_mixed_descriptors),
    KTAP_CASE(test_stack_pointers_survive_growths),
    KTAP_CASE(test_push_args_adjusted_by_their_own_growth),
    KTAP_CASE(test_defer_order),
    KTAP_CASE(test_defer_args_follow_the_stack),
    KTAP_CASE(test_refs_after_growth_and_shrink),
    KTAP_CASE(test_max_stack_size_error),
    KTAP_CASE(test_tasks_on_every_mutator_hart),
    KTAP_CASE(test_join_from_a_task),
    KTAP_CASE(test_scan_a_parked_task),
};

int main(void)
{
	return ktap_run("task", cases, KTAP_COUNT(cases));
}
