/*
 * history.h - the simulator's record of recent writes to shared memory, so
 * that a load can be answered as it would have been at an earlier moment
 * (sim/history.c). In every simulation build, so that a barrier-mutant
 * build and the normal one make the same accesses at the same cost: only
 * where a mutant's removed acquire barrier stood are the loads after it
 * answered from the past (sim/storebuf.c, "REMOVED ACQUIRE BARRIERS").
 *
 * Every write the simulator makes to memory (a store draining from a
 * buffer, an RMW) goes through history_write*() / history_rmw_*(): under
 * one global lock it takes a sequence number, notes (address, size, the
 * value it overwrites, the hart) in a ring and writes. history_value_at()
 * undoes, for one address, the writes made after a sequence number. An
 * RMW's store may also be left pending (invisible to the other harts'
 * loads) until its hart's store buffer drains a marker for it.
 */
#ifndef SPANFENCE_SIM_HISTORY_H
#define SPANFENCE_SIM_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#define HISTORY_RING 16384 /* writes remembered; older ones are "now" */

/* The sequence number the next write will get. */
uint64_t history_now(void);

/* A store of size 4 or 8 bytes by hart `hart`, recorded and made. */
void history_write(unsigned hart, uintptr_t addr, unsigned size, uint64_t val);

/*
 * The RMWs, recorded and made (the value written is read back under the
 * lock, so the record holds what the RMW overwrote). With hide non-NULL the
 * RMW's store is left pending (history.c, "PENDING RMWs"): the other
 * harts' loads still return the value before until history_rmw_visible()
 * with the id stored in *hide (0: nothing pending, e.g. a failed CAS or a
 * full table). With hide NULL it is visible at once.
 */
uint64_t history_fetch_add64(unsigned hart, volatile uint64_t *p, uint64_t v,
			     uint64_t *hide);
uint32_t history_fetch_add32(unsigned hart, volatile uint32_t *p, uint32_t v,
			     uint64_t *hide);
uint32_t history_swap32(unsigned hart, volatile uint32_t *p, uint32_t v,
			uint64_t *hide);
bool history_cas64(unsigned hart, volatile uint64_t *p, uint64_t old,
		   uint64_t new, uint64_t *hide);
bool history_cas32(unsigned hart, volatile uint32_t *p, uint32_t old,
		   uint32_t new, uint64_t *hide);

/* The pending RMW `id` drained from its hart's buffer: visible to all. */
void history_rmw_visible(uint64_t id);

/* How many of hart's CASes failed because they made another hart's
 * pending RMW of their word visible (they expected the value before it,
 * which the hart's loads had returned: the RMWs are coherent). */
uint64_t history_rmw_met(unsigned hart);

/*
 * A load by `hart` of the size-byte word at addr, now: memory, or the value
 * before another hart's pending RMW of it (then *hidden is set to 1).
 */
uint64_t history_load(unsigned hart, uintptr_t addr, unsigned size,
		      int *hidden);

/*
 * The value of the size-byte word at addr as it was just before write
 * number `seq`, but never older than `hart`'s own newest write to it (a
 * hart always sees its own stores). The memory's value if nothing else
 * wrote it since, or if the ring no longer reaches back that far: a later
 * value is always one the load could have returned. Another hart's pending
 * RMW of the word is not undone by a later `seq` (it is not visible yet).
 */
uint64_t history_value_at(unsigned hart, uintptr_t addr, unsigned size,
			  uint64_t seq);

#endif
