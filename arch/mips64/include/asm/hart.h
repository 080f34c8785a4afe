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
 * Whether the harts take turns on one host thread (QEMU runs MIPS boards
 * so: smp.c), and giving the others the CPU for a moment (a short wait).
 * The simulator (SF_SIMULATE) calls this at random loads so that two
 * harts' accesses interleave finely, as on CPUs of their own, instead of
 * in QEMU's 0.1 s time slices.
 */
bool arch_harts_take_turns(void);
void arch_give_turn(void);

#endif
