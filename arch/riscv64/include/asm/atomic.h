/*
 * RISC-V atomics: LR/SC loops and AMOs, without .aq/.rl (ordering comes from
 * the named barriers in barrier.h). The contract: atomic.h.
 */
#ifndef SPANFENCE_ASM_ATOMIC_H
#define SPANFENCE_ASM_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

static inline uint64_t arch_load64(const volatile uint64_t *p)
{
	return *p;
}
static inline void arch_store64(volatile uint64_t *p, uint64_t v)
{
	*p = v;
}
static inline uint32_t arch_load32(const volatile uint32_t *p)
{
	return *p;
}
static inline void arch_store32(volatile uint32_t *p, uint32_t v)
{
	*p = v;
}

static inline bool arch_cas64(volatile uint64_t *p, uint64_t old, uint64_t new)
{
	uint64_t seen;
	uint64_t failed;

	__asm__ volatile("1: lr.d %0, (%2)\n"
			 "   bne %0, %3, 2f\n"
			 "   sc.d %1, %4, (%2)\n"
			 "   bnez %1, 1b\n"
			 "2:\n"
			 : "=&r"(seen), "=&r"(failed)
			 : "r"(p), "r"(old), "r"(new)
			 : "memory");
	return seen == old;
}

static inline bool arch_cas32(volatile uint32_t *p, uint32_t old, uint32_t new)
{
	int64_t seen;
	uint64_t failed;
	/* lr.w sign-extends: compare against the sign-extended old value. */
	int64_t want = (int32_t)old;

	__asm__ volatile("1: lr.w %0, (%2)\n"
			 "   bne %0, %3, 2f\n"
			 "   sc.w %1, %4, (%2)\n"
			 "   bnez %1, 1b\n"
			 "2:\n"
			 : "=&r"(seen), "=&r"(failed)
			 : "r"(p), "r"(want), "r"(new)
			 : "memory");
	return seen == want;
}

static inline uint64_t arch_fetch_add64(volatile uint64_t *p, uint64_t v)
{
	uint64_t old;

	__asm__ volatile("amoadd.d %0, %2, (%1)"
			 : "=r"(old)
			 : "r"(p), "r"(v)
			 : "memory");
	return old;
}

static inline uint32_t arch_fetch_add32(volatile uint32_t *p, uint32_t v)
{
	uint32_t old;

	__asm__ volatile("amoadd.w %0, %2, (%1)"
			 : "=r"(old)
			 : "r"(p), "r"(v)
			 : "memory");
	return old;
}

static inline uint32_t arch_swap32(volatile uint32_t *p, uint32_t v)
{
	uint32_t old;

	__asm__ volatile("amoswap.w %0, %2, (%1)"
			 : "=r"(old)
			 : "r"(p), "r"(v)
			 : "memory");
	return old;
}

#endif
