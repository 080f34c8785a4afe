/*
 * sched.c - one cooperative scheduler per mutator hart.
 *
 * Each hart index has a struct sched (scheds[]): a run queue under a
 * spinlock (task_spawn on another hart adds to it), a count of the live
 * tasks placed on the hart, and the scheduler loop's saved C stack. The
 * hart's own word hart->running_task holds the task it is running: the loop
 * sets it before switching to a task and clears it when the task switches
 * back, so this_task() - inline in include/task.h, run at every frame push
 * and pop - is the single load this_hart()->running_task; between tasks and
 * outside sched_run() it is NULL. Only the hart itself writes or reads it.
 * task_current() is this_task() as a function.
 *
 * The loop takes the first queued task, claims it (stack_state PARKED ->
 * RUNNING with a CAS: a scanner may hold it in SCANNING, then it goes to the
 * back of the queue), switches to its C stack, and is switched back to when
 * the task parks (task_yield/task_join: it queued itself, PARKED) or exits.
 * sched_run() ends when the hart has no live tasks; under sched_run_all()
 * every scheduler goes on (idling) until no task is live on any hart, so a
 * task may spawn onto any mutator hart and join the child. Tasks are never
 * moved to another hart; a hart whose tasks all wait on other harts' tasks
 * spins through yields, which is fine for a cooperative scheduler.
 *
 * The context switch itself is switch.S; the sanitizer annotations are
 * here: with ASan, __sanitizer_start_switch_fiber / finish around each
 * switch (NULL fake-stack save when a task leaves for good); with TSan, one
 * fiber per task and __tsan_switch_to_fiber before each switch.
 *
 * Barriers: TASK_CLAIM after claiming a task (pairs with the TASK_PARK
 * release before a task, or a scanner, stores PARKED); TASK_DONE before the
 * done flag of an exited task (pairs with task_join's acquire).
 */
#include "console.h"
#include "task_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define TASK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TASK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TASK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TASK_TSAN 1
#endif
#endif

#ifdef TASK_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
				    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
				     const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(const volatile void *addr, size_t size);
#endif
#ifdef TASK_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
void __tsan_set_fiber_name(void *fiber, const char *name);
#endif

/* Zeroed at boot: empty queues, free locks. Indexed by hart. */
static struct sched scheds[MAX_HARTS];
static volatile uint32_t live_tasks; /* on every hart: spawned, not done */

struct sched *sched_of(struct hart *h)
{
	return &scheds[h->index];
}

struct task *task_current(void)
{
	return this_task();
}

static void runq_push(struct sched *s, struct task *t)
{
	spin_lock(&s->lock);
	t->runq_next = NULL;
	if (s->runq_tail)
		s->runq_tail->runq_next = t;
	else
		s->runq_head = t;
	s->runq_tail = t;
	spin_unlock(&s->lock);
}

static struct task *runq_pop(struct sched *s)
{
	spin_lock(&s->lock);
	struct task *t = s->runq_head;
	if (t) {
		s->runq_head = t->runq_next;
		if (!s->runq_head)
			s->runq_tail = NULL;
	}
	spin_unlock(&s->lock);
	return t;
}

void sched_add(struct hart *h, struct task *t)
{
	struct sched *s = sched_of(h);

	/* Counted before it is queued, so no loop sees an empty queue and
	 * a zero count while the task is on its way. */
	atomic_fetch_add32(&live_tasks, 1);
	atomic_fetch_add32(&s->ntasks, 1);
	runq_push(s, t);
}

void sched_fiber_create(struct task *t)
{
#ifdef TASK_TSAN
	t->tsan_fiber = __tsan_create_fiber(0);
	__tsan_set_fiber_name(t->tsan_fiber, t->name);
#else
	(void)t;
#endif
}

void sched_fiber_destroy(struct task *t)
{
#ifdef TASK_TSAN
	__tsan_destroy_fiber(t->tsan_fiber);
#endif
#ifdef TASK_ASAN
	/* Frames that never returned left their redzones poisoned. */
	__asan_unpoison_memory_region(t->cstack, t->cstack_size);
#endif
	(void)t;
}

/* From the scheduler loop into task t. */
static void switch_to_task(struct sched *s, struct task *t)
{
#ifdef TASK_ASAN
	void *fake = NULL;
	__sanitizer_start_switch_fiber(&fake, t->cstack, t->cstack_size);
#endif
#ifdef TASK_TSAN
	__tsan_switch_to_fiber(t->tsan_fiber, 0);
#endif
	task_ctx_switch(&s->ctx_sp, t->ctx_sp);
#ifdef TASK_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

void sched_task_started(struct task *t)
{
#ifdef TASK_ASAN
	struct sched *s = sched_of(t->hart);
	__sanitizer_finish_switch_fiber(NULL, &s->asan_bottom, &s->asan_size);
#else
	(void)t;
#endif
}

void sched_switch_out(struct task *t)
{
	struct sched *s = sched_of(t->hart);

	if (t->run_state != TASK_EXITING) {
		/* Orders the task's frames and fields before PARKED; pairs
		 * with TASK_CLAIM after the CAS in sched_run() or
		 * task_scan_begin(). */
		release_barrier(BARRIER_TASK_PARK);
		shared_store32(&t->stack_state, TASK_STACK_PARKED);
		runq_push(s, t);
	}
#ifdef TASK_ASAN
	__sanitizer_start_switch_fiber(
	    t->run_state == TASK_EXITING ? NULL : &t->asan_fake_stack,
	    s->asan_bottom, s->asan_size);
#endif
#ifdef TASK_TSAN
	__tsan_switch_to_fiber(s->tsan_fiber, 0);
#endif
	task_ctx_switch(&t->ctx_sp, s->ctx_sp);
#ifdef TASK_ASAN
	__sanitizer_finish_switch_fiber(t->asan_fake_stack, &s->asan_bottom,
					&s->asan_size);
#endif
}

/* Run this hart's tasks until it has none (or, if all, none is live on
 * any hart). */
static void sched_loop(bool all)
{
	struct hart *h = this_hart();
	struct sched *s = sched_of(h);

	if (h->role != HART_MUTATOR)
		panic("sched_run on hart %u: the collector never runs tasks",
		      h->index);
	if (this_task())
		panic("sched_run on hart %u: called from a task", h->index);
#ifdef TASK_TSAN
	s->tsan_fiber = __tsan_get_current_fiber();
#endif
	for (;;) {
		struct task *t = runq_pop(s);
		if (!t) {
			if (shared_load32(all ? &live_tasks : &s->ntasks) == 0)
				break;
			arch_cpu_relax();
			continue;
		}
		if (!atomic_cas32(&t->stack_state, TASK_STACK_PARKED,
				  TASK_STACK_RUNNING)) {
			/* A scanner holds it (SCANNING): run the others. */
			runq_push(s, t);
			arch_cpu_relax();
			continue;
		}
		/* Orders our (the task's) use of its stack after the claim;
		 * pairs with TASK_PARK before the PARKED store (its own last
		 * park, or task_scan_end). */
		acquire_barrier(BARRIER_TASK_CLAIM);
		h->running_task = t;
		switch_to_task(s, t);
		h->running_task = NULL;
		if (t->run_state == TASK_EXITING) {
			atomic_fetch_add32(&s->ntasks, (uint32_t)-1);
			/* Orders all the task did, and the end of our use of
			 * its C stack, before done; pairs with task_join's
			 * acquire after loading done. */
			release_barrier(BARRIER_TASK_DONE);
			shared_store32(&t->done, 1);
			atomic_fetch_add32(&live_tasks, (uint32_t)-1);
		}
	}
}

void sched_run(void)
{
	sched_loop(false);
}

static void *sched_run_here(void *arg)
{
	(void)arg;
	sched_loop(true);
	return NULL;
}

void sched_run_all(void)
{
	struct hart *self = this_hart();

	for (unsigned i = 0; i < hart_count; i++)
		if (&harts[i] != self && harts[i].role == HART_MUTATOR)
			hart_call(&harts[i], sched_run_here, NULL);
	if (self->role == HART_MUTATOR)
		sched_loop(true);
	for (unsigned i = 0; i < hart_count; i++)
		if (&harts[i] != self && harts[i].role == HART_MUTATOR)
			hart_wait(&harts[i]);
}
