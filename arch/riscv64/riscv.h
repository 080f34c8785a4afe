/* riscv.h - what the RISC-V port shares between its files and boards. */
#ifndef SPANFENCE_RISCV_H
#define SPANFENCE_RISCV_H

#include "console.h"
#include "platform.h"

/* Fill memory and harts from the device tree (discover.c). */
void riscv_discover(struct platform_info *info);

#endif
