/*
 * platform.h - what each port (arch/<port>/) provides to the common code.
 *
 * The boot path, in order (boot/start.c):
 *   arch entry (entry.S)  stack, .bss, FPU, trap vector; calls boot_main()
 *   platform_discover()   memory and the harts, from the device tree or the
 *                         board's boot parameters
 *   platform_start_hart() for each other hart: it enters boot_secondary()
 *   main()                on the boot hart; exit() ends in platform_exit()
 */
#ifndef SPANFENCE_PLATFORM_H
#define SPANFENCE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "hart.h"

struct platform_info {
	const char *board;		  /* "riscv64-virt", ... */
	uintptr_t mem_base;		  /* usable RAM after the image */
	uintptr_t mem_end;		  /* end of usable RAM */
	size_t ram_size;		  /* RAM size as the board reports it */
	unsigned nharts;		  /* harts found, boot hart included */
	unsigned long hartids[MAX_HARTS]; /* [0] is the boot hart */
};

extern struct platform_info platform;

/* Fill platform (the boot hart's hardware id is hartids[0]). */
void platform_discover(struct platform_info *info);

/* Write one byte to the console; no locking (console.c locks). */
void platform_putc(char c);

/* Power off with the given status (QEMU exits with it). */
__attribute__((noreturn)) void platform_exit(int status);

/* Start hart h; it must call boot_secondary(h) on h->stack_top. */
int platform_start_hart(struct hart *h);

/* Make h the calling hart's this_hart() (called on each hart at entry). */
void platform_set_this_hart(struct hart *h);

/* Give every hart but the boot hart its own newlib reentrancy structure
 * (boot/reent.c); the boot hart, before it starts the others. */
void reent_init(void);

/* Common entry points called by the port. */
__attribute__((noreturn)) void boot_main(void);
__attribute__((noreturn)) void boot_secondary(struct hart *h);

/* Exit statuses, distinct so the test runner can tell them apart. */
#define EXIT_TEST_FAILED 1
#define EXIT_PANIC	 2
#define EXIT_TRAP	 3

#endif
