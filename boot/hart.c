/*
 * hart.c - roles and the per-hart mailbox.
 *
 * A mailbox is IDLE, POSTED (fn and arg written by the caller) or DONE
 * (result written by the callee). Only the caller moves it to POSTED and
 * back to IDLE; only the callee moves it to DONE.
 */
#include "hart.h"

#include "atomic.h"
#include "barrier.h"
#include "console.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

const char *hart_role_name(enum hart_role role)
{
	return role == HART_COLLECTOR ? "collector" : "mutator";
}

struct hart *collector_hart(void)
{
	if (hart_count < 2)
		return NULL;
	return &harts[hart_count - 1];
}

void hart_call(struct hart *h, void *(*fn)(void *), void *arg)
{
	if (h == this_hart() || shared_load32(&h->mailbox) != MAILBOX_IDLE)
		panic("hart_call: hart %u is busy or is the caller", h->index);
	h->call_fn = fn;
	h->call_arg = arg;
	/* Orders fn and arg before POSTED; pairs with the acquire in
	 * hart_serve(). */
	release_barrier(BARRIER_HART_CALL_POST);
	shared_store32(&h->mailbox, MAILBOX_POSTED);
#ifdef SF_SIMULATE
	/* A real store buffer drains in bounded time; the simulated one only
	 * at simulated accesses, and the caller may now run plain code. */
	storebuf_drain_all();
#endif
}

void *hart_wait(struct hart *h)
{
	while (shared_load32(&h->mailbox) != MAILBOX_DONE)
		arch_cpu_relax();
	/* Orders the result after DONE; pairs with the release in
	 * hart_serve(). */
	acquire_barrier(BARRIER_HART_CALL_DONE);
	void *result = h->call_result;
	shared_store32(&h->mailbox, MAILBOX_IDLE);
	return result;
}

void hart_serve(struct hart *h)
{
	for (;;) {
		while (shared_load32(&h->mailbox) != MAILBOX_POSTED)
			arch_cpu_relax();
		/* Orders fn and arg after POSTED; pairs with hart_call(). */
		acquire_barrier(BARRIER_HART_CALL_POST);
		h->call_result = h->call_fn(h->call_arg);
		/* Orders the work before DONE; pairs with hart_wait(). */
		release_barrier(BARRIER_HART_CALL_DONE);
		shared_store32(&h->mailbox, MAILBOX_DONE);
	}
}
