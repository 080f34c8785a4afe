/*
 * storebuf.c - a per-hart software store buffer: the weak-memory simulator
 * behind SF_SIMULATE builds (compiles to nothing otherwise).
 *
 * Why. MIPS64 and RISC-V (RVWMO) let a hart's stores to different addresses
 * become visible to other harts in any order unless a barrier orders them;
 * QEMU on an x86 host never shows that (TCG keeps stores in program order
 * and x86 keeps them in order too), so a missing barrier such as the one of
 * golang/go#35541 goes unnoticed there. In a simulation build every shared
 * store of the runtime goes into the storing hart's software buffer instead
 * of memory and reaches memory later, in a random order, so those missing
 * barriers fail under QEMU and on the host too, reproducibly from a seed.
 *
 * The model, per hart (indexed by this_hart(): a hart's buffer is touched
 * only by that hart, so there are no locks):
 *   - shared_store32/64 append (address, value, size, epoch) to the buffer.
 *     A store to an address that already has an entry in the current epoch
 *     replaces that entry's value (coalescing): the newest value wins, and
 *     since there is then one entry per address and epoch, draining can
 *     never let an older store to an address overwrite a newer one. A store
 *     that partly overlaps an entry (other size or offset) first drains the
 *     whole buffer, so mixed-size accesses stay coherent too.
 *   - shared_load32/64 return the newest own buffered value for the address
 *     (store-to-load forwarding: a hart sees its own stores at once), else
 *     memory. A partly overlapping entry drains the buffer first.
 *   - at every simulated access, with probability 1/drain_one_in, one random
 *     entry drains; a store into a full buffer first drains one random
 *     entry. "Random" is among the entries of the oldest epoch only.
 *   - where the harts take turns on one host thread (QEMU's MIPS boards:
 *     arch_harts_take_turns), a simulated load gives the other harts the
 *     CPU for a moment with probability 1/N (sim_turns, arch_give_turn),
 *     so that their accesses can fall between any two of this hart's, as
 *     on cores of their own: a window of a few instructions is otherwise
 *     hit only when QEMU's 0.1 s time-slice switch falls into it.
 *   - storebuf_drain(b), called by publication_barrier, release_barrier and
 *     full_barrier in barrier.h, drains everything (entries of one epoch in
 *     random order, epochs in order): all stores before the barrier are in
 *     memory before the hart goes on, so before any later store. With
 *     sim_fences(SIM_FENCES_EXACT) (guest boots: sim_boot), a barrier whose
 *     name is one of the publication/release names below (fence_names[])
 *     acts as storebuf_order(b) instead: exactly what fence w,w / fence rw,w
 *     promise, no more, so the stores before it may still be in the buffer
 *     - and a store after it that another hart waits for (an unlock, a
 *     flag) lands only once they have: windows stay open as long as on
 *     hardware, instead of closing at the barrier.
 *   - storebuf_order(b) (sim/storebuf.h) is the exact fence w,w / fence rw,w:
 *     it starts a new epoch, and entries of an epoch drain only when every
 *     older epoch has drained. The stores stay buffered, so a later load by
 *     this hart can still pass them, as on the hardware.
 *   - atomic_* read-modify-writes act on memory with the arch_* primitives
 *     after the hart's own buffered stores to the same address have drained,
 *     and every entry of an older epoch than the current one: an RMW's
 *     store is a store, and a fence before it (storebuf_order) orders the
 *     earlier stores before it. Stores of the current epoch to other
 *     addresses stay buffered: a RISC-V AMO or LR/SC without .aq/.rl, or a
 *     MIPS LL/SC without sync, orders nothing else, so a barrier the
 *     runtime puts before an RMW (REMOTE_FREE before the inbox push, say)
 *     is one whose removal the simulator can expose.
 *   - nor does an RMW order anything after it: its store is made on memory
 *     at once (the RMW stays atomic, and every later RMW on the word, by
 *     any hart, is coherent with it), but it is left pending for the other
 *     harts' loads (sim/history.c, "PENDING RMWs": they return the value
 *     before) until a marker the RMW appends to the hart's buffer drains,
 *     like a store of the current epoch: at random, at a barrier, at a
 *     later fence's epoch boundary. So a barrier after an RMW (GC_ALLOC_
 *     BLACK after the window's mark-bit CAS) is one whose removal the
 *     simulator can expose too. A marker is not a store: it never
 *     coalesces, forwards or overlaps (the invariants below are about
 *     stores), and the own hart's loads see the RMW at once. A pending RMW
 *     becomes visible early, never late: at the next write of its word
 *     (any hart's RMW, any drained store), at another hart's load of an
 *     overlapping word of another size, or at once if the table is full.
 *   - Other harts read only memory (less the pending RMWs): a buffered
 *     store is invisible to them until it drains. Every write from a drain
 *     is a real arch_store32/64.
 *
 * What it does not model (so a mutant of these kinds is not caught here):
 *   - load reordering: loads execute in program order against memory, so an
 *     acquire barrier has nothing to do in the simulator (barrier.h does not
 *     call it either). A missing acquire barrier is found only on hardware
 *     or by the litmus tests and the model. (A per-hart cache of stale
 *     values, refreshed at acquires, would need a hook in acquire_barrier()
 *     and must not return a stale value to an address-dependent load - a
 *     span_of(p) after loading p - which RVWMO and MIPS order: the
 *     simulator cannot tell those loads apart, so it would report failures
 *     the hardware cannot have.)
 *   - under SIM_FENCES_EXACT, a plain or arch_* store after a fence goes to
 *     memory at once and so can overtake the buffered stores before the
 *     fence (an RMW cannot: it drains them first). Code that publishes with
 *     plain stores is outside the model (atomic.h's rule); test plumbing
 *     uses shared_* with storebuf_fence().
 *   - in the default mode (SIM_FENCES_DRAIN) storebuf_drain is stronger
 *     than a publication or release barrier (it also orders the stores
 *     before later loads, as only a full barrier must): the barrier
 *     functions do not tell it which kind they are. SIM_FENCES_EXACT goes
 *     by the barrier's name instead (fence_names[]).
 *   - dependencies: a store after a branch on an RMW's result (an LR/SC
 *     loop's exit) is not kept after the RMW's store, though a core may
 *     keep it there. atomic.h promises no ordering for the RMWs, so the
 *     runtime must not lean on that: the simulator is as weak as that
 *     promise, no weaker.
 *   - a pending RMW's value before is what the other harts load, whatever
 *     plain C stores (not recorded) did to the word since; atomic.h's rule
 *     (shared words only through shared_store* and atomic_*) keeps that
 *     out of the runtime.
 *   - plain C stores go straight to memory. Every address another hart reads
 *     must be written only with shared_store* (atomic.h's rule), or a plain
 *     store can be overwritten later by an older buffered one.
 *
 * Liveness: a buffered store (or RMW marker) drains only when its hart
 * makes a simulated access, a barrier or an RMW. Spin loops in the runtime poll
 * with shared_load*, so a spinning hart drains its buffer at random, and the
 * handshakes of hart_call/hart_wait/hart_serve and the spinlocks all pass
 * release barriers, which drain. A hart that stops making simulated
 * accesses with stores still buffered (parked in wfi, or exiting) should
 * call storebuf_drain_all() first.
 *
 * Reproducibility: each hart's generator is xorshift64* seeded with
 * splitmix64(seed, hart index); sim_seed() changes the seed for every hart
 * (each reseeds at its next access). The seed is the caller's to print.
 * The same seed gives the same drain decisions for the same sequence of
 * accesses per hart, but how many times a spin loop polls depends on the
 * other hart's timing, so a run is replayable in distribution, not exactly.
 *
 * Accesses before a hart is set up (this_hart() not yet one of harts[]) and
 * from threads that are not harts go straight to memory.
 */
#ifdef SF_SIMULATE

#include "storebuf.h"

#include <stddef.h>

#include "atomic.h"
#include "history.h"
#include "barrier.h"
#include "hart.h"
#include "task.h"
#include "xorshift.h"

struct sb_entry {
	uintptr_t addr;
	uint64_t val; /* a marker: the pending RMW's id (sim/history.h) */
	uint32_t epoch;
	uint16_t size;	 /* 4 or 8 */
	uint16_t marker; /* 1: an RMW's marker, not a store */
};

/* A removed acquire barrier's window (see REMOVED ACQUIRE BARRIERS). */
#define EARLY_BACK  8	/* hoist above up to this many earlier accesses */
#define EARLY_LOADS 32	/* loads in one window */
#define EARLY_SEEN  256 /* per-address coherence table */
struct early {
	uint64_t recent[EARLY_BACK]; /* history_now() at the last accesses */
	unsigned recent_next;
	uint64_t ordered_at; /* history_now() at the last barrier */
	uint64_t seq;	     /* the window's loads see memory as of seq */
	unsigned loads;	     /* loads left in the window; 0: closed */
	struct {
		uintptr_t addr;
		uint64_t seq;
	} seen[EARLY_SEEN];  /* per address: the moment its last load saw */
	uint64_t seen_floor; /* for addresses whose slot was taken */
};

struct storebuf {
	struct sb_entry e[SIM_MAX_DEPTH];
	unsigned n;	   /* valid entries: e[0..n) */
	uint32_t epoch;	   /* epoch of new stores */
	uint64_t rng;	   /* xorshift64* state */
	uint64_t seed_gen; /* the generation rng was seeded from */
	struct sim_stats stats;
	uint64_t met_base; /* history_rmw_met() at the last stats reset */
	struct early early;
} __attribute__((aligned(64)));

static struct storebuf bufs[MAX_HARTS];

/* Configuration and seed, written by sim_configure/sim_seed. */
static volatile uint32_t cfg_depth = SIM_DEFAULT_DEPTH;
static volatile uint32_t cfg_drain_one_in = SIM_DEFAULT_DRAIN_ONE_IN;
static volatile uint32_t cfg_turn_one_in = SIM_DEFAULT_TURN_ONE_IN;
static volatile uint64_t cfg_seed = SIM_DEFAULT_SEED;
static volatile uint64_t cfg_seed_gen = 1;
static volatile uint32_t cfg_fences = SIM_FENCES_DRAIN;

/*
 * The names that are used only with publication_barrier() or
 * release_barrier(), everywhere in the tree (checked with grep when a name
 * is added here): under SIM_FENCES_EXACT these order (storebuf_order)
 * instead of draining. NEVER list a name that is also used with
 * full_barrier() (GC_ENTER, a Dekker handshake: it must drain): the
 * simulator would then be weaker than the hardware and report false
 * failures. A name missing here only drains (stronger than the hardware,
 * so it hides nothing it would not have hidden before).
 */
static const char *const fence_names[] = {
    "SPAN_PUBLISH",   "SPAN_RETIRE", "REMOTE_FREE", "HART_CALL_POST",
    "HART_CALL_DONE", "TASK_PARK",   "TASK_DONE",   "SPIN_UNLOCK",
    "GC_HANDSHAKE",   "GC_ACK",	     "GC_WORLD",    "GC_SWEEP_DONE",
    "GC_FLIP",
};
/* Bit b: barrier b orders only (from fence_names[]); bit 63: computed. */
static volatile uint64_t order_mask;

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * A seed a test runner can patch into the built image (sim/set-seed.sh
 * finds the marker in the ELF or raw image and writes the seed after it), so
 * that seeded runs need no board-specific way to pass arguments. volatile:
 * read from the image at run time, never folded by the compiler. 0: none.
 */
static volatile const struct {
	char marker[16];
	uint64_t seed;
} image_seed __attribute__((used, aligned(8))) = {SIM_SEED_MARKER, 0};

uint64_t sim_image_seed(void)
{
	return image_seed.seed;
}

void sim_seed(uint64_t seed)
{
	arch_store64(&cfg_seed, seed);
	/* The seed before the new generation; pairs with the acquire in
	 * my_buf() (simulator-internal, not a runtime barrier: no name). */
	arch_publication_barrier();
	arch_store64(&cfg_seed_gen, arch_load64(&cfg_seed_gen) + 1);
}

uint64_t sim_get_seed(void)
{
	return arch_load64(&cfg_seed);
}

void sim_fences(enum sim_fences mode)
{
	arch_store32(&cfg_fences, mode);
}

static int same_name(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Does barrier b only order under SIM_FENCES_EXACT? (Computed once; harts
 * that race to compute it store the same value.) */
static int orders_only(enum barrier_name b)
{
	uint64_t m = arch_load64(&order_mask);

	if (!(m >> 63)) {
		m = 1ull << 63;
		for (unsigned i = 0; i < BARRIER_COUNT && i < 63; i++)
			for (size_t k = 0;
			     k < sizeof(fence_names) / sizeof(fence_names[0]);
			     k++)
				if (same_name(
					barrier_name((enum barrier_name)i),
					fence_names[k]))
					m |= 1ull << i;
		arch_store64(&order_mask, m);
	}
	return (unsigned)b < 63 && (m >> b & 1);
}

void sim_configure(unsigned depth, unsigned drain_one_in)
{
	if (depth < 1)
		depth = 1;
	if (depth > SIM_MAX_DEPTH)
		depth = SIM_MAX_DEPTH;
	arch_store32(&cfg_depth, depth);
	arch_store32(&cfg_drain_one_in, drain_one_in);
}

void sim_turns(unsigned one_in)
{
	arch_store32(&cfg_turn_one_in, one_in);
}

/* The calling hart's buffer, or NULL outside a set-up hart. */
static struct storebuf *my_buf(void)
{
	struct hart *h = this_hart();
	/* No dereference: before setup this_hart() may be garbage. */
	uintptr_t off = (uintptr_t)h - (uintptr_t)harts;

	if (h == NULL || off >= sizeof(harts) || off % sizeof(struct hart))
		return NULL;

	size_t index = off / sizeof(struct hart);
	struct storebuf *b = &bufs[index];
	uint64_t gen = arch_load64(&cfg_seed_gen);

	if (b->seed_gen != gen) {
		/* The generation before the seed; pairs with the publication
		 * barrier in sim_seed(). */
		arch_acquire_barrier();
		b->rng =
		    splitmix64(arch_load64(&cfg_seed) ^ splitmix64(index + 1));
		if (b->rng == 0)
			b->rng = 1;
		b->seed_gen = gen;
	}
	return b;
}

static uint64_t next_random(struct storebuf *b)
{
	return xorshift64star(&b->rng);
}

static void write_memory(const struct sb_entry *e)
{
	/* An RMW's marker: its store (in memory since the RMW) becomes
	 * visible to the other harts. */
	if (e->marker)
		history_rmw_visible(e->val);
	else /* Recorded, for loads answered as of an earlier moment. */
		history_write(this_hart()->index, e->addr, e->size, e->val);
}

/* Drain one random entry of the oldest epoch (none if the buffer is empty). */
static void drain_one(struct storebuf *b)
{
	uint32_t oldest = b->e[0].epoch;
	unsigned count = 0, pick;

	for (unsigned i = 1; i < b->n; i++)
		if ((int32_t)(b->e[i].epoch - oldest) < 0)
			oldest = b->e[i].epoch;
	for (unsigned i = 0; i < b->n; i++)
		count += b->e[i].epoch == oldest;
	if (count == 0)
		return; /* the buffer was empty */
	pick = (unsigned)((next_random(b) >> 32) % count);
	for (unsigned i = 0; i < b->n; i++) {
		if (b->e[i].epoch != oldest || pick-- != 0)
			continue;
		write_memory(&b->e[i]);
		b->e[i] = b->e[--b->n];
		return;
	}
}

static void drain_all(struct storebuf *b)
{
	b->stats.barrier_drains += b->n;
	while (b->n > 0)
		drain_one(b);
}

/* The random drain step of every simulated access. */
static void maybe_drain(struct storebuf *b)
{
	uint32_t one_in = arch_load32(&cfg_drain_one_in);

	if (b->n == 0 || one_in == 0)
		return;
	if (next_random(b) % one_in == 0) {
		drain_one(b);
		b->stats.random_drains++;
	}
}

/* Harts on one host thread (sim_turns): maybe let the others run now. The
 * buffer stays as it is: the hart is not stopped, only made to take its
 * time, as one on a core of its own may. */
static void maybe_give_turn(struct storebuf *b)
{
	uint32_t one_in = arch_load32(&cfg_turn_one_in);

	if (one_in != 0 && arch_harts_take_turns() &&
	    next_random(b) % one_in == 0) {
		b->stats.turns++;
		arch_give_turn();
	}
}

/* A buffered store (never a marker) that overlaps [addr, addr + size). */
static int overlaps(const struct sb_entry *e, uintptr_t addr, unsigned size)
{
	return !e->marker && e->addr < addr + size && addr < e->addr + e->size;
}

/* Append an entry, first draining one if the buffer is full. */
static void append(struct storebuf *b, struct sb_entry e)
{
	if (b->n >= arch_load32(&cfg_depth)) {
		drain_one(b);
		b->stats.full_drains++;
	}
	b->e[b->n++] = e;
	if (b->n > b->stats.max_pending)
		b->stats.max_pending = b->n;
}

/*
 * Invariant: no two stores partly overlap (a store that would create such a
 * pair drains the buffer first); two stores for the same address and size
 * are in different epochs. So an exact match in the current epoch is the
 * only store that overlaps the new store in that epoch. RMW markers are no
 * stores: they never coalesce, forward or overlap (overlaps() skips them).
 */
static void buffer_store(struct storebuf *b, uintptr_t addr, uint64_t val,
			 unsigned size)
{
	int partial = 0;

	b->stats.stores++;
	maybe_drain(b);
	for (unsigned i = 0; i < b->n; i++) {
		struct sb_entry *e = &b->e[i];

		if (e->marker)
			continue;
		if (e->addr == addr && e->size == size) {
			if (e->epoch == b->epoch) {
				e->val = val; /* newest wins, same place */
				b->stats.coalesced++;
				return;
			}
			/* An older epoch's entry to this address stays:
			 * epochs drain in order, so it lands first. */
		} else if (overlaps(e, addr, size)) {
			partial = 1;
		}
	}
	if (partial)
		drain_all(b);
	append(b, (struct sb_entry){addr, val, b->epoch, (uint16_t)size, 0});
}

/* The newest own value for addr into *val; 0 if memory has it. */
static int buffer_load(struct storebuf *b, uintptr_t addr, unsigned size,
		       uint64_t *val)
{
	const struct sb_entry *newest = NULL;

	b->stats.loads++;
	maybe_drain(b);
	maybe_give_turn(b);
	for (unsigned i = 0; i < b->n; i++) {
		const struct sb_entry *e = &b->e[i];

		if (e->marker)
			continue;
		if (e->addr == addr && e->size == size) {
			if (newest == NULL ||
			    (int32_t)(e->epoch - newest->epoch) > 0)
				newest = e;
		} else if (overlaps(e, addr, size)) {
			drain_all(b);
			return 0;
		}
	}
	if (newest == NULL)
		return 0;
	*val = newest->val;
	b->stats.forwarded++;
	return 1;
}

/*
 * REMOVED ACQUIRE BARRIERS (what a barrier-mutant build adds).
 *
 * An acquire barrier orders a load (or the load of an RMW) before the loads
 * after it. Without it, RVWMO and MIPS may perform those later loads early,
 * before the earlier load, so they may return older values. The store
 * buffers above cannot show that (loads go to memory in program order), so
 * the simulator keeps a history of every write it makes (sim/history.c;
 * in every simulation build, so that a mutant and the normal build cost
 * the same) and, in a mutant, where the removed barrier stood
 * (storebuf_acquire(b, 1), from acquire_barrier() in barrier.h), opens a
 * window: the next EARLY_LOADS loads of this hart that its buffer does not
 * answer return memory as it was at a moment picked at random among its
 * last EARLY_BACK accesses (loads from memory and RMWs) - as if they had
 * been performed just before that access - but:
 *   - never before the hart's last barrier of any kind (it orders loads);
 *   - never older than the hart's own newest store to the word, or than
 *     what its previous load of the word saw (coherence: the seen table);
 *   - and the window closes at the hart's next barrier.
 * Outside such a window (always, in a normal build) every load is in
 * program order, so a load that depends on an earlier one (span_of(p)
 * after loading p) is never answered from before it, which the hardware
 * guarantees too. Inside a window that can happen (the simulator cannot see
 * dependencies): a window's loads all see the same past moment or later,
 * so a load depending on another load in the window is safe, but one
 * depending on a load made just before the removed barrier is not.
 */
static uint64_t *seen_at(struct early *w, uintptr_t addr)
{
	unsigned i = (unsigned)(addr >> 2) % EARLY_SEEN;

	if (w->seen[i].addr != addr) {
		if (w->seen[i].seq > w->seen_floor)
			w->seen_floor = w->seen[i].seq;
		w->seen[i].addr = addr;
		w->seen[i].seq = w->seen_floor;
	}
	return &w->seen[i].seq;
}

/* The hart is about to read memory at addr now (a load or an RMW). */
static void note_access(struct storebuf *b, uintptr_t addr)
{
	struct early *w = &b->early;
	uint64_t now = history_now();

	w->recent[w->recent_next++ % EARLY_BACK] = now;
	*seen_at(w, addr) = now;
}

static uint64_t load_memory(struct storebuf *b, uintptr_t addr, unsigned size)
{
	struct early *w = &b->early;

	if (w->loads == 0) {
		int hidden = 0;
		uint64_t v;

		note_access(b, addr);
		v = history_load((unsigned)(b - bufs), addr, size, &hidden);
		b->stats.rmw_hidden += hidden;
		return v;
	}
	w->loads--;
	uint64_t *seen = seen_at(w, addr);
	uint64_t at = w->seq > *seen ? w->seq : *seen;
	uint64_t v = history_value_at((unsigned)(b - bufs), addr, size, at);
	uint64_t now = size == 8 ? arch_load64((volatile uint64_t *)addr)
				 : arch_load32((volatile uint32_t *)addr);
	*seen = at;
	b->stats.early_loads++;
	b->stats.early_older += v != now;
	return v;
}

static void close_window(struct storebuf *b)
{
	b->early.loads = 0;
	b->early.ordered_at = history_now();
}

void storebuf_acquire(enum barrier_name name, int removed)
{
	struct storebuf *b = my_buf();
	struct early *w;

	if (b == NULL)
		return;
	if (!removed) {
		close_window(b);
		return;
	}
	w = &b->early;
	unsigned back = 1 + (unsigned)(next_random(b) % EARLY_BACK);
	uint64_t at = w->recent[(w->recent_next - back) % EARLY_BACK];
	w->seq = at > w->ordered_at ? at : w->ordered_at;
	w->loads = EARLY_LOADS;
	if ((unsigned)name < BARRIER_COUNT)
		b->stats.barriers[name]++;
}

uint64_t shared_load64(const volatile uint64_t *p)
{
	struct storebuf *b = my_buf();
	uint64_t v;

	if (b == NULL)
		return arch_load64(p);
	if (buffer_load(b, (uintptr_t)p, 8, &v))
		return v;
	return load_memory(b, (uintptr_t)p, 8);
}

uint32_t shared_load32(const volatile uint32_t *p)
{
	struct storebuf *b = my_buf();
	uint64_t v;

	if (b == NULL)
		return arch_load32(p);
	if (buffer_load(b, (uintptr_t)p, 4, &v))
		return (uint32_t)v;
	return (uint32_t)load_memory(b, (uintptr_t)p, 4);
}

/*
 * A store into the running C stack (the hart's own, hart_stacks[i] up to
 * its stack_top - the boot hart's too, on every port - or the current
 * task's C stack) goes straight to memory. No other hart reads a C stack
 * (include/gc.h's rule), and a buffered store there would break what the
 * hardware guarantees the storing hart itself: when the frame returns, a
 * later frame reuses the words with plain stores, and the old buffered
 * store, draining after them, would overwrite them (seen: a gc_store into
 * a local, then an exact SPIN_UNLOCK that left it buffered).
 */
struct task *task_current(void) __attribute__((weak));

static int on_c_stack(uintptr_t addr)
{
	const struct hart *h = this_hart();
	uintptr_t top = (uintptr_t)h->stack_top;
	const struct task *t = task_current ? task_current() : NULL;

	if (top != 0 && addr - (top - HART_STACK_SIZE) < HART_STACK_SIZE)
		return 1;
	return t != NULL && t->cstack != NULL &&
	       addr - (uintptr_t)t->cstack < t->cstack_size;
}

void shared_store64(volatile uint64_t *p, uint64_t v)
{
	struct storebuf *b = my_buf();

	if (b == NULL || on_c_stack((uintptr_t)p))
		arch_store64(p, v);
	else
		buffer_store(b, (uintptr_t)p, v, 8);
}

void shared_store32(volatile uint32_t *p, uint32_t v)
{
	struct storebuf *b = my_buf();

	if (b == NULL || on_c_stack((uintptr_t)p))
		arch_store32(p, v);
	else
		buffer_store(b, (uintptr_t)p, v, 4);
}

static int older_epoch_pending(const struct storebuf *b, uint32_t epoch)
{
	for (unsigned i = 0; i < b->n; i++)
		if ((int32_t)(b->e[i].epoch - epoch) < 0)
			return 1;
	return 0;
}

/* Every RMW: the own stores to its address and every store before the
 * last fence (older epochs, in order) reach memory first, then the real
 * atomic acts on memory. The calling hart's buffer, or NULL. */
static struct storebuf *before_rmw(volatile void *p, unsigned size)
{
	struct storebuf *b = my_buf();
	uintptr_t addr = (uintptr_t)p;

	if (b == NULL)
		return NULL;
	b->stats.rmws++;
	while (older_epoch_pending(b, b->epoch)) {
		drain_one(b);
		b->stats.barrier_drains++;
	}
	for (unsigned i = 0; i < b->n;) {
		if (!overlaps(&b->e[i], addr, size)) {
			i++;
		} else if (older_epoch_pending(b, b->e[i].epoch)) {
			drain_one(b);
			i = 0;
		} else {
			write_memory(&b->e[i]);
			b->e[i] = b->e[--b->n];
			b->stats.barrier_drains++;
			i = 0;
		}
	}
	/* Recorded; an RMW is an access a later load may be hoisted above. */
	note_access(b, addr);
	return b;
}

/*
 * After an RMW made through the history: if its store was left pending
 * (id != 0), the marker that makes it visible to the other harts when it
 * drains, in the current epoch like a store. An RMW on the running C stack
 * is not hidden (on_c_stack: no other hart reads it).
 */
static void after_rmw(struct storebuf *b, volatile void *p, unsigned size,
		      uint64_t id)
{
	if (id == 0)
		return;
	b->stats.rmw_pending++;
	append(b, (struct sb_entry){(uintptr_t)p, id, b->epoch, (uint16_t)size,
				    1});
}

/* The id slot for the history: NULL (visible at once) on the C stack. */
static uint64_t *hide_slot(volatile void *p, uint64_t *id)
{
	*id = 0;
	return on_c_stack((uintptr_t)p) ? NULL : id;
}

bool atomic_cas64(volatile uint64_t *p, uint64_t old, uint64_t new)
{
	struct storebuf *b = before_rmw(p, 8);
	uint64_t id;

	if (b == NULL)
		return arch_cas64(p, old, new);
	bool done =
	    history_cas64((unsigned)(b - bufs), p, old, new, hide_slot(p, &id));
	after_rmw(b, p, 8, id);
	return done;
}

bool atomic_cas32(volatile uint32_t *p, uint32_t old, uint32_t new)
{
	struct storebuf *b = before_rmw(p, 4);
	uint64_t id;

	if (b == NULL)
		return arch_cas32(p, old, new);
	bool done =
	    history_cas32((unsigned)(b - bufs), p, old, new, hide_slot(p, &id));
	after_rmw(b, p, 4, id);
	return done;
}

uint64_t atomic_fetch_add64(volatile uint64_t *p, uint64_t v)
{
	struct storebuf *b = before_rmw(p, 8);
	uint64_t id;

	if (b == NULL)
		return arch_fetch_add64(p, v);
	v = history_fetch_add64((unsigned)(b - bufs), p, v, hide_slot(p, &id));
	after_rmw(b, p, 8, id);
	return v;
}

uint32_t atomic_fetch_add32(volatile uint32_t *p, uint32_t v)
{
	struct storebuf *b = before_rmw(p, 4);
	uint64_t id;

	if (b == NULL)
		return arch_fetch_add32(p, v);
	v = history_fetch_add32((unsigned)(b - bufs), p, v, hide_slot(p, &id));
	after_rmw(b, p, 4, id);
	return v;
}

uint32_t atomic_swap32(volatile uint32_t *p, uint32_t v)
{
	struct storebuf *b = before_rmw(p, 4);
	uint64_t id;

	if (b == NULL)
		return arch_swap32(p, v);
	v = history_swap32((unsigned)(b - bufs), p, v, hide_slot(p, &id));
	after_rmw(b, p, 4, id);
	return v;
}

void storebuf_drain(enum barrier_name name)
{
	struct storebuf *b = my_buf();

	if (b == NULL)
		return;
	close_window(b);
	if (arch_load32(&cfg_fences) == SIM_FENCES_EXACT && orders_only(name)) {
		storebuf_order(name);
		return;
	}
	if ((unsigned)name < BARRIER_COUNT)
		b->stats.barriers[name]++;
	drain_all(b);
}

void storebuf_order(enum barrier_name name)
{
	struct storebuf *b = my_buf();

	if (b == NULL)
		return;
	close_window(b);
	if ((unsigned)name < BARRIER_COUNT)
		b->stats.barriers[name]++;
	maybe_drain(b);
	/* A new epoch only if the current one holds something. */
	for (unsigned i = 0; i < b->n; i++) {
		if (b->e[i].epoch == b->epoch) {
			b->epoch++;
			break;
		}
	}
}

void storebuf_fence(void)
{
	storebuf_order(BARRIER_COUNT); /* no name: no statistics */
}

void storebuf_drain_all(void)
{
	struct storebuf *b = my_buf();

	if (b != NULL)
		drain_all(b);
}

unsigned storebuf_pending(void)
{
	struct storebuf *b = my_buf();

	return b != NULL ? b->n : 0;
}

void sim_stats_get(unsigned index, struct sim_stats *out)
{
	if (index < MAX_HARTS) {
		*out = bufs[index].stats;
		out->rmw_met = history_rmw_met(index) - bufs[index].met_base;
	}
}

void sim_stats_reset(void)
{
	struct storebuf *b = my_buf();

	if (b != NULL) {
		b->stats = (struct sim_stats){0};
		b->met_base = history_rmw_met((unsigned)(b - bufs));
	}
}

#else
/* Not a simulation build: nothing here (ISO C wants a declaration). */
typedef int sim_storebuf_unused;
#endif
