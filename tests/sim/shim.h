/*
 * shim.h - what the simulator's host tests need from a port, without one:
 * harts[] and the thread-local behind the host port's inline this_hart()
 * (arch/host/include/asm/hart.h) for POSIX threads, and TAP/PASS/FAIL
 * reporting. The host port's platform file (arch/host/platform.c) defines
 * the same, with a heap; these tests keep their own tiny shim so that they
 * depend only on sim/storebuf.c and lib/barrier.c.
 *
 * Reporting: sim_check() prints "ok N - name" or "not ok N - name" (TAP) and
 * appends "PASS sim: name" or "FAIL sim: name" to $RESULTS (default
 * build/results/sim.result); sim_done() prints the plan and returns the exit
 * status.
 */
#ifndef SPANFENCE_TESTS_SIM_SHIM_H
#define SPANFENCE_TESTS_SIM_SHIM_H

#include "hart.h"

/* Make the calling thread hart `index` (NULL-hart if index >= MAX_HARTS). */
void shim_become_hart(unsigned index);

/* One test result; detail (may be NULL) is printed and recorded with it. */
void sim_check(int ok, const char *name, const char *detail);
void sim_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sim_done(void);

/* An environment variable as a number, or def. */
unsigned long shim_env(const char *name, unsigned long def);

#endif
