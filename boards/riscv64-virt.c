/*
 * riscv64-virt.c - QEMU's RISC-V virt board: a 16550 UART at 0x10000000 and
 * the SiFive test device at 0x100000, which powers QEMU off with a status
 * (SBI SRST cannot report a failure status).
 */
#include <stdint.h>

#include "platform.h"
#include "riscv.h"
#include "uart16550.h"

#define TEST_DEVICE 0x100000ul
#define TEST_PASS   0x5555
#define TEST_FAIL   0x3333

static struct uart16550 uart = {.base = 0x10000000, .io_width = 1};

void platform_putc(char c)
{
	uart16550_putc(&uart, c);
}

void platform_exit(int status)
{
	volatile uint32_t *test = (volatile uint32_t *)TEST_DEVICE;
	uint32_t code = (uint32_t)status & 0xff;

	*test = code == 0 ? TEST_PASS : code << 16 | TEST_FAIL;
	for (;;)
		__asm__ volatile("wfi");
}

void platform_discover(struct platform_info *info)
{
	info->board = "riscv64-virt";
	riscv_discover(info);
}
