/*
 * hart.h - the harts of a board and what each one does.
 *
 * Roles follow boot order, not hardware ids: the hart the firmware booted on
 * is index 0 and the primary mutator (it runs main()); the last hart started
 * is the collector; any harts started in between are mutators too. On a
 * one-hart machine index 0 is the only mutator and there is no collector.
 *
 * Every hart but index 0 serves a mailbox: hart_call() posts a function to a
 * hart and hart_wait() waits for it to return. Tests use it to run work on
 * several harts at once; the collector uses it to start its loop.
 */
#ifndef SPANFENCE_HART_H
#define SPANFENCE_HART_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_HARTS	8
#define HART_STACK_SIZE (64 * 1024)

enum hart_role { HART_MUTATOR, HART_COLLECTOR };

enum hart_mailbox_state { MAILBOX_IDLE, MAILBOX_POSTED, MAILBOX_DONE };

struct hart {
	void *stack_top;      /* first: entry code loads it at offset 0 */
	unsigned index;	      /* boot order: 0 is the boot hart */
	unsigned long hartid; /* hardware id (RISC-V mhartid, MIPS CPUNum) */
	enum hart_role role;
	volatile uint32_t online; /* set by the hart itself once running */

	/* mailbox, written by the caller, served by this hart */
	volatile uint32_t mailbox;
	void *(*call_fn)(void *);
	void *call_arg;
	void *call_result;

	void *heap_cache;   /* this hart's heap cache (heap/cache.c) */
	void *running_task; /* the task this hart runs, NULL if none
			     (task/sched.c) */
} __attribute__((aligned(64)));

extern struct hart harts[MAX_HARTS];
extern unsigned hart_count;

/* The collector hart, or NULL with a single hart. */
struct hart *collector_hart(void);

const char *hart_role_name(enum hart_role role);

/* Run fn(arg) on hart h (not the caller). hart_wait returns its result. */
void hart_call(struct hart *h, void *(*fn)(void *), void *arg);
void *hart_wait(struct hart *h);

/* A secondary hart's main loop: serve the mailbox forever. */
__attribute__((noreturn)) void hart_serve(struct hart *h);

/* this_hart(): the calling hart's record, inline per port (RISC-V tp, MIPS
 * the CPUNum table, host thread-local storage). */
#include "asm/hart.h"

#endif
