/*
 * counter.h - cycle and instruction counters for benchmarks.
 *
 *   counter_cycles()    a free-running tick count (RISC-V rdcycle, MIPS CP0
 *                       Count, host rdtsc)
 *   counter_instret()   retired instructions where the hardware counts them
 *                       (RISC-V rdinstret); elsewhere the same as cycles: under
 *                       QEMU -icount MIPS CP0 Count advances with instructions
 *                       at a fixed ratio that a benchmark calibrates.
 *   counter_time_hz()   the frequency of counter_time()
 *   counter_time()      wall-clock ticks (RISC-V rdtime, MIPS Count, host ns)
 */
#ifndef SPANFENCE_COUNTER_H
#define SPANFENCE_COUNTER_H

#include <stdint.h>

#include "asm/counter.h"

#define counter_cycles	arch_cycles
#define counter_instret arch_instret
#define counter_time	arch_time
#define counter_time_hz arch_time_hz

#endif
