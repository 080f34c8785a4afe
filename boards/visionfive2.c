/*
 * visionfive2.c - StarFive VisionFive 2 (JH7110), booted by OpenSBI and
 * U-Boot. Not testable under QEMU (no JH7110 model).
 *
 * Harts: hart 0 is an S7 monitor core (rv64imac, no S-mode, "disabled" in
 * the board's device trees); harts 1-4 are U74 application cores. Discovery
 * (arch/riscv64/discover.c) takes them from the tree OpenSBI and U-Boot pass
 * in a1, skipping hart 0; the boot hart is whichever U74 won OpenSBI's
 * lottery.
 *
 * Console: UART0, a Synopsys DesignWare 8250 at 0x10000000 (the 40-pin
 * header's pins 8/10) whose registers are 32 bits wide and 4 bytes apart
 * (reg-shift = 2, reg-io-width = 4). U-Boot has set it to 115200 8N1; we
 * only poll LSR.THRE and write THR.
 *
 * Exit: a real board has no QEMU test device. Print the exit status, then
 * ask OpenSBI to power off (SBI SRST shutdown, with reason "system failure"
 * for a nonzero status); if it refuses, halt.
 */
#include <stdint.h>

#include "platform.h"
#include "riscv.h"
#include "sbi.h"
#include "uart16550.h"

static struct uart16550 uart = {
    .base = 0x10000000, .reg_shift = 2, .io_width = 4};

void platform_putc(char c)
{
	uart16550_putc(&uart, c);
}

void platform_exit(int status)
{
	sbi_power_off(status);
}

void platform_discover(struct platform_info *info)
{
	info->board = "visionfive2";
	riscv_discover(info);
}
