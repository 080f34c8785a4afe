/*
 * plumbing.h - ordering for a test's own hand-offs between harts (a ring,
 * an exchange slot): plumbing, not under test. The arch primitives, not
 * named barriers, so that no barrier mutant breaks them; in a simulation
 * build the release first drains this hart's simulated store buffer
 * (sim/storebuf.c), where the heap's stores wait: a plain or arch store
 * would overtake them (atomic.h's rule).
 */
#ifndef SPANFENCE_TESTS_PLUMBING_H
#define SPANFENCE_TESTS_PLUMBING_H

#include "barrier.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

/* Everything this hart did before the hand-off that follows. */
static inline void plumbing_release(void)
{
#ifdef SF_SIMULATE
	storebuf_fence();
#endif
	arch_release_barrier();
}

/* The hand-off just seen before everything this hart does next. */
static inline void plumbing_acquire(void)
{
	arch_acquire_barrier();
}

#endif
