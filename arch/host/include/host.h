/*
 * host.h - the host port (x86_64, POSIX threads) for unit tests, fuzzing
 * and benchmarks: threads stand in for harts, mmap for the board's RAM.
 */
#ifndef SPANFENCE_HOST_H
#define SPANFENCE_HOST_H

#include <stddef.h>

#include "hart.h"

/*
 * Register the calling thread as hart 0 and give the heap an mmap'd region
 * of heap_size bytes (heap_init). Call once, first.
 */
void host_init(size_t heap_size);

/*
 * Run fn(h, arg) on n new threads, registered as harts 1..n, and return when
 * all have returned (n < MAX_HARTS).
 */
void host_harts_start(unsigned n, void (*fn)(struct hart *h, void *arg),
		      void *arg);

#endif
