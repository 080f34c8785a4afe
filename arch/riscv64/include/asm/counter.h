/* RISC-V counters, readable from S-mode (OpenSBI enables them). */
#ifndef SPANFENCE_ASM_COUNTER_H
#define SPANFENCE_ASM_COUNTER_H

#include <stdint.h>

static inline uint64_t arch_cycles(void)
{
	uint64_t v;

	__asm__ volatile("rdcycle %0" : "=r"(v));
	return v;
}

static inline uint64_t arch_instret(void)
{
	uint64_t v;

	__asm__ volatile("rdinstret %0" : "=r"(v));
	return v;
}

static inline uint64_t arch_time(void)
{
	uint64_t v;

	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

/* QEMU virt: the ACLINT timer runs at 10 MHz. */
static inline uint64_t arch_time_hz(void)
{
	return 10000000;
}

#endif
