/*
 * MIPS64 coprocessor 0: register numbers, Status/Cause bits and accessors.
 * Usable from assembly (.S) and C.
 */
#ifndef SPANFENCE_ASM_CP0_H
#define SPANFENCE_ASM_CP0_H

/* Register numbers: use as "mfc0 t0, CP0_STATUS" (the select follows). */
#define CP0_INDEX    $0
#define CP0_BADVADDR $8
#define CP0_COUNT    $9
#define CP0_ENTRYHI  $10
#define CP0_COMPARE  $11
#define CP0_STATUS   $12    /* select 0 */
#define CP0_INTCTL   $12, 1 /* R2: IPTI (bits 31..29) = IP line of the timer */
#define CP0_CAUSE    $13
#define CP0_EPC	     $14
#define CP0_PRID     $15    /* select 0 */
#define CP0_EBASE    $15, 1 /* R2: exception base; CPUNum in bits 9..0 */
#define CP0_CONFIG   $16
#define CP0_ERROREPC $30

/* Status */
#define ST_IE	    0x00000001
#define ST_EXL	    0x00000002
#define ST_ERL	    0x00000004
#define ST_KX	    0x00000080
#define ST_IM_SHIFT 8
#define ST_BEV	    0x00400000
#define ST_FR	    0x04000000
#define ST_CU1	    0x20000000
/* What every CPU runs with: kernel mode, 64-bit kernel segments, the FPU on
 * with 64-bit registers (newlib is hard-float n64), interrupts off, BEV=0. */
#define ST_RUNTIME (ST_CU1 | ST_FR | ST_KX)

/* Cause */
#define CAUSE_EXCCODE_SHIFT 2
#define CAUSE_EXCCODE_MASK  0x7c
#define CAUSE_TI	    0x40000000 /* R2: the CP0 timer interrupt is pending */
#define CAUSE_BD	    0x80000000 /* the faulting instruction is in a delay slot */

#define EBASE_CPUNUM_MASK 0x3ff

/* Offsets of the vectors from EBase (BEV=0). */
#define VEC_TLB_REFILL	0x000
#define VEC_XTLB_REFILL 0x080
#define VEC_CACHE_ERROR 0x100
#define VEC_GENERAL	0x180

/* Config.K0 = 3: KSEG0 cacheable (coherent on Loongson-3). */
#define CONFIG_K0_MASK	    0x7
#define CONFIG_K0_CACHEABLE 3

#ifndef __ASSEMBLER__
#include <stdint.h>

#define CP0_STR2(...) #__VA_ARGS__
#define CP0_STR(...)  CP0_STR2(__VA_ARGS__)

/* 32-bit CP0 registers read sign-extended; the uint32_t keeps the bits. */
#define read_c0_32(reg)                                                \
	({                                                             \
		uint32_t v_;                                           \
		__asm__ volatile("mfc0 %0, " CP0_STR(reg) : "=r"(v_)); \
		v_;                                                    \
	})

#define read_c0_64(reg)                                                 \
	({                                                              \
		uint64_t v_;                                            \
		__asm__ volatile("dmfc0 %0, " CP0_STR(reg) : "=r"(v_)); \
		v_;                                                     \
	})

#define write_c0_32(reg, val)                               \
	__asm__ volatile("mtc0 %0, " CP0_STR(reg) "\n\tehb" \
			 :                                  \
			 : "r"((uint32_t)(val))             \
			 : "memory")

/* This CPU's hardware number (EBase.CPUNum): 0, 1, ... on malta and
 * loongson3-virt. Not the hart index (boot order), see hart.h. */
static inline unsigned mips_cpunum(void)
{
	return read_c0_32(CP0_EBASE) & EBASE_CPUNUM_MASK;
}

#endif /* !__ASSEMBLER__ */

#endif
