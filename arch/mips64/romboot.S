/*
 * MIPS64 ROM boot stub, for boards that run the image as their boot ROM
 * (loongson3-virt with -bios IMAGE.bin). Built when the board defines
 * CONFIG_MIPS_ROMBOOT; its linker script puts .text.romboot first, so this
 * code is both the first bytes of the raw image and the reset vector.
 *
 * Every CPU starts here at 0xffffffffbfc00000 (KSEG1 view of the ROM), BEV=1,
 * ERL=1, while the image is linked at its RAM address: until the jump to
 * _start the code must be position-independent (branches, and absolute
 * addresses of RAM symbols only as constants).
 *
 *   CPU 0:  copy the image (up to the end of .data) from the ROM to its link
 *           address, make the copy visible to instruction fetch, jump to
 *           _start (which clears .bss and sets mips_boot_ready).
 *   others: wait until mips_boot_ready holds MIPS_BOOT_READY (RAM is zero at
 *           power-on, and the copy writes 0 there), then jump to _start.
 *
 * QEMU only: a real Loongson-3 ROM must first bring up the memory controller.
 * The image must fit the ROM (2 MiB on loongson3-virt; the linker script
 * checks).
 */
#ifdef CONFIG_MIPS_ROMBOOT

#include "asm/cp0.h"
#include "asm/percpu.h"

/* loongson3-virt's PM_CNTL (physical 0x10080010): 0xff powers off. */
#define ROM_POWEROFF_REG 0xffffffffb0080010
#define ROM_POWEROFF_VAL 0xff

	.set	sym32

	.section .text.romboot, "ax", @progbits
	.set	push
	.set	noreorder
	.set	noat
	.globl	mips_rom_reset
	.type	mips_rom_reset, @function
mips_rom_reset:
	b	rom_main
	 nop

	/* Boot-time vectors (BEV=1), at their fixed offsets from the ROM. */
	.org	mips_rom_reset + 0x200	/* TLB refill */
	b	rom_fault
	 nop
	.org	mips_rom_reset + 0x280	/* XTLB refill */
	b	rom_fault
	 nop
	.org	mips_rom_reset + 0x300	/* cache error */
	b	rom_fault
	 nop
	.org	mips_rom_reset + 0x380	/* general exception */
	b	rom_fault
	 nop
	.org	mips_rom_reset + 0x400	/* interrupt (Cause.IV) */
	b	rom_fault
	 nop
	.org	mips_rom_reset + 0x480	/* EJTAG debug: sdbbp without semihosting */
	b	rom_debug
	 nop

rom_main:
	li	$t0, ST_BEV | ST_KX	/* keep the ROM vectors; clear ERL */
	mtc0	$t0, CP0_STATUS
	ehb
	/* KSEG0 cacheable (coherent on Loongson-3); QEMU does not model it. */
	mfc0	$t0, CP0_CONFIG
	ori	$t0, $t0, CONFIG_K0_MASK
	xori	$t0, $t0, CONFIG_K0_MASK ^ CONFIG_K0_CACHEABLE
	mtc0	$t0, CP0_CONFIG
	ehb
	mfc0	$t0, CP0_EBASE
	andi	$t0, $t0, EBASE_CPUNUM_MASK
	bnez	$t0, rom_secondary
	 nop

	/* CPU 0: where are we running? t3 = run address - link address. */
	bal	1f
	 nop
1:	dla	$t3, 1b
	dsubu	$t3, $ra, $t3
	dla	$t0, __image_start	/* destination, link address */
	dla	$t1, __rom_copy_end
	daddu	$t2, $t0, $t3		/* source, in the ROM */
2:	ld	$at, 0($t2)
	sd	$at, 0($t0)
	daddiu	$t0, $t0, 8
	sltu	$at, $t0, $t1
	bnez	$at, 2b
	 daddiu	$t2, $t2, 8

	/* Write the copy back and invalidate the I-cache lines (synci). */
	rdhwr	$t2, $1			/* SYNCI_Step, 0: no caches to sync */
	beqz	$t2, 4f
	 nop
	dla	$t0, __image_start
3:	synci	0($t0)
	daddu	$t0, $t0, $t2
	sltu	$at, $t0, $t1
	bnez	$at, 3b
	 nop
	/* Completes the copy and the synci before the jump into it; local to
	 * this CPU (the others wait for mips_boot_ready, set by _start). */
4:	sync
	dla	$t9, _start
	jr.hb	$t9
	 nop

rom_secondary:
	dli	$t1, MIPS_BOOT_READY
	dla	$t0, mips_boot_ready
1:	ld	$t2, 0($t0)
	bne	$t2, $t1, 1b
	 nop
	/* Orders the ready word before the fetch of the copied image; pairs
	 * with the boot CPU's sync before it stored the ready word. */
	sync
	dla	$t9, _start
	jr.hb	$t9
	 nop

	/* An exception before the image runs from RAM: UHI exit(3 = EXIT_TRAP). */
rom_fault:
	li	$25, 1
	li	$a0, 3
	sdbbp	1
	/* EJTAG debug exception: an sdbbp while semihosting is off. A UHI exit
	 * with status 0 can still power off (QEMU exits 0); any other status
	 * cannot be reported, and powering off would pass it off as success:
	 * stop here instead (the runner's timeout reports it). */
rom_debug:
	li	$t0, 1
	bne	$25, $t0, 6f
	 nop
	bnez	$a0, 6f
	 nop
	dli	$t0, ROM_POWEROFF_REG
	li	$t1, ROM_POWEROFF_VAL
	sb	$t1, 0($t0)
6:	b	6b
	 nop
	.set	pop
	.size	mips_rom_reset, . - mips_rom_reset

#endif /* CONFIG_MIPS_ROMBOOT */
