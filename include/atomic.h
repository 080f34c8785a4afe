/*
 * atomic.h - shared words and read-modify-write atomics.
 *
 * Rule: a word that another hart reads or writes concurrently is accessed
 * only through these functions. Plain C accesses are for data owned by one
 * hart, or published to others through a barrier from barrier.h.
 *
 *   shared_load, shared_store    one untorn access, no ordering of its own
 *                                (order it with a named barrier)
 *   atomic_cas*                  compare-and-swap, true on success
 *   atomic_fetch_add*            add, returns the old value
 *   atomic_swap32                exchange, returns the old value
 *
 * The RMW atomics imply no ordering either (RISC-V LR/SC and AMOs without
 * .aq/.rl; MIPS LL/SC without sync, except Loongson-3's erratum sync).
 *
 * On hardware these are inline assembly in asm/atomic.h. On the host they
 * are __atomic builtins with acquire/release order, so ThreadSanitizer sees
 * every cross-thread edge. Under SF_SIMULATE, stores go through the hart's
 * software store buffer (sim/storebuf.c) and loads look there first.
 */
#ifndef SPANFENCE_ATOMIC_H
#define SPANFENCE_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

#include "asm/atomic.h"

#ifdef SF_SIMULATE
uint64_t shared_load64(const volatile uint64_t *p);
void shared_store64(volatile uint64_t *p, uint64_t v);
uint32_t shared_load32(const volatile uint32_t *p);
void shared_store32(volatile uint32_t *p, uint32_t v);
bool atomic_cas64(volatile uint64_t *p, uint64_t old, uint64_t new);
bool atomic_cas32(volatile uint32_t *p, uint32_t old, uint32_t new);
uint64_t atomic_fetch_add64(volatile uint64_t *p, uint64_t v);
uint32_t atomic_fetch_add32(volatile uint32_t *p, uint32_t v);
uint32_t atomic_swap32(volatile uint32_t *p, uint32_t v);
#else
#define shared_load64	   arch_load64
#define shared_store64	   arch_store64
#define shared_load32	   arch_load32
#define shared_store32	   arch_store32
#define atomic_cas64	   arch_cas64
#define atomic_cas32	   arch_cas32
#define atomic_fetch_add64 arch_fetch_add64
#define atomic_fetch_add32 arch_fetch_add32
#define atomic_swap32	   arch_swap32
#endif

/* Pointer-sized helpers (every port is LP64). */
static inline void *shared_load_ptr(void *const volatile *p)
{
	return (void *)(uintptr_t)shared_load64((const volatile uint64_t *)p);
}

static inline void shared_store_ptr(void *volatile *p, const void *v)
{
	shared_store64((volatile uint64_t *)p, (uint64_t)(uintptr_t)v);
}

static inline bool atomic_cas_ptr(void *volatile *p, const void *old,
				  const void *new)
{
	return atomic_cas64((volatile uint64_t *)p, (uint64_t)(uintptr_t)old,
			    (uint64_t)(uintptr_t) new);
}

#endif
