/*
 * hart.c - the RISC-V side of harts: tp holds this hart's struct hart,
 * sscratch its trap stack, and other harts are started with SBI HSM.
 */
#include "hart.h"

#include <stddef.h>

#include "platform.h"
#include "sbi.h"

#define TRAP_STACK_SIZE 8192

static char trap_stacks[MAX_HARTS][TRAP_STACK_SIZE]
    __attribute__((aligned(16)));
extern char hart_stacks[MAX_HARTS][HART_STACK_SIZE];
extern void secondary_entry(void);

/* Loaded by entry.S before the boot hart calls boot_main(). */
char *const boot_stack_top = hart_stacks[0] + HART_STACK_SIZE;
unsigned long riscv_boot_hartid;
void *riscv_boot_fdt;

/* entry.S: set by the first hart in _start; in .data, as .bss is cleared
 * after the claim. */
uint32_t boot_claimed __attribute__((section(".data")));
/* entry.S: how a hart finds its record by hartid. */
const unsigned long hart_record_size = sizeof(struct hart);
const unsigned long hart_hartid_offset = offsetof(struct hart, hartid);
const unsigned long hart_records = MAX_HARTS;

void platform_set_this_hart(struct hart *h)
{
	char *trap_stack = trap_stacks[h->index] + sizeof(trap_stacks[0]);

	__asm__ volatile("mv tp, %0\n"
			 "csrw sscratch, %1"
			 :
			 : "r"(h), "r"(trap_stack)
			 : "memory");
}

int platform_start_hart(struct hart *h)
{
	struct sbiret r =
	    sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, h->hartid, 0, 0);
	if (r.error != 0 || r.value != SBI_HSM_STATE_STOPPED)
		return -1;
	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, h->hartid,
		     (unsigned long)secondary_entry, (unsigned long)h);
	return r.error == 0 ? 0 : -1;
}
