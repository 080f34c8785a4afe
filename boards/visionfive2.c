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

#define UART_BASE      0x10000000ul
#define UART_REG_SHIFT 2
#define UART_THR       0
#define UART_LSR       5
#define UART_LSR_THRE  0x20

#define SBI_EXT_SRST		0x53525354
#define SBI_SRST_RESET		0
#define SBI_SRST_TYPE_SHUTDOWN	0
#define SBI_SRST_REASON_NONE	0
#define SBI_SRST_REASON_FAILURE 1

static volatile uint32_t *uart_reg(unsigned reg)
{
	return (volatile uint32_t *)(UART_BASE + (reg << UART_REG_SHIFT));
}

void platform_putc(char c)
{
	while ((*uart_reg(UART_LSR) & UART_LSR_THRE) == 0)
		;
	*uart_reg(UART_THR) = (uint8_t)c;
}

/* Unlocked: the exit path may run while another hart holds the console. */
static void put_raw(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			platform_putc('\r');
		platform_putc(*s);
	}
}

void platform_exit(int status)
{
	char line[64];
	unsigned code = (unsigned)status & 0xff;

	ksnprintf(line, sizeof(line),
		  "# spanfence: exit status %u, power off\n", code);
	put_raw(line);
	struct sbiret r = sbi_call(
	    SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_TYPE_SHUTDOWN,
	    code == 0 ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_FAILURE, 0);
	ksnprintf(line, sizeof(line),
		  "# spanfence: SBI power-off refused (error %ld), halted\n",
		  r.error);
	put_raw(line);
	for (;;)
		__asm__ volatile("wfi");
}

void platform_discover(struct platform_info *info)
{
	info->board = "visionfive2";
	riscv_discover(info);
}
