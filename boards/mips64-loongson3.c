/*
 * QEMU loongson3-virt (-cpu Loongson-3A1000), MIPS64 R2 + Loongson
 * extensions, little-endian.
 *
 * Boot: the image is the boot ROM (-bios IMAGE.bin). Every CPU starts at
 * 0xffffffffbfc00000 in arch/mips64/romboot.S (CONFIG_MIPS_ROMBOOT): CPU 0
 * copies the image to its RAM link address, the others wait for it there.
 * No boot parameters in a0..a3 with -bios (a0 = -1, a1..a3 = 0): memory size
 * and CPU count come from QEMU's fw_cfg device, which this machine always
 * has when booted with -bios.
 *
 * Memory: RAM starts at physical 0x80000000; its first 256 MiB are also
 * mirrored at physical 0 (VIRT_LOWMEM), which is what KSEG0 reaches. We use
 * only those low 256 MiB through KSEG0 (the rest would need XKPHYS or the
 * TLB); the machine needs -m 512M or more.
 *
 * Loongson-3 LL/SC erratum: see asm/atomic.h (CONFIG_LOONGSON3_LLSC).
 */
#include <stddef.h>
#include <stdint.h>

#include "asm/counter.h"
#include "asm/percpu.h"
#include "platform.h"
#include "uart16550.h"

#define KSEG0	   0xffffffff80000000ull
#define LOWMEM_MAX (256ull << 20)

/* PM block, PM_CNTL: 0xff powers off (QEMU exits, status 0) */
#define PM_CNTL	    ((volatile uint8_t *)0xffffffffb0080010ull)
#define PM_POWEROFF 0xff

/* fw_cfg (MMIO): 16-bit big-endian selector, then a byte stream */
#define FW_CFG_SEL	 ((volatile uint16_t *)0xffffffffb0080100ull)
#define FW_CFG_DATA	 ((volatile uint8_t *)0xffffffffb0080108ull)
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_RAM_SIZE	 0x03
#define FW_CFG_NB_CPUS	 0x05

/* QEMU loongson3-virt: 800 MHz CPU clock, Count = clock / 2 with the period
 * rounded down to 2 ns: 500 MHz (measured against host time). */
const uint64_t mips_count_hz = 500000000;

extern char _end[];

/* 16550 at physical 0x1fe001e0 through KSEG1, registers 1 byte apart */
static struct uart16550 uart = {
    .base = 0xffffffffbfe001e0ull, .io_width = 1, .init = true};

void platform_putc(char c)
{
	uart16550_putc(&uart, c);
}

void platform_exit(int status)
{
	mips_uhi_exit(status);
	*PM_CNTL = PM_POWEROFF;
	for (;;)
		__asm__ volatile("wait");
}

/* Read n (<= 8) bytes of fw_cfg item key as a little-endian number. */
static uint64_t fw_cfg_read(uint16_t key, unsigned n)
{
	uint64_t v = 0;

	*FW_CFG_SEL = __builtin_bswap16(key);
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)*FW_CFG_DATA << (8 * i);
	return v;
}

void platform_discover(struct platform_info *info)
{
	uint64_t ram = 0;
	unsigned ncpus = 0;

	if (fw_cfg_read(FW_CFG_SIGNATURE, 4) == 0x554d4551) { /* "QEMU" */
		ram = fw_cfg_read(FW_CFG_RAM_SIZE, 8);
		ncpus = (unsigned)fw_cfg_read(FW_CFG_NB_CPUS, 2);
	}
	if (ram == 0)
		ram = 512ull << 20; /* the machine's minimum */

	info->board = "mips64-loongson3";
	info->mem_base = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;
	info->mem_end =
	    (uintptr_t)(KSEG0 + (ram < LOWMEM_MAX ? ram : LOWMEM_MAX));
	info->ram_size = (size_t)ram;
	/* Wait for the fw_cfg CPU count (2 s at most); without fw_cfg, stop
	 * 20 ms after the last arrival. */
	mips_collect_cpus(info, ncpus, mips_count_hz / 50, 2 * mips_count_hz);
}
