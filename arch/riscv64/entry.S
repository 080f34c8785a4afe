/*
 * entry.S - where every RISC-V hart starts, in S-mode under OpenSBI.
 *
 * _start: the boot hart, from OpenSBI, with a0 = hartid, a1 = device tree.
 * secondary_entry: a hart started with SBI HSM hart_start, with
 *   a0 = hartid, a1 = its struct hart (whose first word is its stack top).
 * Both install the trap vector first (so an early fault is reported, not
 * re-entered), turn the FPU on (newlib is hard-float), and call C.
 *
 * Only the first hart to reach _start boots. OpenSBI 1.1 can send a hart we
 * start with hart_start to its default next address (_start) instead of the
 * address we gave: its sbi_hsm_hart_start makes the hart START_PENDING
 * before it stores the start address, and a hart that wakes in between
 * reads the old one. Such a hart would clear .bss under the running boot
 * hart; instead it finds its record in harts[] by hartid (the boot hart
 * wrote it before the hart_start ecall) and goes on as a secondary.
 */
#define SSTATUS_FS_INITIAL 0x2000

	.section .text.entry, "ax"
	.globl _start
_start:
	la	t0, trap_entry
	csrw	stvec, t0
	la	t0, boot_claimed
	li	t1, 1
	amoswap.w t1, t1, (t0)
	bnez	t1, late_secondary
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

late_secondary:
	la	t0, harts
	la	t1, hart_record_size
	ld	t1, 0(t1)
	la	t2, hart_hartid_offset
	ld	t2, 0(t2)
	la	t3, hart_records
	ld	t3, 0(t3)
	addi	t3, t3, -1
4:	add	t0, t0, t1		/* from harts[1]: harts[0] is the boot hart */
	add	t4, t0, t2
	ld	t4, 0(t4)
	beq	t4, a0, 5f
	addi	t3, t3, -1
	bnez	t3, 4b
6:	wfi				/* a hart nobody started: park it */
	j	6b
5:	mv	a1, t0

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
