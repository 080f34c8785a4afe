/* sbi.c - one ecall into OpenSBI: EID in a7, FID in a6, {error, value} back. */
#include "sbi.h"

#include "console.h"

struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a1 __asm__("a1") = a1;
	register unsigned long r_a2 __asm__("a2") = a2;
	register unsigned long r_a6 __asm__("a6") = fid;
	register unsigned long r_a7 __asm__("a7") = eid;

	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){(long)r_a0, (long)r_a1};
}

void sbi_power_off(int status)
{
	char line[64];
	unsigned code = (unsigned)status & 0xff;

	/* Unlocked: the exit path may run while another hart holds the
	 * console lock. */
	int n = ksnprintf(line, sizeof(line),
			  "# spanfence: exit status %u, power off\n", code);
	console_write_unlocked(line, (size_t)n);
	struct sbiret r = sbi_call(
	    SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_TYPE_SHUTDOWN,
	    code == 0 ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_FAILURE, 0);
	n = ksnprintf(
	    line, sizeof(line),
	    "# spanfence: SBI power-off refused (error %ld), halted\n",
	    r.error);
	console_write_unlocked(line, (size_t)n);
	for (;;)
		__asm__ volatile("wfi");
}
