/* RISC-V (RVWMO) barriers. The generic API and its contract: barrier.h. */
#ifndef SPANFENCE_ASM_BARRIER_H
#define SPANFENCE_ASM_BARRIER_H

static inline void arch_publication_barrier(void)
{
	__asm__ volatile("fence w,w" ::: "memory");
}

static inline void arch_release_barrier(void)
{
	__asm__ volatile("fence rw,w" ::: "memory");
}

static inline void arch_acquire_barrier(void)
{
	__asm__ volatile("fence r,rw" ::: "memory");
}

static inline void arch_full_barrier(void)
{
	__asm__ volatile("fence rw,rw" ::: "memory");
}

/* A spin's step; a long spin sleeps (relax.c). */
void riscv_cpu_relax(void);

static inline void arch_cpu_relax(void)
{
	riscv_cpu_relax();
}

#endif
