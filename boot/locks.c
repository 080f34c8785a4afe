/*
 * locks.c - newlib's retargetable locks (--enable-newlib-retargetable-locking),
 * so that stdio, atexit and the environment are safe on every hart.
 *
 * Every newlib lock is recursive here (a plain lock taken twice by one hart
 * would deadlock, and the cost difference is one compare). Static locks are
 * the __lock___* objects newlib names; dynamic ones (one per FILE) come from
 * a fixed pool, so taking a lock never allocates.
 */
#include <sys/lock.h>

#include "console.h"
#include "atomic.h"
#include "spinlock.h"

struct __lock {
	struct recursive_lock lock;
};

struct __lock __lock___sinit_recursive_mutex;
struct __lock __lock___sfp_recursive_mutex;
struct __lock __lock___atexit_recursive_mutex;
struct __lock __lock___at_quick_exit_mutex;
struct __lock __lock___malloc_recursive_mutex;
struct __lock __lock___env_recursive_mutex;
struct __lock __lock___tz_mutex;
struct __lock __lock___dd_hash_mutex;
struct __lock __lock___arc4random_mutex;

/* Dynamic locks: newlib creates and closes one for a FILE on the stack on
 * every printf to an unbuffered stream, so slots are reused. */
#define LOCK_POOL_SIZE 64
static struct __lock lock_pool[LOCK_POOL_SIZE];
static volatile uint64_t lock_pool_used; /* bit i: lock_pool[i] in use */

void __retarget_lock_init(_LOCK_T *lock)
{
	for (;;) {
		uint64_t used = shared_load64(&lock_pool_used);
		if (used == ~0ull)
			panic("newlib lock pool exhausted (%d locks)",
			      LOCK_POOL_SIZE);
		unsigned i = (unsigned)__builtin_ctzll(~used);
		/* Claims slot i; other harts claim and free slots the same
		 * way, and a claimed lock starts free (locked == 0). */
		if (atomic_cas64(&lock_pool_used, used, used | 1ull << i)) {
			*lock = &lock_pool[i];
			return;
		}
	}
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
	__retarget_lock_init(lock);
}

void __retarget_lock_close(_LOCK_T lock)
{
	if (lock < lock_pool || lock >= lock_pool + LOCK_POOL_SIZE)
		return; /* a static lock */
	uint64_t bit = 1ull << (lock - lock_pool);
	for (;;) {
		uint64_t used = shared_load64(&lock_pool_used);
		/* Frees the slot; the lock was released before close. */
		if (atomic_cas64(&lock_pool_used, used, used & ~bit))
			return;
	}
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
	__retarget_lock_close(lock);
}

void __retarget_lock_acquire(_LOCK_T lock)
{
	recursive_lock(&lock->lock);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
	recursive_lock(&lock->lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
	return recursive_trylock(&lock->lock) ? 0 : -1; /* 0: taken */
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
	return recursive_trylock(&lock->lock) ? 0 : -1; /* 0: taken */
}

void __retarget_lock_release(_LOCK_T lock)
{
	recursive_unlock(&lock->lock);
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
	recursive_unlock(&lock->lock);
}
