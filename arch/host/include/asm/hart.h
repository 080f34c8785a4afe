/* Host: each thread that acts as a hart keeps its struct hart in TLS. */
#ifndef SPANFENCE_ASM_HART_H
#define SPANFENCE_ASM_HART_H

#include <stdbool.h>

extern __thread struct hart *host_this_hart;

static inline struct hart *this_hart(void)
{
	return host_this_hart;
}

/* The harts never take turns on one thread here: each hart is a thread of its
 * own. (asm/hart.h on mips64 says what these are for.) */
static inline bool arch_harts_take_turns(void)
{
	return false;
}

static inline void arch_give_turn(void) {}

#endif
