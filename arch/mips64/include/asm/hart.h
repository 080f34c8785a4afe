/* MIPS: a table of struct hart pointers indexed by CP0 EBase.CPUNum. */
#ifndef SPANFENCE_ASM_HART_H
#define SPANFENCE_ASM_HART_H

#include <stdbool.h>

#include "asm/cp0.h"
#include "asm/percpu.h"

extern struct hart *mips_cpu_hart[MIPS_MAX_CPUS];

static inline struct hart *this_hart(void)
{
	return mips_cpu_hart[mips_cpunum()];
}

/*
 * Whether the harts take turns on one host thread, and giving the others
 * the CPU for a moment (a short wait, smp.c). The simulator (SF_SIMULATE)
 * gives turns at random loads so that two harts' accesses interleave
 * finely, as on CPUs of their own, instead of in QEMU's 0.1 s time slices.
 * Always: QEMU runs every MIPS board's harts on one host thread (MIPS has
 * no multi-threaded TCG), and the boot probe (smp.c) can answer "parallel"
 * on a loaded host (seen: a simulation boot under load that gave no turns).
 * On CPUs that do run in parallel a turn is only a short pause.
 */
static inline bool arch_harts_take_turns(void)
{
	return true;
}
void arch_give_turn(void);

#endif
