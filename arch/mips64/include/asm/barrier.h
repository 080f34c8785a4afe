/*
 * MIPS64 barriers. The generic API and its contract: barrier.h.
 *
 * Every kind is a plain `sync` (SYNC 0, a full barrier: all loads and stores
 * before it complete before any after it). MIPS R2.6+ defines lighter
 * SYNC stypes (0x04 wmb, 0x11 acquire, 0x12 release, 0x13 rmb), but they are
 * optional and neither core we run implements them as anything lighter: the
 * 5KEf predates them and Loongson-3 (GS464) executes every stype as a full
 * sync, so they would buy nothing and leave an untested encoding in the
 * ordering-critical paths. (QEMU's TCG does honour the stypes, which would
 * make QEMU weaker-than-hardware only in the direction that hides bugs.)
 */
#ifndef SPANFENCE_ASM_BARRIER_H
#define SPANFENCE_ASM_BARRIER_H

static inline void arch_publication_barrier(void)
{
	__asm__ volatile("sync" ::: "memory");
}

static inline void arch_release_barrier(void)
{
	__asm__ volatile("sync" ::: "memory");
}

static inline void arch_acquire_barrier(void)
{
	__asm__ volatile("sync" ::: "memory");
}

static inline void arch_full_barrier(void)
{
	__asm__ volatile("sync" ::: "memory");
}

/*
 * In a spin-wait loop. Spins for about 50 us of a wait, then sleeps in the
 * `wait` instruction for about 50 us at a time until the loop ends
 * (mips_cpu_relax in arch/mips64/smp.c). Short waits (lock hand-offs, the
 * litmus rendezvous) stay pure spins; a long one gives the host thread
 * away: QEMU runs MIPS guests on one host thread by default (no MTTCG), and
 * a CPU that only spins keeps the others from running until its 0.1 s time
 * slice ends. In the trap handler (EXL set) it always spins.
 */
void mips_cpu_relax(void);

static inline void arch_cpu_relax(void)
{
	mips_cpu_relax();
}

#endif
