/* Host counters: the TSC for cycles, CLOCK_MONOTONIC for time. */
#ifndef SPANFENCE_ASM_COUNTER_H
#define SPANFENCE_ASM_COUNTER_H

#include <stdint.h>
#include <time.h>

static inline uint64_t arch_cycles(void)
{
	return __builtin_ia32_rdtsc();
}

/* The host has no user-readable instruction counter: use callgrind. */
static inline uint64_t arch_instret(void)
{
	return __builtin_ia32_rdtsc();
}

static inline uint64_t arch_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t arch_time_hz(void)
{
	return 1000000000u;
}

#endif
