/*
 * relax.c - arch_cpu_relax() on RISC-V: a spin that has gone on for
 * RELAX_SPIN_US without a gap of RELAX_GAP_US between two calls sleeps
 * RELAX_SLEEP_US at a time: the supervisor timer (SBI TIME) is set, its
 * interrupt enabled in sie but not in sstatus.SIE, and wfi waits for it to
 * become pending; no trap is taken (there are no interrupts). Under QEMU a
 * hart in wfi gives its host thread's core back: an idle hart (the
 * collector between cycles, a mutator hart with nothing to run) no longer
 * takes a core from the harts that work, as a nop loop did. Short waits
 * (a lock hand-off, a handshake) never reach RELAX_SPIN_US and only spin.
 * The same scheme as MIPS (arch/mips64/smp.c). Every hart sets tp
 * (platform_set_this_hart) before its first spin.
 */
#include <stdint.h>

#include "counter.h"
#include "hart.h"
#include "sbi.h"
#ifdef SF_SIMULATE
#include "../../sim/storebuf.h"
#endif

#define RELAX_SPIN_US	2000
#define RELAX_GAP_US	20
#define RELAX_SLEEP_US	50
#define US_TO_TICKS(us) (arch_time_hz() / 1000000 * (us))

#define SIE_STIE (1ul << 5)

/* Each hart's own, by index: where its current spin started and when it
 * last called. */
struct relax_state {
	uint64_t start, last;
} __attribute__((aligned(64)));
static struct relax_state relax_state[MAX_HARTS];

static void sleep_ticks(uint64_t ticks)
{
	sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, arch_time() + ticks, 0, 0);
	__asm__ volatile("csrs sie, %0" ::"r"(SIE_STIE));
	__asm__ volatile("wfi");
	__asm__ volatile("csrc sie, %0" ::"r"(SIE_STIE));
	/* Never again pending until the next sleep sets it. */
	sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, ~0ul, 0, 0);
}

void riscv_cpu_relax(void)
{
	uint64_t now = arch_time();
	struct relax_state *r = &relax_state[this_hart()->index];

	if (now - r->last > US_TO_TICKS(RELAX_GAP_US))
		r->start = now; /* a new spin */
	r->last = now;
	if (now - r->start > US_TO_TICKS(RELAX_SPIN_US)) {
#ifdef SF_SIMULATE
		/* A core that sleeps has drained its store buffer long before
		 * it wakes: so does the simulated one. */
		storebuf_drain_all();
#endif
		sleep_ticks(US_TO_TICKS(RELAX_SLEEP_US));
		r->last = arch_time();
	}
}
