/* MIPS: a table of struct hart pointers indexed by CP0 EBase.CPUNum. */
#ifndef SPANFENCE_ASM_HART_H
#define SPANFENCE_ASM_HART_H

#include "asm/cp0.h"
#include "asm/percpu.h"

extern struct hart *mips_cpu_hart[MIPS_MAX_CPUS];

static inline struct hart *this_hart(void)
{
	return mips_cpu_hart[mips_cpunum()];
}

#endif
