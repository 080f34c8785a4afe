/*
 * uart16550.h - a polled 16550-compatible UART, the console of most boards.
 *
 * Registers are reg_shift apart (0: bytes, 2: 32-bit words as on the
 * DesignWare 8250) and accessed io_width bytes wide (1 or 4). With init set,
 * the first use turns interrupts off, sets 8N1 and enables the FIFOs, leaving
 * the divisor as firmware (or QEMU) set it.
 */
#ifndef SPANFENCE_UART16550_H
#define SPANFENCE_UART16550_H

#include <stdbool.h>
#include <stdint.h>

struct uart16550 {
	uintptr_t base;
	unsigned reg_shift;
	unsigned io_width;
	bool init;
	bool ready; /* set after the first use */
};

void uart16550_putc(struct uart16550 *u, char c);

#endif
