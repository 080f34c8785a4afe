/*
 * xorshift.h - xorshift64*, the small seeded generator of the simulator's
 * drain decisions (sim/storebuf.c) and of the randomised tests: fast,
 * replayable from its state, not for anything that must be unpredictable.
 * The state must not be 0.
 */
#ifndef SPANFENCE_XORSHIFT_H
#define SPANFENCE_XORSHIFT_H

#include <stdint.h>

static inline uint64_t xorshift64star(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

#endif
