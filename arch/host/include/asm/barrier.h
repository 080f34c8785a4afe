/*
 * Host (x86_64, POSIX threads) barriers. x86 keeps stores in order, so a
 * publication barrier only stops the compiler; the others are real fences.
 */
#ifndef SPANFENCE_ASM_BARRIER_H
#define SPANFENCE_ASM_BARRIER_H

static inline void arch_publication_barrier(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void arch_release_barrier(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void arch_acquire_barrier(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void arch_full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void arch_cpu_relax(void)
{
	__builtin_ia32_pause();
}

#endif
