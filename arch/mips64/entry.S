/*
 * MIPS64 entry: _start for every CPU, the exception vectors, the idle wait.
 *
 * Every CPU enters _start (malta: from QEMU's boot loader, BEV=1; loongson3-
 * virt: from the ROM stub in romboot.S, after CPU 0 copied the image to RAM).
 * The CPU with EBase.CPUNum 0 is the boot CPU (QEMU starts every CPU at once,
 * so "first to arrive" would be a race; CPU 0 always exists). The protocol
 * with the parked CPUs is described in asm/percpu.h.
 *
 * Registers (n64): a0-a7 = $4-$11, t0-t3 = $12-$15.
 */
#include "asm/cp0.h"
#include "asm/percpu.h"

#define HART_STACK_SIZE_ (64 * 1024) /* == HART_STACK_SIZE, checked in smp.c */

	.set	sym32		/* every symbol is in KSEG0: two-instruction la */

/* ------------------------------------------------------------------------ */
	.section .text.entry, "ax", @progbits
	.set	push
	.set	noreorder
	.globl	_start
	.type	_start, @function
_start:
	dla	$gp, _gp
	/* This CPU's exception vectors (EBase is per CPU; CPUNum is RO).
	 * EBase may only change while BEV=1: set BEV (and clear ERL) first. */
	li	$t0, ST_BEV | ST_KX
	mtc0	$t0, CP0_STATUS
	ehb
	dla	$t0, mips_vectors
	mtc0	$t0, CP0_EBASE
	ehb
	/* Kernel mode, KX, FPU on with FR=1, BEV=0, ERL=EXL=IE=0. */
	li	$t0, ST_RUNTIME
	mtc0	$t0, CP0_STATUS
	ehb
	ctc1	$zero, $31		/* FCSR: round to nearest, no FP traps */
	mfc0	$t1, CP0_EBASE
	andi	$t1, $t1, EBASE_CPUNUM_MASK
	bnez	$t1, secondary
	 nop

	/* Boot CPU. Keep a0..a3 (the board's boot parameters) in s0..s3. */
	move	$s0, $a0
	move	$s1, $a1
	move	$s2, $a2
	move	$s3, $a3
	dla	$t0, __bss_start
	dla	$t1, __bss_end
	beq	$t0, $t1, 2f
	 nop
1:	sd	$zero, 0($t0)
	daddiu	$t0, $t0, 8
	bne	$t0, $t1, 1b
	 nop
2:	dla	$t0, mips_boot_args
	sd	$s0, 0($t0)
	sd	$s1, 8($t0)
	sd	$s2, 16($t0)
	sd	$s3, 24($t0)
	dla	$sp, hart_stacks + HART_STACK_SIZE_ /* hart_stacks[0]: the boot hart's */
	move	$fp, $zero
	/* Orders the .bss clear before the ready word; pairs with the sync after
	 * the parked CPUs' load of mips_boot_ready (and the ROM stub's). */
	sync
	dli	$t0, MIPS_BOOT_READY
	dla	$t1, mips_boot_ready
	sd	$t0, 0($t1)
	jal	boot_main
	 nop
	/* boot_main does not return; if it does, say so and stop. */
	jal	mips_boot_returned
	 nop
3:	b	3b
	 nop

	/* A parked CPU; t1 = CPUNum. */
secondary:
	sltiu	$t0, $t1, MIPS_MAX_CPUS
	beqz	$t0, park_forever
	 nop
	move	$s0, $t1
	dli	$s1, MIPS_BOOT_READY
	dla	$s2, mips_boot_ready
1:	ld	$t0, 0($s2)
	beq	$t0, $s1, 2f
	 nop
	jal	mips_idle_wait
	 li	$a0, MIPS_PARK_IDLE_TICKS
	b	1b
	 nop
	/* Orders the ready word before our slot accesses; pairs with the boot
	 * CPU's sync before it stored the ready word (.bss cleared). */
2:	sync
	dla	$s2, mips_cpu_slots
	dsll	$t0, $s0, SLOT_SHIFT
	daddu	$s2, $s2, $t0		/* s2 = our slot */
	li	$t0, 1
	sd	$t0, SLOT_ARRIVED($s2)
	/* Pushes the arrival out (no ordering needed: nothing else is
	 * published with it; mips_collect_cpus polls it). */
	sync
3:	ld	$t0, SLOT_RELEASE($s2)
	bnez	$t0, 4f
	 nop
	ld	$t0, SLOT_HEARTBEAT($s2)	/* see mips_cpus_in_parallel() */
	daddiu	$t0, $t0, 1
	sd	$t0, SLOT_HEARTBEAT($s2)
	jal	mips_idle_wait
	 li	$a0, MIPS_PARK_IDLE_TICKS
	b	3b
	 nop
	/* Orders the release word before the hart and stack loads; pairs with
	 * the sync between those stores and release in platform_start_hart. */
4:	sync
	ld	$sp, SLOT_STACK_TOP($s2)
	ld	$a0, SLOT_HART($s2)
	move	$fp, $zero
	jal	boot_secondary
	 nop
	jal	mips_boot_returned
	 nop
5:	b	5b
	 nop

park_forever:
	li	$a0, 0x7fffffff
	jal	mips_idle_wait
	 nop
	b	park_forever
	 nop
	.set	pop
	.size	_start, . - _start

/* ------------------------------------------------------------------------ */
/*
 * void mips_idle_wait(uint32_t ticks): sleep in `wait` until the CP0 timer
 * fires. Leaf; uses a0 and t0-t3 only (the parking loops rely on that).
 *
 * The timer interrupt is enabled just around the `wait`. If it is taken
 * anywhere in [mips_idle_begin, mips_idle_end) the vector resumes at
 * mips_idle_end, so an interrupt that arrives before the `wait` cannot leave
 * the CPU asleep with no timer left to wake it.
 */
	.text
	.set	push
	.set	noreorder
	.globl	mips_idle_wait
	.type	mips_idle_wait, @function
mips_idle_wait:
	mfc0	$t0, CP0_STATUS
	andi	$t1, $t0, ST_EXL | ST_ERL | ST_IE
	bnez	$t1, 9f			/* no interrupts here: don't sleep */
	 nop
	mfc0	$t2, CP0_INTCTL
	srl	$t2, $t2, 29		/* IPTI: the timer's IP line (2..7) */
	sltiu	$t3, $t2, 2
	beqz	$t3, 1f
	 nop
	li	$t2, 7			/* no IntCtl: the timer is IP7 */
1:	addiu	$t2, $t2, ST_IM_SHIFT
	li	$t3, 1
	sllv	$t3, $t3, $t2
	or	$t2, $t0, $t3
	ori	$t2, $t2, ST_IE		/* t2 = Status while asleep */
	mfc0	$t1, CP0_COUNT
	addu	$t1, $t1, $a0
	mtc0	$t1, CP0_COMPARE	/* t1 = wake-up time; acks a stale tick */
	.globl	mips_idle_begin
mips_idle_begin:
	mtc0	$t2, CP0_STATUS
	ehb
	/* If Count already passed Compare (we were delayed between reading
	 * Count and writing Compare), the timer would not fire for another
	 * 2^32 ticks: don't wait. From here on a tick is taken as an
	 * interrupt, and the vector resumes at mips_idle_end. */
	mfc0	$t3, CP0_COUNT
	subu	$t3, $t1, $t3
	blez	$t3, mips_idle_end
	 nop
	wait
	.globl	mips_idle_end
mips_idle_end:
	mtc0	$t0, CP0_STATUS
	ehb
9:	jr	$ra
	 nop
	.set	pop
	.size	mips_idle_wait, . - mips_idle_wait

/* ------------------------------------------------------------------------ */
/*
 * The exception vectors (EBase, BEV=0). Each one finds this CPU's exception
 * area (asm/percpu.h) in k0 and the vector offset in k1 and goes on to
 * exc_common. Only k0/k1 are used before the registers are saved.
 */
	.macro	exc_vector_stub vec
	.set	push
	.set	noreorder
	.set	noat
	mfc0	$k0, CP0_EBASE
	andi	$k0, $k0, EBASE_CPUNUM_MASK
	sltiu	$k1, $k0, MIPS_MAX_CPUS
	bnez	$k1, 1f
	 nop
	li	$k0, MIPS_MAX_CPUS	/* the shared spare area */
1:	dsll	$k0, $k0, EXC_AREA_SHIFT
	dla	$k1, mips_exc_areas
	daddu	$k0, $k0, $k1
	j	exc_common
	 li	$k1, \vec
	.set	pop
	.endm

	.section .text.vectors, "ax", @progbits
	.balign	4096
	.globl	mips_vectors
mips_vectors:
	.org	mips_vectors + VEC_TLB_REFILL
	exc_vector_stub VEC_TLB_REFILL
	.org	mips_vectors + VEC_XTLB_REFILL
	exc_vector_stub VEC_XTLB_REFILL
	.org	mips_vectors + VEC_CACHE_ERROR
	exc_vector_stub VEC_CACHE_ERROR
	.org	mips_vectors + VEC_GENERAL
	exc_vector_stub VEC_GENERAL
	.org	mips_vectors + 0x200	/* interrupt vector if Cause.IV were set */
	exc_vector_stub VEC_GENERAL

	.set	push
	.set	noreorder
	.set	noat
exc_common:
	sd	$k1, EXC_VECTOR($k0)
	/* Interrupt with the timer pending: the idle wait's wake-up. */
	mfc0	$k1, CP0_CAUSE
	andi	$k1, $k1, CAUSE_EXCCODE_MASK
	bnez	$k1, exc_trap
	 nop
	mfc0	$k1, CP0_CAUSE
	li	$k0, CAUSE_TI
	and	$k1, $k1, $k0
	beqz	$k1, exc_trap_reload	/* another interrupt: unexpected */
	 nop
	mfc0	$k1, CP0_COMPARE		/* ack: rewrite Compare */
	mtc0	$k1, CP0_COMPARE
	dmfc0	$k0, CP0_EPC
	dla	$k1, mips_idle_begin
	sltu	$k1, $k0, $k1
	bnez	$k1, 1f			/* EPC below the idle window */
	 nop
	dla	$k1, mips_idle_end
	sltu	$k1, $k0, $k1
	beqz	$k1, 1f			/* EPC above it */
	 nop
	dla	$k1, mips_idle_end
	dmtc0	$k1, CP0_EPC		/* resume after the wait */
1:	ehb
	eret

exc_trap_reload:
	/* k0 was clobbered: find the area again. */
	mfc0	$k0, CP0_EBASE
	andi	$k0, $k0, EBASE_CPUNUM_MASK
	sltiu	$k1, $k0, MIPS_MAX_CPUS
	bnez	$k1, 1f
	 nop
	li	$k0, MIPS_MAX_CPUS
1:	dsll	$k0, $k0, EXC_AREA_SHIFT
	dla	$k1, mips_exc_areas
	daddu	$k0, $k0, $k1

exc_trap:
	ld	$k1, EXC_DEPTH($k0)
	bnez	$k1, exc_nested
	 daddiu	$k1, $k1, 1
	sd	$k1, EXC_DEPTH($k0)
	daddiu	$k0, $k0, EXC_FRAME	/* k0 = frame */
	sd	$zero, FRAME_GPR(0)($k0)
	sd	$1, FRAME_GPR(1)($k0)
	sd	$2, FRAME_GPR(2)($k0)
	sd	$3, FRAME_GPR(3)($k0)
	sd	$4, FRAME_GPR(4)($k0)
	sd	$5, FRAME_GPR(5)($k0)
	sd	$6, FRAME_GPR(6)($k0)
	sd	$7, FRAME_GPR(7)($k0)
	sd	$8, FRAME_GPR(8)($k0)
	sd	$9, FRAME_GPR(9)($k0)
	sd	$10, FRAME_GPR(10)($k0)
	sd	$11, FRAME_GPR(11)($k0)
	sd	$12, FRAME_GPR(12)($k0)
	sd	$13, FRAME_GPR(13)($k0)
	sd	$14, FRAME_GPR(14)($k0)
	sd	$15, FRAME_GPR(15)($k0)
	sd	$16, FRAME_GPR(16)($k0)
	sd	$17, FRAME_GPR(17)($k0)
	sd	$18, FRAME_GPR(18)($k0)
	sd	$19, FRAME_GPR(19)($k0)
	sd	$20, FRAME_GPR(20)($k0)
	sd	$21, FRAME_GPR(21)($k0)
	sd	$22, FRAME_GPR(22)($k0)
	sd	$23, FRAME_GPR(23)($k0)
	sd	$24, FRAME_GPR(24)($k0)
	sd	$25, FRAME_GPR(25)($k0)
	sd	$zero, FRAME_GPR(26)($k0)	/* k0, k1: used by the vector */
	sd	$zero, FRAME_GPR(27)($k0)
	sd	$28, FRAME_GPR(28)($k0)
	sd	$29, FRAME_GPR(29)($k0)
	sd	$30, FRAME_GPR(30)($k0)
	sd	$31, FRAME_GPR(31)($k0)
	mfhi	$t0
	sd	$t0, FRAME_HI($k0)
	mflo	$t0
	sd	$t0, FRAME_LO($k0)
	dmfc0	$t0, CP0_EPC
	sd	$t0, FRAME_EPC($k0)
	dmfc0	$t0, CP0_BADVADDR
	sd	$t0, FRAME_BADVADDR($k0)
	mfc0	$t0, CP0_STATUS
	dsll32	$t0, $t0, 0		/* zero-extend the 32-bit register */
	dsrl32	$t0, $t0, 0
	sd	$t0, FRAME_STATUS($k0)
	mfc0	$t0, CP0_CAUSE
	dsll32	$t0, $t0, 0
	dsrl32	$t0, $t0, 0
	sd	$t0, FRAME_CAUSE($k0)
	ld	$t0, EXC_VECTOR - EXC_FRAME($k0)
	sd	$t0, FRAME_VECTOR($k0)
	dmfc0	$t0, CP0_ERROREPC
	sd	$t0, FRAME_ERROREPC($k0)
	/* The report runs on the area's own stack, with EXL (or ERL) still
	 * set: no interrupts, and a fault in it comes back as a nested trap. */
	daddiu	$sp, $k0, EXC_AREA_SIZE - EXC_FRAME - 16
	dla	$gp, _gp
	move	$fp, $zero
	move	$a0, $k0
	jal	mips_trap
	 nop
	b	exc_exit3
	 nop

exc_nested:
	/* k1 = depth + 1. A third trap (the nested report faulted): exit. */
	sd	$k1, EXC_DEPTH($k0)
	sltiu	$k1, $k1, 3
	beqz	$k1, exc_exit3
	 nop
	daddiu	$sp, $k0, EXC_NESTED_SP - 16
	dla	$gp, _gp
	move	$fp, $zero
	mfc0	$a0, CP0_CAUSE
	dsll32	$a0, $a0, 0
	dsrl32	$a0, $a0, 0
	dmfc0	$a1, CP0_EPC
	dmfc0	$a2, CP0_BADVADDR
	jal	mips_trap_nested
	 ld	$a3, EXC_VECTOR($k0)
exc_exit3:
	/* UHI exit(3 = EXIT_TRAP), then spin: nothing else is safe here. */
	li	$25, 1
	li	$a0, 3
	sdbbp	1
1:	b	1b
	 nop
	.set	pop

/* ------------------------------------------------------------------------ */
	.data
	.balign	8
	.globl	mips_boot_ready
mips_boot_ready:			/* 0 in the image: not in .bss */
	.dword	0

	.bss
	.balign	64
	.globl	mips_exc_areas
mips_exc_areas:
	.space	EXC_AREA_SIZE * (MIPS_MAX_CPUS + 1)
