/* Host: each thread that acts as a hart keeps its struct hart in TLS. */
#ifndef SPANFENCE_ASM_HART_H
#define SPANFENCE_ASM_HART_H

extern __thread struct hart *host_this_hart;

static inline struct hart *this_hart(void)
{
	return host_this_hart;
}

#endif
