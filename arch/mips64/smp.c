/*
 * MIPS64 harts: the per-CPU release slots, hart start, this_hart().
 * The parking protocol (entry.S side) is described in asm/percpu.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asm/barrier.h"
#include "asm/counter.h"
#include "asm/cp0.h"
#include "asm/percpu.h"
#include "console.h"
#include "hart.h"
#include "platform.h"
#ifdef SF_SIMULATE
#include "../../sim/storebuf.h"
#endif

_Static_assert(MIPS_MAX_CPUS == MAX_HARTS, "one CPU slot per hart");
_Static_assert(offsetof(struct mips_cpu_slot, arrived) == SLOT_ARRIVED, "");
_Static_assert(offsetof(struct mips_cpu_slot, release) == SLOT_RELEASE, "");
_Static_assert(offsetof(struct mips_cpu_slot, hart) == SLOT_HART, "");
_Static_assert(offsetof(struct mips_cpu_slot, stack_top) == SLOT_STACK_TOP, "");
_Static_assert(offsetof(struct mips_cpu_slot, heartbeat) == SLOT_HEARTBEAT, "");
_Static_assert(sizeof(struct mips_cpu_slot) == 1 << SLOT_SHIFT, "");
_Static_assert(offsetof(struct mips_trap_frame, hi) == FRAME_HI, "");
_Static_assert(offsetof(struct mips_trap_frame, epc) == FRAME_EPC, "");
_Static_assert(offsetof(struct mips_trap_frame, vector) == FRAME_VECTOR, "");
_Static_assert(offsetof(struct mips_trap_frame, errorepc) == FRAME_ERROREPC,
	       "");
_Static_assert(sizeof(struct mips_trap_frame) == FRAME_SIZE, "");
_Static_assert(EXC_FRAME + FRAME_SIZE <= EXC_NESTED_SP - 1024,
	       "room for the nested-trap stack");
_Static_assert(HART_STACK_SIZE == 64 * 1024, "entry.S: HART_STACK_SIZE_");

struct mips_cpu_slot mips_cpu_slots[MIPS_MAX_CPUS];
uint64_t mips_boot_args[4];
struct mips_cpu_local mips_cpu_local[MIPS_MAX_CPUS];

/* this_hart() table, by CPUNum. Each entry is written before its CPU is
 * released (platform_start_hart) or by the CPU itself. */
struct hart *mips_cpu_hart[MIPS_MAX_CPUS] __attribute__((aligned(64)));

void platform_set_this_hart(struct hart *h)
{
	mips_cpu_hart[mips_cpunum()] = h;
}

int platform_start_hart(struct hart *h)
{
	unsigned long cpu = h->hartid;
	struct mips_cpu_slot *s;

	if (cpu >= MIPS_MAX_CPUS || cpu == mips_cpunum())
		return -1;
	s = &mips_cpu_slots[cpu];
	if (!s->arrived || s->release)
		return -1;
	mips_cpu_hart[cpu] = h;
	s->hart = h;
	s->stack_top = h->stack_top;
	/* Orders the table entry, hart and stack_top (and the caller's setup
	 * of *h) before release; pairs with the sync after the parked CPU
	 * sees release in entry.S. */
	arch_publication_barrier();
	s->release = 1;
	/* Pushes the release word out now; no ordering with what follows. */
	arch_full_barrier();
	return 0;
}

/*
 * arch_cpu_relax(): a spin that has gone on for relax_spin_ticks, without a
 * gap of RELAX_GAP_US between two calls, sleeps RELAX_SLEEP_US at a time.
 *
 * How long to spin first depends on how QEMU runs the CPUs, which
 * mips_collect_cpus() finds out at boot:
 *   one host thread for all CPUs (QEMU's default for MIPS): nobody else
 *     runs while we spin, so give the thread away after RELAX_SPIN_RR_US;
 *   one host thread per CPU (-accel tcg,thread=multi): the other CPU is
 *     running, spin RELAX_SPIN_MT_US first (only a CPU that waits longer,
 *     an idle hart say, sleeps and leaves the host core to the others).
 */
#ifndef RELAX_SPIN_RR_US
#define RELAX_SPIN_RR_US 50
#endif
#ifndef RELAX_SPIN_MT_US
#define RELAX_SPIN_MT_US 2000
#endif
#ifndef RELAX_GAP_US
#define RELAX_GAP_US 20
#endif
#ifndef RELAX_TURN_US
#define RELAX_TURN_US 10 /* arch_give_turn */
#endif
#ifndef RELAX_SLEEP_US
#define RELAX_SLEEP_US 50
#endif
#define US_TO_TICKS(us) ((uint32_t)(mips_count_hz / 1000000 * (us)))

static uint32_t relax_spin_ticks; /* 0: RELAX_SPIN_RR_US until known */

void mips_cpu_relax(void)
{
	struct mips_cpu_local *l = &mips_cpu_local[mips_cpunum()];
	uint32_t now = mips_read_count();
	uint32_t spin =
	    relax_spin_ticks ? relax_spin_ticks : US_TO_TICKS(RELAX_SPIN_RR_US);

	if (now - l->relax_last > US_TO_TICKS(RELAX_GAP_US))
		l->relax_start = now; /* a new spin */
	l->relax_last = now;
	if (now - l->relax_start > spin) {
#ifdef SF_SIMULATE
		/* A core that sleeps has drained its store buffer long before
		 * it wakes: so does the simulated one (else a hart that waits
		 * for this one's buffered store waits for our next access). */
		storebuf_drain_all();
#endif
		mips_idle_wait(US_TO_TICKS(RELAX_SLEEP_US));
		l->relax_last = mips_read_count();
	}
}

/* A turn for the other harts (asm/hart.h): a short wait. */
void arch_give_turn(void)
{
	mips_idle_wait(US_TO_TICKS(RELAX_TURN_US));
}

/*
 * Do the CPUs run at the same time? Spin (without yielding) for 2 ms and
 * watch a parked CPU's heartbeat: it wakes every MIPS_PARK_IDLE_TICKS, so
 * on a CPU of its own it beats several times. On QEMU's single host thread
 * it cannot beat at all while we spin, except once or twice if QEMU's
 * round-robin switch (every 0.1 s) falls into the window: ask for 4 beats,
 * three tries. A host too busy to run the CPU's thread reads as "no", which
 * only costs speed.
 */
static bool mips_cpus_in_parallel(unsigned cpu)
{
	volatile uint64_t *beat = &mips_cpu_slots[cpu].heartbeat;

	for (int attempt = 0; attempt < 3; attempt++) {
		uint64_t first = *beat;
		uint32_t start = mips_read_count();

		while (mips_read_count() - start < US_TO_TICKS(2000))
			if (*beat - first >= 4)
				return true;
	}
	return false;
}

static unsigned count_arrived(void)
{
	unsigned n = 0;

	for (unsigned cpu = 0; cpu < MIPS_MAX_CPUS; cpu++)
		n += mips_cpu_slots[cpu].arrived != 0;
	return n;
}

void mips_collect_cpus(struct platform_info *info, unsigned expected,
		       uint64_t quiet_ticks, uint64_t max_ticks)
{
	uint64_t start = arch_time();
	uint64_t last_change = start;
	unsigned seen = count_arrived();
	unsigned boot = mips_cpunum();
	unsigned n = 0;

	if (expected > MIPS_MAX_CPUS)
		expected = MIPS_MAX_CPUS;
	for (;;) {
		uint64_t now = arch_time();
		unsigned arrived = count_arrived();

		if (arrived != seen) {
			seen = arrived;
			last_change = now;
		}
		if (expected && seen + 1 >= expected)
			break;
		if (!expected && now - last_change >= quiet_ticks)
			break;
		if (now - start >= max_ticks)
			break;
		/* Sleeping (not spinning) lets QEMU's single-threaded TCG run
		 * the other CPUs now instead of after our time slice. */
		mips_idle_wait(MIPS_PARK_IDLE_TICKS);
	}
	/* Orders the arrived loads above before anything we do with the
	 * parked CPUs; pairs with the sync after their arrival store. */
	arch_acquire_barrier();

	info->hartids[n++] = boot;
	for (unsigned cpu = 0; cpu < MIPS_MAX_CPUS && n < MAX_HARTS; cpu++)
		if (cpu != boot && mips_cpu_slots[cpu].arrived)
			info->hartids[n++] = cpu;
	info->nharts = n;
	if (n > 1)
		relax_spin_ticks =
		    mips_cpus_in_parallel((unsigned)info->hartids[1])
			? US_TO_TICKS(RELAX_SPIN_MT_US)
			: US_TO_TICKS(RELAX_SPIN_RR_US);
	if (expected && n < expected)
		kprintf("mips: %u of %u CPUs arrived at their release words\n",
			n, expected);
}

/* Called by entry.S if boot_main() or boot_secondary() returns. */
void mips_boot_returned(void);
void mips_boot_returned(void)
{
	kprintf("mips: cpu %u returned from its boot entry\n", mips_cpunum());
	platform_exit(EXIT_PANIC);
}

void mips_uhi_exit(int status)
{
	register long op __asm__("$25") = 1; /* UHI_exit */
	register long arg __asm__("$4") = status;

	__asm__ volatile("sdbbp 1" : "+r"(arg) : "r"(op) : "memory");
}
