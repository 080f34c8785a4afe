/*
 * storebuf.h - controls and statistics of the store-buffer simulator
 * (sim/storebuf.c), for SF_SIMULATE builds.
 *
 * The simulated accesses themselves (shared_load*, shared_store*, atomic_*)
 * and storebuf_drain() are declared in include/atomic.h and
 * include/barrier.h; this header adds what a test or the boot code needs to
 * set the simulator up and to read what it did. From any file compiled with
 * -Iinclude it can be included as "../sim/storebuf.h".
 *
 * Defaults: depth 32 entries per hart, a random drain step with probability
 * 1/8 at every simulated access, seed SIM_DEFAULT_SEED; on boards whose
 * harts take turns on one host thread, a turn given at 1 load in 2048.
 */
#ifndef SPANFENCE_SIM_STOREBUF_H
#define SPANFENCE_SIM_STOREBUF_H

#include <stdint.h>

#include "barrier.h"

#define SIM_MAX_DEPTH		 256
#define SIM_DEFAULT_DEPTH	 32
#define SIM_DEFAULT_DRAIN_ONE_IN 8
#define SIM_DEFAULT_SEED	 0x5eed5eed5eed5eedull
/* Where the harts take turns on one host thread (arch_harts_take_turns:
 * QEMU's MIPS boards), a simulated load gives the others the CPU for a
 * moment with probability 1/N (sim_turns; this by default), so that
 * another hart's accesses can fall between any two of ours, as on CPUs of
 * their own, instead of only at QEMU's time-slice switches: a window of a
 * few instructions (a removed acquire between two loads) is then hit
 * within a run. */
#define SIM_DEFAULT_TURN_ONE_IN 2048

/*
 * Set the global seed. Each hart reseeds its own generator from (seed, hart
 * index) at its next simulated access, so this may be called at any time,
 * from any hart; print the seed in the log so that a failure can be
 * replayed (the drain decisions of each hart are then the same for the
 * same sequence of accesses; thread timing still varies).
 */
void sim_seed(uint64_t seed);
uint64_t sim_get_seed(void);

/*
 * The seed patched into this image by sim/set-seed.sh, or 0. The marker is
 * 15 characters and a NUL; the 8-byte little-endian seed follows it at the
 * next 8-byte boundary (offset 16).
 */
#define SIM_SEED_MARKER "SPANFENCE-SEED:"
uint64_t sim_image_seed(void);

/*
 * For the boot path of a simulation build (boot_main, once, before other
 * harts make simulated accesses): seed from the image if patched, else from
 * the cycle and time counters; set SIM_FENCES_EXACT (below); print "# sim:
 * store-buffer simulation, seed 0x... (image|counters), depth N, drain 1/N
 * per access, exact fences" so a failing run can be replayed with
 * sim/set-seed.sh. In sim/boot.c (uses kprintf; the host tests do not link
 * it).
 */
void sim_boot(void);

/*
 * How storebuf_drain(b) - what publication_barrier, release_barrier and
 * full_barrier call - treats a barrier:
 *   SIM_FENCES_DRAIN  drain the buffer (the default; the host unit tests):
 *                     stronger than a publication or release barrier.
 *   SIM_FENCES_EXACT  by name: a barrier used only as a publication or
 *                     release barrier (the list in storebuf.c) acts as
 *                     storebuf_order(b), i.e. as fence w,w / fence rw,w do;
 *                     any other name drains. sim_boot() sets this mode for
 *                     every guest simulation boot.
 */
enum sim_fences { SIM_FENCES_DRAIN, SIM_FENCES_EXACT };
void sim_fences(enum sim_fences mode);

/*
 * depth: entries per hart buffer (1..SIM_MAX_DEPTH; a store into a full
 * buffer first drains one random entry). drain_one_in: at each simulated
 * access, one random entry drains with probability 1/drain_one_in (0: only
 * when full or at a barrier; 1: one entry at every access). Call before the
 * harts start simulated accesses (harts read them without a barrier).
 */
void sim_configure(unsigned depth, unsigned drain_one_in);

/* Where the harts take turns on one host thread: give a turn at 1 load in
 * one_in (0: never; SIM_DEFAULT_TURN_ONE_IN until set). Finer turns catch
 * a short window sooner and slow the boot down. Any hart, any time. */
void sim_turns(unsigned one_in);

/*
 * Like storebuf_drain(b) but weaker, matching fence w,w / fence rw,w
 * exactly: the buffered stores stay buffered, but every store before this
 * point reaches memory before any store after it (an epoch boundary). A
 * publication or release barrier may use this instead of storebuf_drain():
 * see the top of sim/storebuf.c.
 */
void storebuf_order(enum barrier_name b);

/*
 * storebuf_order() without a name, for test plumbing that must not be
 * removed by a barrier mutant (a test's own ring or flag between harts,
 * stored with shared_store*): call it next to the arch_*_barrier() it
 * stands for. Counted in no barrier's statistics.
 */
void storebuf_fence(void);

/*
 * acquire_barrier(b) in a barrier-mutant simulation build: removed != 0
 * where b is the removed barrier (the loads after it may then be performed
 * early: see "REMOVED ACQUIRE BARRIERS" in storebuf.c), else 0 (a real
 * acquire: loads are in order again). Declared in barrier.h.
 */

/* Drain the calling hart's buffer completely (for code that parks a hart). */
void storebuf_drain_all(void);

/* Entries in the calling hart's buffer. */
unsigned storebuf_pending(void);

struct sim_stats {
	uint64_t stores;	/* shared_store* calls buffered */
	uint64_t coalesced;	/* of those, replaced a same-epoch entry */
	uint64_t loads;		/* shared_load* calls */
	uint64_t forwarded;	/* of those, answered from the own buffer */
	uint64_t random_drains; /* entries drained by the random step */
	uint64_t full_drains; /* entries drained because the buffer was full */
	uint64_t barrier_drains; /* entries drained by barriers and RMWs */
	uint64_t rmws;		 /* atomic_* calls */
	uint64_t early_loads;	 /* loads in a removed acquire's window */
	uint64_t early_older;	 /* of those, answered older than memory */
	uint64_t rmw_pending;	 /* atomic_* whose store was left pending */
	uint64_t rmw_hidden;	 /* loads answered with the value before another
				    hart's pending RMW */
	uint64_t rmw_met;	 /* atomic_cas* that failed on another hart's
				    pending RMW of the word (coherent: they saw
				    its value, not the one loaded before) */
	uint64_t turns; /* loads at which the hart gave its turn (harts on
			   one host thread: sim_turns) */
	uint64_t barriers[BARRIER_COUNT]; /* storebuf_drain/order per name */
	unsigned max_pending;		  /* deepest the buffer got */
};

/*
 * Copy hart `index`'s counters (read them when that hart is quiescent, e.g.
 * after hart_wait()); sim_stats_reset clears the calling hart's.
 */
void sim_stats_get(unsigned index, struct sim_stats *out);
void sim_stats_reset(void);

#endif
