/*
 * spinlock.c - test-and-set spinlocks, plain and recursive.
 *
 * The lock word is taken with an atomic swap; the critical section is
 * ordered after it by an acquire barrier and before the releasing store by
 * a release barrier, so two harts never see each other's half-done updates.
 */
#include "spinlock.h"

#include "atomic.h"
#include "barrier.h"
#include "hart.h"

int spin_trylock(struct spinlock *l)
{
	if (atomic_swap32(&l->locked, 1) != 0)
		return 0;
	/* Orders the section after the swap; pairs with SPIN_UNLOCK. */
	acquire_barrier(BARRIER_SPIN_LOCK);
	return 1;
}

void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l)) {
		while (shared_load32(&l->locked) != 0)
			arch_cpu_relax();
	}
}

void spin_unlock(struct spinlock *l)
{
	/* Orders the section before the release; pairs with SPIN_LOCK. */
	release_barrier(BARRIER_SPIN_UNLOCK);
	shared_store32(&l->locked, 0);
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
