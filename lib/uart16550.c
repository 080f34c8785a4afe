/* uart16550.c - see uart16550.h. */
#include "uart16550.h"

#define UART_THR      0
#define UART_IER      1
#define UART_FCR      2
#define UART_LCR      3
#define UART_LSR      5
#define UART_LSR_THRE 0x20

static uint32_t reg_read(const struct uart16550 *u, unsigned reg)
{
	uintptr_t a = u->base + (reg << u->reg_shift);

	if (u->io_width == 4)
		return *(volatile uint32_t *)a;
	return *(volatile uint8_t *)a;
}

static void reg_write(const struct uart16550 *u, unsigned reg, uint8_t v)
{
	uintptr_t a = u->base + (reg << u->reg_shift);

	if (u->io_width == 4)
		*(volatile uint32_t *)a = v;
	else
		*(volatile uint8_t *)a = v;
}

void uart16550_putc(struct uart16550 *u, char c)
{
	if (!u->ready) {
		u->ready = true;
		if (u->init) {
			reg_write(u, UART_IER, 0); /* no interrupts: we poll */
			reg_write(u, UART_LCR, 0x03); /* 8N1 */
			reg_write(u, UART_FCR, 0x01); /* FIFOs on */
		}
	}
	while ((reg_read(u, UART_LSR) & UART_LSR_THRE) == 0)
		;
	reg_write(u, UART_THR, (uint8_t)c);
}
