/*
 * entry.S - where every RISC-V hart starts, in S-mode under OpenSBI.
 *
 * _start: the boot hart, from OpenSBI, with a0 = hartid, a1 = device tree.
 * secondary_entry: a hart started with SBI HSM hart_start, with
 *   a0 = hartid, a1 = its struct hart (whose first word is its stack top).
 * Both install the trap vector first (so an early fault is reported, not
 * re-entered), turn the FPU on (newlib is hard-float), and call C.
 */
#define SSTATUS_FS_INITIAL 0x2000

	.section .text.entry, "ax"
	.globl _start
_start:
	la	t0, trap_entry
	csrw	stvec, t0
	csrw	sie, zero
	li	t0, SSTATUS_FS_INITIAL
	csrs	sstatus, t0
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	t0, riscv_boot_hartid
	sd	a0, 0(t0)
	la	t0, riscv_boot_fdt
	sd	a1, 0(t0)
	la	sp, boot_stack_top
	ld	sp, 0(sp)
	call	boot_main
3:	wfi
	j	3b

	.globl secondary_entry
	.balign 4
secondary_entry:
	la	t0, trap_entry
	csrw	stvec, t0
	csrw	sie, zero
	li	t0, SSTATUS_FS_INITIAL
	csrs	sstatus, t0
	ld	sp, 0(a1)
	mv	a0, a1
	call	boot_secondary
4:	wfi
	j	4b
