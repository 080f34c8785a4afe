/*
 * task.c - task records: spawn, exit, join, errors, statistics.
 *
 * A task record is sf_malloc'ed and lives from task_spawn() to task_join().
 * It owns a C stack (sf_malloc'ed once, never moved, not scanned) and a
 * managed stack (stack.c, moved by copy.c). The model and THE RULE are in
 * include/task.h.
 *
 * Life of a task, and who may touch it:
 *
 *   spawn   on any hart: the record is filled, registered (task_for_each
 *           sees it from here), counted on its hart and queued there.
 *           stack_state PARKED: a scanner may claim it before it ever ran.
 *   run     only on its hart, between the scheduler's claim (PARKED ->
 *           RUNNING) and the next park (task_yield, task_join) or exit.
 *   exit    on its hart: pops every frame (running the defers), leaves the
 *           registry, frees the managed stack, DEAD, switches away for
 *           good. The scheduler then sets done (BARRIER_TASK_DONE): only
 *           after that may the C stack be freed, because until the switch
 *           the task was still running on it.
 *   join    on any hart: waits for done, frees the C stack and the record.
 *
 * Invariants:
 *   - A task never changes harts (so tp / the MIPS per-CPU table, and the
 *     scheduler's unlocked fields, stay valid for it).
 *   - A registered task is not DEAD; a DEAD task is not in the registry.
 *   - A claimed (SCANNING) task is not running, so it cannot exit: a
 *     scanner may use it until task_scan_end even outside the registry
 *     lock.
 */
#include <stdarg.h>
#include <string.h>

#include "console.h"
#include "task_internal.h"

#define CSTACK_CANARY 0x5f7ac4ca9a27ULL

static struct {
	volatile uint64_t growths, shrinks, bytes_copied, ptrs_adjusted;
} global_stats;

static size_t round_pow2(size_t n)
{
	size_t p = TASK_STACK_MIN;

	while (p < n)
		p *= 2;
	return p;
}

static size_t round_down_pow2(size_t n)
{
	size_t p = TASK_STACK_MIN;

	while (p * 2 <= n)
		p *= 2;
	return p;
}

static void task_main(void *arg)
{
	struct task *t = arg;

	sched_task_started(t);
	task_exit(t->fn(t->arg));
}

struct task *task_spawn(struct hart *h, const char *name, void *(*fn)(void *),
			void *arg, const struct task_opts *opts)
{
	struct task_opts o = {0};

	if (opts)
		o = *opts;
	if (!h || h->role != HART_MUTATOR)
		panic("task_spawn(\"%s\"): hart %u is not a mutator; the "
		      "collector hart never runs tasks",
		      name, h ? h->index : 0);
	size_t size = round_pow2(o.stack_size ? o.stack_size : TASK_STACK_MIN);
	size_t max =
	    round_down_pow2(o.stack_max ? o.stack_max : TASK_STACK_MAX_DEFAULT);
	size_t csize = o.cstack_size ? o.cstack_size : TASK_CSTACK_DEFAULT;
	if (size > max)
		size = max;

	struct task *t = sf_malloc(sizeof(*t));
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->cstack = sf_malloc(csize);
	char *lo = stack_alloc(size);
	if (!t->cstack || !lo) {
		if (lo)
			stack_free(lo, size);
		sf_free(t->cstack);
		sf_free(t);
		return NULL;
	}
	strncpy(t->name, name ? name : "task", TASK_NAME_MAX - 1);
	t->cstack_size = csize;
	t->stack_max = max;
	t->fn = fn;
	t->arg = arg;
	t->hart = h;
	t->run_state = TASK_RUNNABLE;
	STORE_PTR(t->stack_lo, lo);
	STORE_PTR(t->stack_hi, lo + size);
	STORE_PTR(t->sp, lo);
	STORE_PTR(t->frame, NULL);
	STORE_PTR(t->defer, NULL);
	shared_store32(&t->stack_state, TASK_STACK_PARKED);
	*(uint64_t *)t->cstack = CSTACK_CANARY;
	t->ctx_sp = task_ctx_init((char *)t->cstack + csize, task_main, t);
	sched_fiber_create(t);
	/* Both take a spinlock: its release (SPIN_UNLOCK) publishes the
	 * record to the hart that runs it and to task_for_each(). */
	task_registry_add(t);
	sched_add(h, t);
	return t;
}

void task_exit(void *result)
{
	struct task *t = this_task();

	if (!t)
		panic("task_exit outside a task");
	frame_pop_all(t);
	t->result = result;
	task_registry_remove(t);
	char *lo = LOAD_PTR(t->stack_lo);
	stack_free(lo, (size_t)((char *)LOAD_PTR(t->stack_hi) - lo));
	STORE_PTR(t->stack_lo, NULL);
	STORE_PTR(t->stack_hi, NULL);
	STORE_PTR(t->sp, NULL);
	shared_store32(&t->stack_state, TASK_STACK_DEAD);
	if (*(uint64_t *)t->cstack != CSTACK_CANARY)
		panic("task '%s' overflowed its C stack of %zu bytes", t->name,
		      t->cstack_size);
	t->run_state = TASK_EXITING;
	sched_switch_out(t);
	panic("task '%s' resumed after exit", t->name);
}

void *task_join(struct task *t)
{
	struct task *self = this_task();

	if (self == t)
		panic("task '%s' joins itself", t->name);
	while (shared_load32(&t->done) == 0) {
		if (self)
			task_yield();
		else
			arch_cpu_relax();
	}
	/* Orders our reads of t (result, C stack) after done; pairs with
	 * the scheduler's release before storing done (sched.c). */
	acquire_barrier(BARRIER_TASK_DONE);
	void *result = t->result;
	sched_fiber_destroy(t);
	sf_free(t->cstack);
	sf_free(t);
	return result;
}

void task_safepoint(void)
{
	struct task *t = this_task();

	if (!t)
		return;
	safepoint_poll(t);
	stack_maybe_shrink(t);
}

void task_yield(void)
{
	struct task *t = this_task();

	if (!t)
		panic("task_yield outside a task");
	task_safepoint();
	if (*(uint64_t *)t->cstack != CSTACK_CANARY)
		panic("task '%s' overflowed its C stack of %zu bytes", t->name,
		      t->cstack_size);
	sched_switch_out(t);
}

size_t task_stack_used(struct task *t)
{
	return (size_t)((char *)LOAD_PTR(t->sp) -
			(char *)LOAD_PTR(t->stack_lo));
}

size_t task_stack_size(struct task *t)
{
	return (size_t)((char *)LOAD_PTR(t->stack_hi) -
			(char *)LOAD_PTR(t->stack_lo));
}

void task_set_error(struct task *t, enum task_err err, const char *fmt, ...)
{
	va_list ap;

	t->err = err;
	va_start(ap, fmt);
	kvsnprintf(t->errmsg, sizeof(t->errmsg), fmt, ap);
	va_end(ap);
}

void task_stats_add(struct task *t, const struct task_stats *d)
{
	t->stats.growths += d->growths;
	t->stats.shrinks += d->shrinks;
	t->stats.bytes_copied += d->bytes_copied;
	t->stats.ptrs_adjusted += d->ptrs_adjusted;
	atomic_fetch_add64(&global_stats.growths, d->growths);
	atomic_fetch_add64(&global_stats.shrinks, d->shrinks);
	atomic_fetch_add64(&global_stats.bytes_copied, d->bytes_copied);
	atomic_fetch_add64(&global_stats.ptrs_adjusted, d->ptrs_adjusted);
}

void task_stats_global(struct task_stats *out)
{
	out->growths = shared_load64(&global_stats.growths);
	out->shrinks = shared_load64(&global_stats.shrinks);
	out->bytes_copied = shared_load64(&global_stats.bytes_copied);
	out->ptrs_adjusted = shared_load64(&global_stats.ptrs_adjusted);
}

struct hart *task_mutator_hart(unsigned i)
{
	for (unsigned k = 0; k < hart_count; k++)
		if (harts[k].role == HART_MUTATOR && i-- == 0)
			return &harts[k];
	return NULL;
}

unsigned task_mutator_count(void)
{
	unsigned n = 0;

	for (unsigned k = 0; k < hart_count; k++)
		n += harts[k].role == HART_MUTATOR;
	return n;
}
