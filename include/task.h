/*
 * task.h - tasks with managed stacks that grow and shrink by copying.
 *
 * THE MODEL
 *
 * A task is a record allocated with sf_malloc (the analogue of Go's g) that
 * owns two stacks:
 *
 *   - its C stack: fixed size, allocated once at spawn, never moved. The
 *     task's C code runs on it; the per-arch context switch (switch.S)
 *     swaps C stacks. The collector never looks at C stacks.
 *   - its managed stack: a contiguous data stack (like Lua's value stack),
 *     taken from the heap as a MANUAL span (pools carve 2, 4, 8 and 16 KiB
 *     stacks out of spans; 32 KiB and up come straight from the page heap).
 *     It holds frames, and it is the only stack that is ever relocated.
 *
 * The managed stack grows upwards, from stack_lo to stack_hi; sp is the first
 * free byte. It holds, in LIFO order:
 *
 *   frames          pushed with a descriptor (number of slots, a bitmap of
 *                   which slots hold pointers) and popped in LIFO order. A
 *                   frame header holds the descriptor and the distance back
 *                   to the previous frame (position independent, never
 *                   adjusted). A pointer slot holds NULL, a heap pointer, or
 *                   a pointer into the same stack; a non-pointer slot holds
 *                   anything but is never touched by relocation or scanning.
 *   stack defers    defer records allocated on the stack above the frame
 *                   that owns them (defer_push(DEFER_STACK, ...)).
 *
 * Defer records (Go's _defer) form one chain per task, newest first, that
 * freely mixes records on the heap (sf_malloc) and records on the stack. Each
 * remembers its frame (a pointer into the stack) and runs when that frame is
 * popped, newest first. So the task record and heap records hold heap->stack
 * pointers: task->defer, and a heap record's link, frame and arg.
 *
 * Heap->stack references (Lua's open upvalues): a struct stack_ref embedded
 * in a heap object may point at a slot of its task's stack once it is
 * registered (stack_ref_open). Relocation adjusts it; popping the frame it
 * points into closes it: the slot's value is copied into the ref, which
 * then points at its own copy, and is unregistered.
 *
 * THE RULE (what makes relocation precise)
 *
 *   C code keeps a pointer into a managed stack only in
 *     - a pointer slot of a frame (per its descriptor),
 *     - a defer record's arg (defer_push), or
 *     - a registered stack_ref,
 *   never in a C local, C global or unregistered heap word across anything
 *   that can relocate the stack: frame_push*, defer_push(DEFER_STACK),
 *   task_yield, task_safepoint, task_join, or any call that might do one of
 *   these. After such a call, fetch the frame again (frame_top(),
 *   frame_parent()) and reload pointers from its slots.
 *
 *   A stack pointer may be passed as a C argument only to a callee that
 *   hands it to frame_push_args() (which stores it in the new frame, adjusted
 *   if that very push relocated the stack) or to defer_push() before doing
 *   anything else that can relocate. A deferred function receives its arg
 *   the same way: valid until it pushes, unless it passes it on.
 *
 * Relocation finds every pointer into the old stack through exactly these
 * places: frame slots by their bitmaps, the task's own fields (sp, frame,
 * defer), the defer chain (stack and heap records), registered refs, and the
 * arguments of the frame_push_args() in progress. Anything else pointing
 * into the old stack is left dangling - which is why the rule exists.
 *
 * GROWTH AND SHRINKING (task/copy.c)
 *
 * A push that does not fit allocates a stack twice the size (or more, until
 * it fits), copies the used part, adjusts every pointer into the old range,
 * switches the task to the new stack and frees the old one. The new span is
 * published by the heap (publication_barrier(BARRIER_SPAN_PUBLISH) at the end
 * of span_alloc_manual) before any adjusted pointer is stored: golang/go#35541.
 * At a safe point (task_yield, task_safepoint) a task using less than a
 * quarter of its stack is shrunk to half the size, the same way. A stack
 * never grows past the task's maximum: the push fails with TASK_ESTACKMAX and
 * a message naming the task (frame_push returns NULL; frame_push_or_panic
 * panics with the message).
 *
 * SCHEDULING (task/sched.c)
 *
 * Each mutator hart has a cooperative scheduler: task_spawn() puts a task on
 * a given mutator hart, where it stays for its whole life; sched_run() runs
 * the calling hart's tasks until none are left; sched_run_all() runs every
 * mutator hart's scheduler (through hart_call) until no task is left on any
 * hart, so tasks may spawn and join tasks on other harts. The collector hart
 * never runs tasks. A task runs until it calls task_yield, task_join (which
 * yields while it waits) or task_exit (returning from its function exits).
 *
 * WHAT THE COLLECTOR MAY ASSUME (task/scan.c)
 *
 *   - task_for_each() visits every live task under the registry lock.
 *   - task->stack_state is RUNNING while its hart executes it (frames change
 *     freely), COPYING while it relocates its own stack, PARKED while it is
 *     stopped at a safe point (frames stable), SCANNING while a scanner has
 *     claimed it (the scheduler will not resume it), DEAD after exit.
 *   - task_scan_begin() claims a PARKED task (false otherwise); between it
 *     and task_scan_end() the stack, the defer chain and the refs are stable,
 *     the task cannot run or exit, and task_scan_stack() visits every pointer
 *     slot. A running task can scan itself (task_scan_stack(task_current())).
 *   - A scanner never sees a half-copied stack: copying happens only in
 *     RUNNING/COPYING, which it cannot claim; the copy is ordered before
 *     the next PARKED store by BARRIER_TASK_PARK, and the moved pointers
 *     before the old stack's span is freed by BARRIER_SPAN_RETIRE.
 *   - Any pointer into a stack that the collector loads concurrently (task
 *     fields, heap defer records, refs) points into a MANUAL span whose
 *     publication it is ordered after (BARRIER_SPAN_PUBLISH). But a
 *     pointer loaded from an unclaimed task may be stale: t->defer may
 *     name a heap record the task has run and sf_free'd since (its span
 *     may even be back in the page heap). Follow the defer chain and the
 *     refs only of a claimed task (or from the task itself). Between
 *     task_stacks_hold() and task_stacks_release() no stack span is returned
 *     to the heap, so a pointer into a stack loaded after the hold, even a
 *     stale one, stays in a MANUAL span (Go keeps stack spans during a GC
 *     for the same reason).
 *   - task->safepoint is a word the collector sets (task_request_safepoint)
 *     and the task polls at push, pop and yield; it then calls the hook set
 *     with task_set_safepoint_hook() on its own hart and C stack. The rest of
 *     that handshake belongs to the collector (issue 5).
 *
 * USAGE (tests/guest/task_test.c: test_readme_example)
 *
 *   // slot 0: n, slot 1: out (a pointer: into the caller's frame),
 *   // slots 2, 3: the results of the two calls
 *   static const struct frame_desc fib_desc = FRAME_DESC("fib", 4, 0x2);
 *   static const struct frame_desc top_desc = {"top", 1, NULL};
 *
 *   static void fib(uintptr_t n, uintptr_t *out) // out: a stack pointer
 *   {
 *       if (n < 2) {
 *           *out = n;
 *           return;
 *       }
 *       uintptr_t args[2] = {n, (uintptr_t)out};
 *       struct frame *f = frame_push_args(&fib_desc, args, 2);
 *       defer_push(DEFER_HEAP, count_call, &calls, 1); // runs at the pop
 *       f = frame_top();          // (a DEFER_STACK record could move it)
 *       fib(n - 1, &f->slot[2]);  // may move the stack, so...
 *       f = frame_top();          // ...fetch the frame again
 *       fib(n - 2, &f->slot[3]);
 *       f = frame_top();
 *       *(uintptr_t *)frame_ptr(f, 1) = f->slot[2] + f->slot[3];
 *       frame_pop();
 *   }
 *
 *   static void *fib_task(void *arg)
 *   {
 *       struct frame *f = frame_push_or_panic(&top_desc);
 *       fib((uintptr_t)arg, &f->slot[0]);
 *       uintptr_t r = frame_top()->slot[0];
 *       frame_pop();
 *       return (void *)r;
 *   }
 *
 *   struct task *t = task_spawn(task_mutator_hart(0), "fib", fib_task,
 *                               (void *)20, NULL); // NULL: default sizes
 *   sched_run_all();                     // run the tasks on every mutator
 *   uintptr_t r = (uintptr_t)task_join(t);          // 6765
 */
#ifndef SPANFENCE_TASK_H
#define SPANFENCE_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "hart.h"

/* ---- sizes ---- */

#define TASK_STACK_MIN	       (2 * 1024)    /* smallest managed stack */
#define TASK_STACK_MAX_DEFAULT (1024 * 1024) /* default maximum */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TASK_CSTACK_DEFAULT (256 * 1024) /* sanitizers need bigger frames */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TASK_CSTACK_DEFAULT (256 * 1024)
#endif
#endif
#ifndef TASK_CSTACK_DEFAULT
#define TASK_CSTACK_DEFAULT (64 * 1024)
#endif
#define TASK_NAME_MAX 24

/* ---- frames ---- */

struct frame_desc {
	const char *name;	/* for diagnostics */
	uint32_t nslots;	/* words after the header */
	const uint64_t *ptrmap; /* bit i%64 of ptrmap[i/64]: slot i is a
				   pointer; NULL: no pointer slots */
};

/* A descriptor whose bitmap is given as a list of 64-bit words. */
#define FRAME_DESC(name_, nslots_, ...)                    \
	{                                                  \
		.name = (name_), .nslots = (nslots_),      \
		.ptrmap = (const uint64_t[]){__VA_ARGS__}, \
	}

struct frame {
	const struct frame_desc *desc;
	uintptr_t prev_off; /* bytes back to the previous frame; 0: none */
	uintptr_t slot[];   /* desc->nslots words */
};

static inline bool frame_desc_is_ptr(const struct frame_desc *d, unsigned i)
{
	return d->ptrmap && (d->ptrmap[i / 64] >> (i % 64) & 1);
}

static inline size_t frame_bytes(const struct frame_desc *d)
{
	return sizeof(struct frame) + (size_t)d->nslots * sizeof(uintptr_t);
}

/*
 * Push a frame for d on the current task's stack, all slots zero. Returns
 * NULL (and sets task_error) if the stack would exceed the task's maximum or
 * memory ran out. frame_push_args copies args[0..nargs-1] into the first
 * slots; pointer-slot arguments that point into the stack are adjusted if
 * the push relocated it.
 */
static inline struct frame *frame_push(const struct frame_desc *d);
struct frame *frame_push_args(const struct frame_desc *d, const uintptr_t *args,
			      unsigned nargs);
/* The same, but a failure panics with the message naming the task. */
struct frame *frame_push_or_panic(const struct frame_desc *d);

/* Pop the current frame: run its defers (newest first), close the refs
 * into it, release it and its stack defer records. */
static inline void frame_pop(void);

/* The current task's current frame (NULL if none), and the one below f. */
static inline struct frame *frame_top(void);
static inline struct frame *frame_parent(const struct frame *f)
{
	return f->prev_off ? (struct frame *)((char *)f - f->prev_off) : NULL;
}

/* Pointer slots. The collector's write barrier (issue 5) goes here. */
static inline void *frame_ptr(const struct frame *f, unsigned i)
{
	return (void *)f->slot[i];
}
static inline void frame_set_ptr(struct frame *f, unsigned i, const void *p)
{
	f->slot[i] = (uintptr_t)p;
}

/* ---- defer records ---- */

typedef void (*defer_fn)(void *arg, uintptr_t data);

enum defer_where { DEFER_HEAP, DEFER_STACK };

struct defer {
	struct defer *link;  /* the next older record, heap or stack */
	struct frame *frame; /* the frame that runs it when popped */
	void *arg;	     /* a pointer: NULL, heap, or into the stack */
	defer_fn fn;
	uintptr_t data; /* a non-pointer argument */
	uintptr_t heap; /* 1: allocated with sf_malloc, 0: on the stack */
};

/*
 * Defer fn(arg, data) until the current frame is popped. arg may point into
 * the stack (it is adjusted on relocation). Returns 0, or a task_err if a
 * stack record did not fit (the same error as frame_push).
 */
int defer_push(enum defer_where where, defer_fn fn, void *arg, uintptr_t data);

/* ---- heap->stack references ---- */

struct stack_ref {
	uintptr_t *slot;	/* into the task's stack while open, else
				   &closed; read it with stack_ref_slot() */
	uintptr_t closed;	/* the value, once closed */
	struct stack_ref *next; /* the task's open refs, highest slot first */
	struct task *task;	/* owner while open, NULL once closed */
};

/* Point r at slot (in the current task's stack) and register it. */
void stack_ref_open(struct stack_ref *r, uintptr_t *slot);
/* Copy the slot's value into r, point r at it, unregister. */
void stack_ref_close(struct stack_ref *r);
static inline uintptr_t *stack_ref_slot(struct stack_ref *r)
{
	return (uintptr_t *)shared_load_ptr((void *const volatile *)&r->slot);
}

/* ---- tasks ---- */

enum task_err {
	TASK_OK = 0,
	TASK_ESTACKMAX, /* the stack would exceed the task's maximum */
	TASK_ENOMEM,	/* no memory for a new stack */
};

enum task_stack_state {
	TASK_STACK_RUNNING,  /* its hart runs it: frames change */
	TASK_STACK_COPYING,  /* its hart is relocating the stack */
	TASK_STACK_PARKED,   /* stopped at a safe point: frames stable */
	TASK_STACK_SCANNING, /* claimed by a scanner: will not run */
	TASK_STACK_DEAD,     /* exited: no stack */
};

enum task_run_state { TASK_RUNNABLE, TASK_EXITING };

struct task_opts {
	size_t stack_size;  /* initial managed stack (TASK_STACK_MIN) */
	size_t stack_max;   /* maximum (TASK_STACK_MAX_DEFAULT) */
	size_t cstack_size; /* C stack (TASK_CSTACK_DEFAULT) */
};

struct task_stats {
	uint64_t growths;	/* relocations to a bigger stack */
	uint64_t shrinks;	/* relocations to a smaller stack */
	uint64_t bytes_copied;	/* used bytes copied by both */
	uint64_t ptrs_adjusted; /* pointers rewritten by both */
};

/*
 * The task record. Fields marked "shared" are read by other harts (the
 * collector, a joiner) and are written and read with shared_store* /
 * shared_load*, by the owner too (the SF_SIMULATE store buffer needs that).
 * The rest belong to the task's hart.
 */
struct task {
	/* managed stack: shared */
	char *stack_lo;		       /* base of the stack span's memory */
	char *stack_hi;		       /* end of the stack */
	char *sp;		       /* first free byte */
	struct frame *frame;	       /* current frame or NULL */
	struct defer *defer;	       /* newest defer record or NULL */
	volatile uint32_t stack_state; /* enum task_stack_state */
	volatile uint32_t safepoint;   /* set by the collector */
	volatile uint32_t gc_black; /* the collector's: the mark (gc_barrier_on)
			      in which this stack was scanned (gc/gc.h) */

	struct stack_ref *refs; /* open refs, highest slot first */
	size_t stack_max;

	/* C side */
	void *ctx_sp; /* saved C stack pointer while switched out */
	void *cstack; /* the C stack, allocated once */
	size_t cstack_size;
	void *(*fn)(void *);
	void *arg;
	void *result;
	enum task_run_state run_state;
	struct hart *hart;		  /* where it runs, for life */
	struct task *runq_next;		  /* its scheduler's run queue */
	struct task *all_prev, *all_next; /* registry */
	volatile uint32_t done; /* shared: exited, record may be freed */
	enum task_err err;
	char errmsg[112];
	char name[TASK_NAME_MAX];
	struct task_stats stats;

	/* sanitizer fiber state (host builds) */
	void *tsan_fiber;
	void *asan_fake_stack;
};

/*
 * Create a task running fn(arg) on mutator hart h (panics if h is the
 * collector). opts may be NULL. Returns NULL if memory ran out. The task
 * runs when h's scheduler runs (sched_run, sched_run_all).
 */
struct task *task_spawn(struct hart *h, const char *name, void *(*fn)(void *),
			void *arg, const struct task_opts *opts);
/* Let the hart's other tasks run; a safe point (may shrink the stack). */
void task_yield(void);
/* Pop every frame (running their defers) and end the task. */
__attribute__((noreturn)) void task_exit(void *result);
/* Wait for t to end (yielding if called from a task), free it, return its
 * result. Every task must be joined exactly once. */
void *task_join(struct task *t);
/* The calling hart's running task, NULL outside tasks. this_task() is the
 * inline (below, one load); task_current() is the same as a function, for
 * code that refers to it without linking task/ (sim/storebuf.c's weak
 * reference). */
static inline struct task *this_task(void);
struct task *task_current(void);
/* A safe point: poll the collector's request, shrink if mostly unused. */
void task_safepoint(void);

static inline const char *task_name(const struct task *t)
{
	return t->name;
}
static inline enum task_err task_error(const struct task *t)
{
	return t->err;
}
/* "task 'x': ..." describing the last error, "" if none. */
static inline const char *task_error_msg(const struct task *t)
{
	return t->errmsg;
}
/* Used bytes and current size of t's managed stack. */
size_t task_stack_used(struct task *t);
size_t task_stack_size(struct task *t);

/* The i-th mutator hart (in hart order), and how many there are. */
struct hart *task_mutator_hart(unsigned i);
unsigned task_mutator_count(void);

/* ---- schedulers ---- */

/* Run the calling hart's tasks until it has none left. */
void sched_run(void);
/* Run every mutator hart's scheduler until no task is left on any hart.
 * Call it from outside any task (main, or a hart_call'ed function). */
void sched_run_all(void);

/* Growth/shrink counters summed over every task since boot. */
void task_stats_global(struct task_stats *out);

/* ---- collector hooks (task/scan.c) ---- */

enum task_slot_kind {
	TASK_SLOT_FRAME,     /* a frame's pointer slot */
	TASK_SLOT_DEFER_ARG, /* a defer record's arg */
	TASK_SLOT_REF,	     /* a registered ref's slot (points into stack) */
};

typedef void (*task_visit_fn)(void **slot, enum task_slot_kind kind,
			      struct task *t, void *ctx);

/* Every live task, under the registry lock: fn must not block or spawn. */
void task_for_each(void (*fn)(struct task *t, void *ctx), void *ctx);
/* Claim a PARKED task for scanning (true), or leave it (false). */
bool task_scan_begin(struct task *t);
/* Hand a claimed task back to its scheduler. */
void task_scan_end(struct task *t);
/* Visit every pointer slot of t: frames by their descriptors, each defer
 * record's arg, each open ref. t must be claimed or be the caller's task. */
void task_scan_stack(struct task *t, task_visit_fn visit, void *ctx);

/* Ask t to call the safepoint hook at its next push, pop or yield. */
void task_request_safepoint(struct task *t);
/* The hook: runs on t's hart, as t; clear t->safepoint is done before it. */
void task_set_safepoint_hook(void (*hook)(struct task *t));

/* While held, stack spans are not returned to the heap (queued instead);
 * the last release frees the queue. Nests. */
void task_stacks_hold(void);
void task_stacks_release(void);

/* ---- the inline fast paths ----
 *
 * this_task(), frame_top() and the common case of frame_push() and
 * frame_pop() run in every managed call, so they are inline here; whatever
 * is not the common case is out of line in task/frame.c:
 *
 *   push   inline when the calling hart runs a task, the frame fits in the
 *          room left (no growth) and no safepoint is requested; else
 *          frame_push_slow() (no task: panic; the poll; growth by copying).
 *   pop    inline when there is a frame, none of the task's defer records
 *          belongs to it, no open ref points into it and no safepoint is
 *          requested; else frame_pop_slow() (no frame: panic; the defers;
 *          closing refs; the poll).
 *
 * Only the task's own hart runs these, and they touch the same fields in
 * the same way the out-of-line code does: the shared fields of struct task
 * (sp, frame, defer, safepoint) and a heap defer record's frame through
 * shared_load* / shared_store* (atomic.h's rule: a scanner or the
 * collector reads them), everything else plainly. A push or pop changes
 * frames only while the task is RUNNING, which no scanner claims, so the
 * fast paths need no barrier of their own: the park that ends the run
 * (BARRIER_TASK_PARK) orders them before a scanner's claim.
 */

/* hart->running_task is task/sched.c's per-hart word: the task the hart runs,
 * set by its scheduler around each switch to a task, NULL outside one.
 * Written and read only by that hart. */
static inline struct task *this_task(void)
{
	return (struct task *)this_hart()->running_task;
}

static inline struct frame *frame_top(void)
{
	struct task *t = this_task();

	return t ? (struct frame *)shared_load_ptr(
		       (void *const volatile *)&t->frame)
		 : NULL;
}

/* The slow paths (task/frame.c). */
struct frame *frame_push_slow(const struct frame_desc *d);
void frame_pop_slow(void);

/* Lay out a frame for d at sp (room checked by the caller) and make it t's
 * current frame: the common case of frame_push, and what task/frame.c's
 * slow path does after growing. */
static inline struct frame *
task_frame_place(struct task *t, const struct frame_desc *d, char *sp)
{
	struct frame *f = (struct frame *)sp;
	struct frame *prev =
	    (struct frame *)shared_load_ptr((void *const volatile *)&t->frame);
	/* volatile: a plain loop becomes a call to memset at -O2, which
	 * costs more than the few words of a typical frame. */
	volatile uintptr_t *w = f->slot;

	f->desc = d;
	f->prev_off = prev ? (uintptr_t)((char *)f - (char *)prev) : 0;
	for (uint32_t i = 0; i < d->nslots; i++)
		w[i] = 0;
	shared_store_ptr((void *volatile *)&t->frame, f);
	shared_store_ptr((void *volatile *)&t->sp, sp + frame_bytes(d));
	return f;
}

static inline struct frame *frame_push(const struct frame_desc *d)
{
	struct task *t = this_task();

	if (__builtin_expect(!t, 0))
		return frame_push_slow(d);
	char *sp = (char *)shared_load_ptr((void *const volatile *)&t->sp);
	char *hi =
	    (char *)shared_load_ptr((void *const volatile *)&t->stack_hi);
	if (__builtin_expect((size_t)(hi - sp) < frame_bytes(d) ||
				 shared_load32(&t->safepoint) != 0,
			     0))
		return frame_push_slow(d);
	return task_frame_place(t, d, sp);
}

static inline void frame_pop(void)
{
	struct task *t = this_task();

	if (__builtin_expect(!t, 0)) {
		frame_pop_slow();
		return;
	}
	struct frame *f =
	    (struct frame *)shared_load_ptr((void *const volatile *)&t->frame);
	struct defer *d =
	    (struct defer *)shared_load_ptr((void *const volatile *)&t->defer);
	/* A heap record's frame is shared (the collector may load it), a
	 * stack record's is not (task_internal.h: defer_load). */
	if (__builtin_expect(
		!f ||
		    (d && (d->heap ? (struct frame *)shared_load_ptr(
					 (void *const volatile *)&d->frame)
				   : d->frame) == f) ||
		    (t->refs && (char *)stack_ref_slot(t->refs) >= (char *)f) ||
		    shared_load32(&t->safepoint) != 0,
		0)) {
		frame_pop_slow();
		return;
	}
	shared_store_ptr((void *volatile *)&t->sp, f);
	shared_store_ptr((void *volatile *)&t->frame, frame_parent(f));
}

#endif
