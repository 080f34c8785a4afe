/*
 * trap.c - report a trap and stop the board (every trap is fatal).
 *
 * A trap inside the report (the console or a bad stack) ends the board at
 * once with EXIT_TRAP rather than recursing.
 */
#include <stdint.h>

#include "atomic.h"
#include "console.h"
#include "hart.h"
#include "platform.h"

struct trap_frame {
	uint64_t x[32]; /* x[0] unused; x[2] is the interrupted sp */
	uint64_t sepc, scause, stval, sstatus;
};

static const char *const exception_names[] = {
    "instruction address misaligned",
    "instruction access fault",
    "illegal instruction",
    "breakpoint",
    "load address misaligned",
    "load access fault",
    "store address misaligned",
    "store access fault",
    "environment call from U-mode",
    "environment call from S-mode",
    "reserved (10)",
    "environment call from M-mode",
    "instruction page fault",
    "load page fault",
    "reserved (14)",
    "store page fault",
};

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static volatile uint32_t traps_in_progress;

static const char *cause_name(uint64_t scause)
{
	if (scause >> 63)
		return "unexpected interrupt";
	if (scause < sizeof(exception_names) / sizeof(exception_names[0]))
		return exception_names[scause];
	return "unknown exception";
}

void trap_report(struct trap_frame *f)
{
	/* Any hart may trap; the first one reports, a nested or second trap
	 * ends the board at once. */
	if (atomic_fetch_add32(&traps_in_progress, 1) != 0)
		platform_exit(EXIT_TRAP);
	kprintf("\nTRAP: %s (scause %lx) on hart %u\n", cause_name(f->scause),
		(unsigned long)f->scause, this_hart()->index);
	kprintf("  sepc %016lx  stval %016lx  sstatus %016lx\n",
		(unsigned long)f->sepc, (unsigned long)f->stval,
		(unsigned long)f->sstatus);
	for (int i = 1; i < 32; i++)
		kprintf("  %-4s %016lx%s", reg_names[i], (unsigned long)f->x[i],
			i % 4 == 3 ? "\n" : "");
	kprintf("\n");
	platform_exit(EXIT_TRAP);
}
