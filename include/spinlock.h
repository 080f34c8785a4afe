/*
 * spinlock.h - a ticket lock for short critical sections.
 *
 * spin_lock takes a ticket (an atomic add on next) and waits until owner
 * reaches it (acquire barrier after); spin_unlock releases with a release
 * barrier then a store of owner + 1. Harts get the lock in the order they
 * asked: a hart that keeps taking it (the gc driver's passes over the task
 * registry) cannot starve one that waits (a task exiting on a mutator
 * hart, which answers no handshake until it has the lock).
 * A recursive variant, owned by a hart, serves newlib's stdio locks.
 */
#ifndef SPANFENCE_SPINLOCK_H
#define SPANFENCE_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	volatile uint32_t next;	 /* the next ticket to hand out */
	volatile uint32_t owner; /* the ticket that holds the lock */
};

struct recursive_lock {
	struct spinlock lock;
	volatile uint32_t owner; /* hart index + 1, 0 when free */
	uint32_t depth;
};

#define SPINLOCK_INIT \
	{             \
		0, 0  \
	}

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
int spin_trylock(struct spinlock *l);

void recursive_lock(struct recursive_lock *l);
void recursive_unlock(struct recursive_lock *l);
int recursive_trylock(struct recursive_lock *l);

#endif
