/*
 * MIPS64 counters: CP0 Count for everything.
 *
 * Count is a 32-bit register. On hardware it ticks at half the pipeline
 * clock (on these cores); in QEMU it follows the virtual clock:
 *   Count Hz = 1e9 / trunc((1e9 / cpu clock Hz) * 2)
 *   malta (320 MHz CPU clock):          1e9/6 = 166.67 MHz
 *   loongson3-virt (800 MHz CPU clock): 1e9/2 = 500 MHz
 * (QEMU rounds the tick period down to whole ns; measured: see the board
 * files). Under -icount, virtual ns follow instructions (shift=0: 1 ns per
 * instruction), so Count advances once per 6 (malta) or 2 (loongson)
 * instructions: a benchmark calibrates the ratio against an asm loop.
 *
 * The 32-bit value is widened to 64 bits per CPU: each CPU keeps the last
 * value it read and a wrap count. That is exact as long as the CPU reads
 * the counter at least once per wrap (2^32 ticks: 25.7 s on malta, 8.6 s on
 * loongson3-virt); a CPU silent for longer loses a wrap, so a benchmark
 * timing longer than that must read it in between. Values from different
 * CPUs are not comparable (each CPU's Count is its own).
 *
 * counter_instret() is Count too: MIPS has no retired-instruction counter
 * readable without the optional performance counters (not modelled by QEMU).
 */
#ifndef SPANFENCE_ASM_COUNTER_H
#define SPANFENCE_ASM_COUNTER_H

#include <stdint.h>

#include "asm/cp0.h"
#include "asm/percpu.h"

/* Count frequency of the board (boards/<board>.c). */
extern const uint64_t mips_count_hz;

static inline uint32_t mips_read_count(void)
{
	return read_c0_32(CP0_COUNT);
}

/* Only the owning CPU writes its entry, so no atomics are needed. */
static inline uint64_t arch_time(void)
{
	struct mips_cpu_local *l = &mips_cpu_local[mips_cpunum()];
	uint32_t now = mips_read_count();

	if (now < l->count_last)
		l->count_wraps++;
	l->count_last = now;
	return ((uint64_t)l->count_wraps << 32) | now;
}

static inline uint64_t arch_cycles(void)
{
	return arch_time();
}

static inline uint64_t arch_instret(void)
{
	return arch_time();
}

static inline uint64_t arch_time_hz(void)
{
	return mips_count_hz;
}

#endif
