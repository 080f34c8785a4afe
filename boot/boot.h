/* boot.h - what the boot files share among themselves. */
#ifndef SPANFENCE_BOOT_H
#define SPANFENCE_BOOT_H

#include <stdint.h>

/* The region newlib's sbrk() hands out. */
void sbrk_init(uintptr_t base, uintptr_t end);

#endif
