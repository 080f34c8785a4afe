/* sbi.h - the SBI calls spanfence makes (SBI spec 1.0). */
#ifndef SPANFENCE_SBI_H
#define SPANFENCE_SBI_H

#define SBI_EXT_HSM		0x48534D
#define SBI_HSM_HART_START	0
#define SBI_HSM_HART_GET_STATUS 2
#define SBI_HSM_STATE_STOPPED	1

#define SBI_EXT_TIME	   0x54494D45
#define SBI_TIME_SET_TIMER 0

#define SBI_EXT_SRST		0x53525354
#define SBI_SRST_RESET		0
#define SBI_SRST_TYPE_SHUTDOWN	0
#define SBI_SRST_REASON_NONE	0
#define SBI_SRST_REASON_FAILURE 1

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2);

/*
 * Power a real board off: print the exit status on the console (SBI SRST
 * cannot pass it on), then SRST shutdown with reason "system failure" for a
 * nonzero status; halt if the firmware refuses.
 */
__attribute__((noreturn)) void sbi_power_off(int status);

#endif
