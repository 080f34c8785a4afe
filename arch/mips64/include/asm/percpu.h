/*
 * MIPS64 per-CPU boot and trap state, shared by entry.S and the C side.
 *
 * Every CPU of a MIPS board runs the image's entry code itself (malta: QEMU's
 * boot loader jumps there on every CPU; loongson3-virt: our ROM stub). CPUs
 * are told apart by EBase.CPUNum; the one with CPUNum 0 boots, the others
 * park in entry.S:
 *
 *   1. wait until mips_boot_ready == MIPS_BOOT_READY (the boot CPU has
 *      cleared .bss, so their slot is zero and stays written);
 *   2. set slot.arrived = 1 (platform_discover counts these);
 *   3. wait until slot.release != 0 (counting slot.heartbeat up on every
 *      turn), then sp = slot.stack_top and boot_secondary(slot.hart).
 *
 * A CPU whose CPUNum is MIPS_MAX_CPUS or more never arrives: it idles forever.
 */
#ifndef SPANFENCE_ASM_PERCPU_H
#define SPANFENCE_ASM_PERCPU_H

/* CPUNum values 0 .. MIPS_MAX_CPUS-1 take part (== MAX_HARTS, checked). */
#define MIPS_MAX_CPUS 8

#define MIPS_BOOT_READY 0x5350414e46454e43 /* "SPANFENC" */

/* struct mips_cpu_slot, one 64-byte line per CPU */
#define SLOT_ARRIVED   0
#define SLOT_RELEASE   8
#define SLOT_HART      16
#define SLOT_STACK_TOP 24
#define SLOT_HEARTBEAT 32
#define SLOT_SHIFT     6

/*
 * Exception area, one per CPU plus one shared by CPUs beyond MIPS_MAX_CPUS:
 *   [0, 8)          depth: traps being handled (a nested trap is reported
 *                   briefly, a third one exits at once)
 *   [8, 16)         the vector the current trap came through
 *   [64, 64+FRAME)  the register frame (struct mips_trap_frame)
 *   up to NESTED_SP the stack of the nested-trap report
 *   up to SIZE      the stack of the trap report
 * A dedicated stack: a trap on stack overflow or a bad sp still reports.
 */
#define EXC_AREA_SHIFT 14 /* 16 KiB */
#define EXC_AREA_SIZE  (1 << EXC_AREA_SHIFT)
#define EXC_DEPTH      0
#define EXC_VECTOR     8
#define EXC_FRAME      64
#define EXC_NESTED_SP  4096

/* struct mips_trap_frame */
#define FRAME_GPR(n)   ((n)*8)
#define FRAME_HI       256
#define FRAME_LO       264
#define FRAME_EPC      272
#define FRAME_BADVADDR 280
#define FRAME_STATUS   288
#define FRAME_CAUSE    296
#define FRAME_VECTOR   304
#define FRAME_ERROREPC 312
#define FRAME_SIZE     320

/* Idle wait of the parking loops, in CP0 Count ticks (0.1 ms at 166 MHz). */
#define MIPS_PARK_IDLE_TICKS 16384

#ifndef __ASSEMBLER__
#include <stdint.h>

struct hart;

struct mips_cpu_slot {
	volatile uint64_t arrived;   /* written by the CPU, parked */
	volatile uint64_t release;   /* written by platform_start_hart */
	struct hart *volatile hart;  /* its record, before release */
	void *volatile stack_top;    /* its stack, before release */
	volatile uint64_t heartbeat; /* +1 per parking-loop turn */
} __attribute__((aligned(1 << SLOT_SHIFT)));

struct mips_trap_frame {
	uint64_t gpr[32]; /* k0, k1 are lost: the vector needs them */
	uint64_t hi, lo;
	uint64_t epc, badvaddr, status, cause;
	uint64_t vector; /* VEC_* offset the exception came through */
	uint64_t errorepc;
};

/* State only its own CPU touches (no atomics), one line per CPU. */
struct mips_cpu_local {
	uint32_t count_last;  /* arch_time(): the last Count read */
	uint32_t count_wraps; /* arch_time(): Count wrap-arounds seen */
	uint32_t relax_last;  /* mips_cpu_relax(): Count at the last call */
	uint32_t relax_start; /* mips_cpu_relax(): Count when this spin began */
} __attribute__((aligned(64)));

extern struct mips_cpu_slot mips_cpu_slots[MIPS_MAX_CPUS];
extern struct mips_cpu_local mips_cpu_local[MIPS_MAX_CPUS];
extern struct hart *mips_cpu_hart[MIPS_MAX_CPUS];
extern volatile uint64_t mips_boot_ready;
extern uint64_t mips_boot_args[4]; /* a0..a3 of the boot CPU at entry */

/*
 * Sleep until the CP0 timer fires after `ticks` Count ticks (or return at
 * once if interrupts cannot be taken here, e.g. in the trap handler). Under
 * QEMU a CPU in `wait` yields the host thread; a spinning CPU does not give
 * it up until QEMU's round-robin time slice ends.
 */
void mips_idle_wait(uint32_t ticks);

/* arch_cpu_relax(): spin for a short while, then sleep (asm/barrier.h). */
void mips_cpu_relax(void);

/*
 * Wait for parked CPUs to arrive and fill info->nharts/hartids (boot CPU
 * first, then the others by CPUNum). expected: how many CPUs the board says
 * it has (0 if unknown: stop after quiet_ticks without a new arrival);
 * never longer than max_ticks.
 */
struct platform_info;
void mips_collect_cpus(struct platform_info *info, unsigned expected,
		       uint64_t quiet_ticks, uint64_t max_ticks);

/*
 * UHI semihosting exit (t9 = 1, a0 = status, sdbbp 1): QEMU exits with the
 * status. Needs -semihosting-config enable=on; without it the sdbbp is an
 * EJTAG debug exception to 0xbfc00480: on malta that is QEMU's boot ROM and
 * the CPU hangs there, on loongson3-virt it is romboot.S (see there).
 */
void mips_uhi_exit(int status);

void mips_trap(struct mips_trap_frame *f) __attribute__((noreturn));
void mips_trap_nested(uint64_t cause, uint64_t epc, uint64_t badvaddr,
		      uint64_t vector) __attribute__((noreturn));

#endif /* !__ASSEMBLER__ */

#endif
