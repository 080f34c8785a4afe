/*
 * spinlock.h - a test-and-set lock for short critical sections.
 *
 * spin_lock swaps 1 into the word until it reads 0 (acquire barrier after);
 * spin_unlock releases with a release barrier then a store of 0.
 * A recursive variant, owned by a hart, serves newlib's stdio locks.
 */
#ifndef SPANFENCE_SPINLOCK_H
#define SPANFENCE_SPINLOCK_H

#include <stdint.h>

struct spinlock {
	volatile uint32_t locked;
};

struct recursive_lock {
	struct spinlock lock;
	volatile uint32_t owner; /* hart index + 1, 0 when free */
	uint32_t depth;
};

#define SPINLOCK_INIT \
	{             \
		0     \
	}

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
int spin_trylock(struct spinlock *l);

void recursive_lock(struct recursive_lock *l);
void recursive_unlock(struct recursive_lock *l);
int recursive_trylock(struct recursive_lock *l);

#endif
