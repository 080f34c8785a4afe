/*
 * malta-park.S - a spin table for the CPUs that U-Boot parks on QEMU Malta.
 *
 * Used only by tools/uboot-test.sh to build its test flash image; it is not
 * part of any spanfence image.
 *
 * Debian's malta64el U-Boot (2023.01) sends every CPU but CPU 0 into
 * `1: wait; b 1b` right after reset (flash offset 0x514), with Status.ERL
 * still set, so no interrupt can ever wake it: U-Boot has no way to hand a
 * second CPU to the program it boots. The test flash replaces those two
 * instructions with `j malta_park; nop`, and this code, placed at flash
 * offset 0x3c0000, waits for a 64-bit entry address in RAM at physical
 * 0xfff8 (read uncached through KSEG1) and jumps there. The boot script
 * writes the image's entry point there with `mw.q` after `bootm loados`
 * (the image is in place) and before `bootm go`, so the parked CPU enters
 * the image entry just as it does from QEMU's own -kernel boot loader.
 *
 * The code runs from 0xffffffffbffc0000: the reset-vector copy of the
 * flash that QEMU maps at physical 0x1fc00000, which stays readable while
 * U-Boot probes the CFI flash itself at 0x1e000000.
 */
	.set	noreorder
	.set	mips64r2
	.text
	.globl	malta_park
malta_park:
	lui	$t0, 0xa001
	daddiu	$t0, $t0, -8		/* t0 = 0xffffffffa000fff8 */
1:	ld	$t1, 0($t0)
	beqz	$t1, 1b
	 nop
	jr	$t1
	 nop
