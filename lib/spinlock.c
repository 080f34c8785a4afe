/*
 * spinlock.c - ticket spinlocks, plain and recursive.
 *
 * A hart takes a ticket with an atomic add on next and waits until owner
 * equals it; unlocking stores owner + 1, which only the holder writes. The
 * critical section is ordered after the wait by an acquire barrier and
 * before the releasing store by a release barrier, so two harts never see
 * each other's half-done updates. Tickets make the lock fair: with a
 * test-and-set word, a hart that unlocks and locks again in a loop can
 * keep a waiter out for good (under SF_SIMULATE, where the unlocking store
 * may sit in the store buffer until the next swap drains it, for ever).
 */
#include "spinlock.h"

#include "atomic.h"
#include "barrier.h"
#include "hart.h"

int spin_trylock(struct spinlock *l)
{
	uint32_t t = shared_load32(&l->owner);

	/* Free only if no ticket is out past the owner's; the CAS fails if
	 * another hart took one meanwhile (or our owner was stale). */
	if (shared_load32(&l->next) != t || !atomic_cas32(&l->next, t, t + 1))
		return 0;
	/* Orders the section after seeing our ticket own the lock; pairs
	 * with SPIN_UNLOCK before the previous holder's owner store. */
	acquire_barrier(BARRIER_SPIN_LOCK);
	return 1;
}

void spin_lock(struct spinlock *l)
{
	uint32_t t = atomic_fetch_add32(&l->next, 1);

	while (shared_load32(&l->owner) != t)
		arch_cpu_relax();
	/* Orders the section after seeing our ticket own the lock; pairs
	 * with SPIN_UNLOCK before the previous holder's owner store. */
	acquire_barrier(BARRIER_SPIN_LOCK);
}

void spin_unlock(struct spinlock *l)
{
	/* Orders the section before the release; pairs with SPIN_LOCK. */
	release_barrier(BARRIER_SPIN_UNLOCK);
	shared_store32(&l->owner, shared_load32(&l->owner) + 1);
}

static uint32_t owner_tag(void)
{
	return this_hart()->index + 1;
}

int recursive_trylock(struct recursive_lock *l)
{
	uint32_t me = owner_tag();

	/* Only this hart can have stored its own tag: a plain check is safe. */
	if (shared_load32(&l->owner) == me) {
		l->depth++;
		return 1;
	}
	if (!spin_trylock(&l->lock))
		return 0;
	shared_store32(&l->owner, me);
	l->depth = 1;
	return 1;
}

void recursive_lock(struct recursive_lock *l)
{
	uint32_t me = owner_tag();

	if (shared_load32(&l->owner) == me) {
		l->depth++;
		return;
	}
	spin_lock(&l->lock);
	shared_store32(&l->owner, me);
	l->depth = 1;
}

void recursive_unlock(struct recursive_lock *l)
{
	if (--l->depth > 0)
		return;
	shared_store32(&l->owner, 0);
	spin_unlock(&l->lock);
}
