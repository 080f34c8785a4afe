/* sbi.h - the SBI calls spanfence makes (SBI spec 1.0). */
#ifndef SPANFENCE_SBI_H
#define SPANFENCE_SBI_H

#define SBI_EXT_HSM 0x48534D
#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_GET_STATUS 2
#define SBI_HSM_STATE_STOPPED 1

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2);

#endif
