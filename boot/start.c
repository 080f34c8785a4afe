/*
 * start.c - the common boot path, after the port's entry code.
 *
 * The boot hart (index 0, the primary mutator) arrives in boot_main() on its
 * stack with .bss cleared. It finds memory and harts (platform_discover),
 * gives the memory to the span heap (heap_init, which also gives every hart
 * its heap cache), starts every other hart in turn and waits
 * for each to come online, then runs main() and exits with its status.
 *
 * Roles follow boot order: the last hart started is the collector, any in
 * between are mutators. A hart that does not come online within three seconds
 * stops the boot with a panic naming it, rather than hanging.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "atomic.h"
#include "barrier.h"
#include "console.h"
#include "counter.h"
#include "hart.h"
#include "platform.h"
#include "spanfence.h"
#ifdef SF_SIMULATE
#include "../sim/storebuf.h"
#endif

struct platform_info platform;
struct hart harts[MAX_HARTS];
unsigned hart_count;
char hart_stacks[MAX_HARTS][HART_STACK_SIZE] __attribute__((aligned(64)));

_Static_assert(offsetof(struct hart, stack_top) == 0,
	       "entry code loads stack_top from offset 0");

extern int main(void);

static void start_secondary(unsigned index)
{
	struct hart *h = &harts[index];
	uint64_t deadline = counter_time() + 3 * counter_time_hz();

	h->index = index;
	h->hartid = platform.hartids[index];
	h->role = index == platform.nharts - 1 ? HART_COLLECTOR : HART_MUTATOR;
	h->stack_top = hart_stacks[index] + HART_STACK_SIZE;
	if (platform_start_hart(h) != 0)
		panic("hart %u (hartid %lu) could not be started", index,
		      h->hartid);
	while (shared_load32(&h->online) == 0) {
		if (counter_time() > deadline)
			panic("hart %u (hartid %lu) did not come online in 3 s",
			      index, h->hartid);
		arch_cpu_relax();
	}
	hart_count = index + 1;
}

void boot_main(void)
{
	struct hart *h0 = &harts[0];

	h0->stack_top = hart_stacks[0] + HART_STACK_SIZE;
	h0->role = HART_MUTATOR;
	h0->online = 1;
	platform_set_this_hart(h0);
	hart_count = 1;
	reent_init();

	platform_discover(&platform);
	h0->hartid = platform.hartids[0];
	heap_init(platform.mem_base, platform.mem_end);
#ifdef SF_SIMULATE
	sim_boot();
#endif

	for (unsigned i = 1; i < platform.nharts; i++)
		start_secondary(i);

	kprintf("# spanfence on %s: %lu MiB RAM, heap %p..%p (%lu KiB)\n",
		platform.board, (unsigned long)(platform.ram_size >> 20),
		(void *)platform.mem_base, (void *)platform.mem_end,
		(unsigned long)((platform.mem_end - platform.mem_base) >> 10));
	for (unsigned i = 0; i < hart_count; i++)
		kprintf("# hart %u: hartid %lu, %s\n", i, harts[i].hartid,
			hart_role_name(harts[i].role));

	exit(main());
}

void boot_secondary(struct hart *h)
{
	platform_set_this_hart(h);
	/* No barrier before the flag (one, HART_ONLINE, stood here; no mutant
	 * could show it was needed): the boot hart reads nothing this hart
	 * stored but the flag itself - our setup (tp, trap vector, stack) is
	 * ours alone - and all later work reaches us through hart_call(),
	 * whose mailbox has its own barriers (HART_CALL_POST, HART_CALL_DONE).
	 */
	shared_store32(&h->online, 1);
	hart_serve(h);
}
