/*
 * gc_barrier_test.c - the write barrier's insertion half (include/gc.h,
 * gc_store; gc/gc.h, "MARKING"): a pointer that a task moves from its stack,
 * not yet scanned in this mark, into an object the collector has already
 * scanned, then drops from the stack, must be shaded by the store; from a
 * scanned stack it need not be.
 *
 * One task (on the first mutator hart) again and again allocates an object
 * into a frame slot (the only reference), reaches a safe point (where a
 * mark may start: the object is then white), spins without a safe point
 * (the collector meanwhile scans the roots and the holder, a long-lived
 * object, but not this running task's stack: that waits for its next
 * poll; its length varies, so that marks start at every point of the
 * loop), stores the object into the holder and clears the slot. The
 * collector marks continuously with verification on: an object reachable
 * from the holder but left white fails the re-mark at the termination stop
 * and stops the board. The holder's objects are checked at the end.
 *
 * Counted (printed, and expected above zero, as are the verified cycles):
 * stores made while marking from a grey stack, the case the insertion half
 * exists for. With that half removed (wbarrier.c never shading the value), the
 * host build failed 4 of 4 runs at 2 harts and 6 of 8 at 4 harts (verify: "a
 * reachable object was not marked").
 */
#include <stdint.h>

#include "atomic.h"
#include "counter.h"
#include "gc.h"
#include "hart.h"
#include "ktap.h"
#include "spanfence.h"
#include "task.h"
#include "xorshift.h"

#define K	64   /* holder slots */
#define ITERS	1000 /* stores per task */
#define SPIN_US 1000 /* at most, between the safe point and the store */

struct obj {
	uint64_t serial, check;
};
struct holder {
	struct obj *slot[K];
};
static const struct gc_type obj_type = GC_TYPE_NOSCAN("barrier.obj", 16);
static const struct gc_type holder_type =
    GC_TYPE("barrier.holder", struct holder, ~0ull);

static struct holder *holder; /* a registered root */

/* slot 0: the object on its way to the holder */
static const struct frame_desc move_desc = FRAME_DESC("barrier.move", 1, 0x1);

struct mover {
	uint64_t grey_stores, black_stores;
	int ok;
};

static uint64_t check_of(uint64_t serial)
{
	return serial * 0x9e3779b97f4a7c15ull;
}

static void spin_us(uint64_t us)
{
	uint64_t until = counter_time() + us * (counter_time_hz() / 1000000);

	while (counter_time() < until)
		;
}

static void *mover_body(void *arg)
{
	struct mover *mv = arg;
	struct frame *f = frame_push_or_panic(&move_desc);
	uint64_t rng = 0x5eed;

	for (uint64_t i = 1; i <= ITERS; i++) {
		struct obj *x = gc_alloc(&obj_type);
		x->serial = i;
		x->check = check_of(i);
		frame_set_ptr(frame_top(), 0, x);
		task_yield();
		/* A varying spin: cycles start at every point of it. */
		spin_us(SPIN_US / 4 + xorshift64star(&rng) % SPIN_US);
		/* No safe point from here to the store: whether the store
		 * comes from a grey stack is what the barrier will see. */
		uint32_t epoch = shared_load32(&gc_barrier_on);
		if (epoch != 0 && !gc_stack_black(epoch))
			mv->grey_stores++;
		else if (epoch != 0)
			mv->black_stores++;
		f = frame_top();
		struct holder *h = gc_load(&holder);
		gc_store(&h->slot[i % K], frame_ptr(f, 0));
		frame_set_ptr(f, 0, NULL);
	}
	struct holder *h = gc_load(&holder);
	mv->ok = 1;
	for (uint64_t i = ITERS - K + 1; i <= ITERS; i++) {
		struct obj *x = gc_load(&h->slot[i % K]);
		mv->ok &=
		    x != NULL && x->serial == i && x->check == check_of(i);
	}
	frame_pop();
	return NULL;
}

static void test_grey_stack_store_kept(void)
{
	struct mover mv = {0};
	struct gc_stats a, b;

	gc_mutator_enter();
	gc_root_register(&holder, "barrier holder");
	gc_store(&holder, gc_alloc(&holder_type));
	gc_mutator_leave();
	gc_set_verify(true);
	gc_set_continuous(true);
	gc_get_stats(&a);
	struct task *t =
	    task_spawn(task_mutator_hart(0), "mover", mover_body, &mv, NULL);
	KTAP_EXPECT(t != NULL);
	sched_run_all();
	task_join(t);
	gc_set_continuous(false);
	gc_collect();
	gc_set_verify(false);
	gc_get_stats(&b);
	gc_mutator_enter();
	gc_store(&holder, NULL);
	gc_root_unregister(&holder);
	gc_mutator_leave();
	KTAP_EXPECT(mv.ok);
	KTAP_EXPECT(mv.grey_stores > 0);
	KTAP_EXPECT(b.verified > a.verified); /* 3 on a slow malta at 4 harts */
	ktap_diag("%lu stores while marking from a grey stack, %lu from a "
		  "black one; %lu cycles verified",
		  (unsigned long)mv.grey_stores, (unsigned long)mv.black_stores,
		  (unsigned long)(b.verified - a.verified));
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_grey_stack_store_kept),
};

int main(void)
{
	gc_init(NULL);
	int r = ktap_run("gc-barrier", cases, KTAP_COUNT(cases));
	gc_shutdown();
	return r;
}
