/* RISC-V: tp holds the calling hart's struct hart (set at hart entry). */
#ifndef SPANFENCE_ASM_HART_H
#define SPANFENCE_ASM_HART_H

static inline struct hart *this_hart(void)
{
	struct hart *h;

	__asm__("mv %0, tp" : "=r"(h));
	return h;
}

#endif
