/* RISC-V: tp holds the calling hart's struct hart (set at hart entry). */
#ifndef SPANFENCE_ASM_HART_H
#define SPANFENCE_ASM_HART_H

#include <stdbool.h>

static inline struct hart *this_hart(void)
{
	struct hart *h;

	__asm__("mv %0, tp" : "=r"(h));
	return h;
}

/* The harts never take turns on one thread here: QEMU's riscv64-virt runs each
 * hart on a host thread of its own (MTTCG), as real boards run them on cores of
 * their own. (asm/hart.h on mips64 says what these are for.) */
static inline bool arch_harts_take_turns(void)
{
	return false;
}

static inline void arch_give_turn(void) {}

#endif
