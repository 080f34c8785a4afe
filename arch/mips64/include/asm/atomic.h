/*
 * MIPS64 atomics: LL/SC loops (lld/scd, ll/sc) without ordering of their
 * own; ordering comes from the named barriers in barrier.h. The contract:
 * atomic.h.
 *
 * Loongson-3 LL/SC erratum (CONFIG_LOONGSON3_LLSC, loongson3 board only): a
 * `sync` before every ll/lld (at the loop head, so a retry gets it too) and
 * at the target of every branch that leaves the loop before its sc. These
 * syncs are the workaround, not an ordering guarantee the callers may use.
 * The board also assembles with -Wa,-mfix-loongson3-llsc, which inserts the
 * same syncs into compiler-generated LL/SC code and leaves ours alone (it
 * skips a label that already starts with a sync). Malta assembles with
 * -Wa,-mno-fix-loongson3-llsc (Debian's gas enables the fix by default).
 *
 * All loops are .set noreorder with the delay slots written out; a 32-bit
 * ll sign-extends, so 32-bit comparisons use the sign-extended old value.
 */
#ifndef SPANFENCE_ASM_ATOMIC_H
#define SPANFENCE_ASM_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef CONFIG_LOONGSON3_LLSC
#define LLSC_SYNC      "sync\n\t" /* erratum: before ll/lld */
#define LLSC_EXIT_SYNC "sync\n\t" /* erratum: at the branch target out */
#else
#define LLSC_SYNC      ""
#define LLSC_EXIT_SYNC ""
#endif

/* Aligned 64/32-bit loads and stores are single accesses: never torn. */
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
	uint64_t tmp;

	__asm__ volatile(".set push\n\t"
			 ".set noreorder\n"
			 "1:\t" LLSC_SYNC "lld\t%0, 0(%2)\n\t"
			 "bne\t%0, %3, 2f\n\t"
			 " move\t%1, %4\n\t" /* delay slot, harmless on exit */
			 "scd\t%1, 0(%2)\n\t"
			 "beqz\t%1, 1b\n\t"
			 " nop\n"
			 "2:\t" LLSC_EXIT_SYNC ".set pop"
			 : "=&r"(seen), "=&r"(tmp)
			 : "r"(p), "r"(old), "r"(new)
			 : "memory");
	return seen == old;
}

static inline bool arch_cas32(volatile uint32_t *p, uint32_t old, uint32_t new)
{
	int64_t seen;
	uint64_t tmp;
	int64_t want = (int32_t)old; /* ll sign-extends */

	__asm__ volatile(".set push\n\t"
			 ".set noreorder\n"
			 "1:\t" LLSC_SYNC "ll\t%0, 0(%2)\n\t"
			 "bne\t%0, %3, 2f\n\t"
			 " move\t%1, %4\n\t"
			 "sc\t%1, 0(%2)\n\t"
			 "beqz\t%1, 1b\n\t"
			 " nop\n"
			 "2:\t" LLSC_EXIT_SYNC ".set pop"
			 : "=&r"(seen), "=&r"(tmp)
			 : "r"(p), "r"(want), "r"((uint64_t) new)
			 : "memory");
	return seen == want;
}

static inline uint64_t arch_fetch_add64(volatile uint64_t *p, uint64_t v)
{
	uint64_t old;
	uint64_t tmp;

	__asm__ volatile(".set push\n\t"
			 ".set noreorder\n"
			 "1:\t" LLSC_SYNC "lld\t%0, 0(%2)\n\t"
			 "daddu\t%1, %0, %3\n\t"
			 "scd\t%1, 0(%2)\n\t"
			 "beqz\t%1, 1b\n\t"
			 " nop\n\t"
			 ".set pop"
			 : "=&r"(old), "=&r"(tmp)
			 : "r"(p), "r"(v)
			 : "memory");
	return old;
}

static inline uint32_t arch_fetch_add32(volatile uint32_t *p, uint32_t v)
{
	uint32_t old;
	uint32_t tmp;

	__asm__ volatile(".set push\n\t"
			 ".set noreorder\n"
			 "1:\t" LLSC_SYNC "ll\t%0, 0(%2)\n\t"
			 "addu\t%1, %0, %3\n\t"
			 "sc\t%1, 0(%2)\n\t"
			 "beqz\t%1, 1b\n\t"
			 " nop\n\t"
			 ".set pop"
			 : "=&r"(old), "=&r"(tmp)
			 : "r"(p), "r"(v)
			 : "memory");
	return old;
}

static inline uint32_t arch_swap32(volatile uint32_t *p, uint32_t v)
{
	uint32_t old;
	uint32_t tmp;

	__asm__ volatile(".set push\n\t"
			 ".set noreorder\n"
			 "1:\t" LLSC_SYNC "ll\t%0, 0(%2)\n\t"
			 "move\t%1, %3\n\t"
			 "sc\t%1, 0(%2)\n\t"
			 "beqz\t%1, 1b\n\t"
			 " nop\n\t"
			 ".set pop"
			 : "=&r"(old), "=&r"(tmp)
			 : "r"(p), "r"(v)
			 : "memory");
	return old;
}

#endif
