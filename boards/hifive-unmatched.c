/*
 * hifive-unmatched.c - SiFive HiFive Unmatched (FU740), booted by OpenSBI and
 * U-Boot. QEMU has no FU740 model; its sifive_u machine (the FU540 of the
 * HiFive Unleashed) has the same RAM base, UART and monitor hart, and runs
 * this image (boards/hifive-unmatched.mk, tests/uboot/realboard-test.sh).
 *
 * Harts: hart 0 is an S7 monitor core (rv64imac, no S-mode, no mmu-type,
 * "disabled" in the board's device tree); harts 1-4 are U74 application
 * cores. Discovery (arch/riscv64/discover.c) takes them from the tree
 * OpenSBI and U-Boot pass in a1, skipping hart 0; the boot hart is whichever
 * U74 won OpenSBI's lottery.
 *
 * Console: UART0, the SiFive UART at 0x10010000 (the micro-USB port's
 * FT2232 second channel). U-Boot has set its divisor for 115200 8N1 and
 * enabled the transmitter; writing txdata while its bit 31 (full) is set
 * drops the byte, so wait for it to clear.
 *
 * Exit: a real board has no QEMU test device. Print the exit status, then
 * ask OpenSBI to power off (SBI SRST shutdown, with reason "system failure"
 * for a nonzero status); if it refuses, halt.
 */
#include <stdint.h>

#include "platform.h"
#include "riscv.h"
#include "sbi.h"

#define UART_BASE	 0x10010000ul
#define UART_TXDATA	 0 /* 32-bit register index */
#define UART_TXDATA_FULL 0x80000000u

void platform_putc(char c)
{
	volatile uint32_t *uart = (volatile uint32_t *)UART_BASE;

	while (uart[UART_TXDATA] & UART_TXDATA_FULL)
		;
	uart[UART_TXDATA] = (uint8_t)c;
}

void platform_exit(int status)
{
	sbi_power_off(status);
}

void platform_discover(struct platform_info *info)
{
	info->board = "hifive-unmatched";
	riscv_discover(info);
}
