/*
 * task_internal.h - what the files of task/ share among themselves.
 *
 *   task.c    task records: spawn, exit, join, the registry, errors
 *   sched.c   per-hart schedulers and the context switch around switch.S
 *   stack.c   managed stack memory: pools, large stacks, held frees
 *   frame.c   frame push and pop, the safe point poll
 *   defer.c   defer records: push, run at pop, adjust on relocation
 *   ref.c     heap->stack references: open, close, adjust
 *   copy.c    growth and shrinking: copy, adjust, switch
 *   scan.c    the collector's side: claim, scan, safepoint hook
 */
#ifndef SPANFENCE_TASK_INTERNAL_H
#define SPANFENCE_TASK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "barrier.h"
#include "hart.h"
#include "spinlock.h"
#include "task.h"

#include "task_heap.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Shared pointer fields of struct task and heap records (see task.h). */
#define LOAD_PTR(field)	    shared_load_ptr((void *const volatile *)&(field))
#define STORE_PTR(field, v) shared_store_ptr((void *volatile *)&(field), (v))

/* ---- switch.S (one per arch) ---- */

/* Save the callee-saved registers on the current C stack, store its stack
 * pointer in *save_sp, load new_sp and restore what it saved. */
void task_ctx_switch(void **save_sp, void *new_sp);
/* Prepare a C stack ending at top so that switching to the returned stack
 * pointer calls entry(arg) (which must never return). */
void *task_ctx_init(void *top, void (*entry)(void *), void *arg);

/* ---- sched.c ---- */

struct sched {
	struct spinlock lock; /* the run queue; other harts spawn onto it */
	struct task *runq_head, *runq_tail;
	volatile uint32_t ntasks; /* shared: live tasks on this hart */
	void *ctx_sp;		  /* the scheduler loop's saved C stack */
	struct hart *hart;
	/* the scheduler's own stack as the sanitizers know it */
	const void *asan_bottom;
	size_t asan_size;
	void *tsan_fiber;
} __attribute__((aligned(64)));

struct sched *sched_of(struct hart *h);
/* Queue a new task on h's scheduler (another hart may call it). */
void sched_add(struct hart *h, struct task *t);
/* Leave the running task (stack_state already PARKED, or EXITING) for the
 * scheduler; returns when the scheduler resumes it. */
void sched_switch_out(struct task *t);
/* First code a new task runs on its C stack. */
void sched_task_started(struct task *t);
/* Sanitizer fibers for a task's C stack. */
void sched_fiber_create(struct task *t);
void sched_fiber_destroy(struct task *t);

/* ---- task.c ---- */

void task_set_error(struct task *t, enum task_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void task_stats_add(struct task *t, const struct task_stats *d);

/* ---- stack.c ---- */

/* A power-of-two size >= TASK_STACK_MIN; NULL if memory ran out. */
char *stack_alloc(size_t size);
void stack_free(char *lo, size_t size);

/* ---- frame.c ---- */

/* The poll at push, pop and yield. */
void task_safepoint_slow(struct task *t);
static inline void safepoint_poll(struct task *t)
{
	if (unlikely(shared_load32(&t->safepoint) != 0))
		task_safepoint_slow(t);
}
/* Pop every frame (task exit). */
void frame_pop_all(struct task *t);

/* Word w of d's pointer bitmap, without the bits past nslots. Visit its
 * slots with: for (m = ...; m; m &= m - 1) slot w * 64 + bit_index(m & -m)
 * (heap.h: no libgcc call on rv64gc, which has no ctz instruction). */
static inline uint64_t frame_ptr_bits(const struct frame_desc *d, unsigned w)
{
	uint64_t m = d->ptrmap[w];
	uint32_t left = d->nslots - w * 64;

	return left < 64 ? m & (((uint64_t)1 << left) - 1) : m;
}

/* ---- copy.c ---- */

/* How a relocation moved the stack: v in [lo, hi) becomes v + delta. */
struct reloc {
	uintptr_t lo, hi;
	intptr_t delta;
	uint64_t adjusted;
};

static inline int reloc_adjust_word(struct reloc *r, uintptr_t *w)
{
	uintptr_t v = *w;

	if (v - r->lo < r->hi - r->lo) {
		*w = v + r->delta;
		r->adjusted++;
		return 1;
	}
	return 0;
}

static inline void *reloc_ptr(struct reloc *r, void *p)
{
	uintptr_t v = (uintptr_t)p;

	if (v - r->lo < r->hi - r->lo) {
		r->adjusted++;
		return (void *)(v + r->delta);
	}
	return p;
}

/* Make room for need more bytes above sp. 0, or a task_err (set on t). *rel
 * says how the stack moved (delta 0 if it did not). */
int stack_grow(struct task *t, size_t need, const char *what,
	       struct reloc *rel);
/* At a safe point: halve the stack if less than a quarter is used. */
void stack_maybe_shrink(struct task *t);

/* ---- defer.c ---- */

/* A defer record's pointer fields: shared_* for a heap record (the
 * collector may load them), plain for a record on the stack (stack memory
 * is only read by a scanner that claimed the task, and copied by memcpy). */
static inline void *defer_load(const struct defer *d, void *const *field)
{
	return d->heap ? shared_load_ptr((void *const volatile *)field)
		       : *field;
}
static inline void defer_store(struct defer *d, void **field, void *v)
{
	if (d->heap)
		shared_store_ptr((void *volatile *)field, v);
	else
		*field = v;
}
#define DLOAD(d, f) \
	((__typeof__((d)->f))defer_load((d), (void *const *)&(d)->f))
#define DSTORE(d, f, v) defer_store((d), (void **)&(d)->f, (v))

/* Run (and unlink) the records of the current frame, newest first. */
void defer_run_frame(struct task *t);
/* Adjust the chain after the stack moved (copy.c). */
void defer_adjust(struct task *t, struct reloc *rel);

/* ---- ref.c ---- */

/* Close every open ref pointing at or above limit. */
void refs_close_from(struct task *t, char *limit);
void refs_adjust(struct task *t, struct reloc *rel);

/* ---- scan.c ---- */

void (*task_safepoint_hook_get(void))(struct task *t);
void task_registry_add(struct task *t);
void task_registry_remove(struct task *t);

#endif
