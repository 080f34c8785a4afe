/*
 * boot.c - seeding the store-buffer simulator at boot (SF_SIMULATE builds;
 * compiles to nothing otherwise). See sim_boot() in storebuf.h.
 *
 * The seed comes from the image when a test runner patched one in with
 * sim/set-seed.sh (seeded, replayable runs: the same seed again replays the
 * drain decisions), else from the counters (a different order each boot).
 * Either way it is printed first thing, so any failing run can be replayed
 * by patching the printed seed into the image.
 */
#ifdef SF_SIMULATE

#include "storebuf.h"

#include "console.h"
#include "counter.h"
#include "hart.h"

void sim_boot(void)
{
	uint64_t seed = sim_image_seed();
	const char *from = "image";

	if (seed == 0) {
		seed =
		    counter_cycles() * 0x9e3779b97f4a7c15ull ^ counter_time();
		from = "counters";
	}
	sim_seed(seed);
	sim_fences(SIM_FENCES_EXACT);
	kprintf("# sim: store-buffer simulation, seed 0x%lx (%s), depth %u, "
		"drain 1/%u per access, exact fences",
		(unsigned long)seed, from, (unsigned)SIM_DEFAULT_DEPTH,
		(unsigned)SIM_DEFAULT_DRAIN_ONE_IN);
	if (arch_harts_take_turns())
		kprintf(", a turn given at 1/%u loads (harts on one host "
			"thread)",
			(unsigned)SIM_DEFAULT_TURN_ONE_IN);
	kprintf("\n");
}

#else
/* Not a simulation build: nothing here (ISO C wants a declaration). */
typedef int sim_boot_unused;
#endif
