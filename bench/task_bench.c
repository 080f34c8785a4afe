/*
 * task_bench.c - what frames and stack growth cost, in instructions.
 *
 *   push, pop       one frame of 8 slots (2 of them pointers) on a stack
 *                   big enough not to grow: the best of 20 runs of 1000
 *                   nested pushes, then 1000 pops, and of 1000 push+pop
 *                   pairs; the cost of the bare loop is subtracted.
 *   growth          at three stack sizes S (4 KiB, 32 KiB, 256 KiB): fill
 *                   a stack of S bytes with such frames, each pointing at
 *                   a slot of its parent and at a heap object, then time the
 *                   one push that does not fit (S -> 2S: allocate, copy the
 *                   used bytes, adjust every pointer, free the old stack),
 *                   less an ordinary push; per byte copied. The best of 5.
 *                   Linear growth cost shows as the same cost per byte at
 *                   every size.
 *
 * Counts come from counter_instret(), calibrated against an assembly loop of
 * known length (ticks per instruction): exact instructions on riscv64 under
 * QEMU -icount shift=0 (rdinstret follows the instruction count); on MIPS,
 * CP0 Count advances once per 6 (malta) or 2 (loongson3-virt) instructions
 * under -icount, so the figures are good to a few instructions; on the host
 * the "instructions" are TSC cycles. Run it on one hart under -icount:
 *   make -f mk/task.mk BOARD=<board> task-bench-run
 */
#include <stdint.h>

#include "console.h"
#include "counter.h"
#include "hart.h"
#include "platform.h"
#include "task.h"

#define PUSHES	  1000
#define RUNS	  20
#define GROW_RUNS 5

/* slot 0: a pointer to the parent's slot 2, slot 1: a heap pointer */
static const struct frame_desc d_bench = FRAME_DESC("bench", 8, 0x3);
static uintptr_t heap_thing[4];

static uint64_t ticks(void)
{
	return counter_instret();
}

/* n iterations of a loop of known length; returns instructions run. */
static uint64_t known_loop(uint64_t n)
{
	uint64_t k = n;
#if defined(__riscv)
	__asm__ volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(k));
	return 2 * n;
#elif defined(__mips__)
	__asm__ volatile(".set push\n\t.set noreorder\n"
			 "1: daddiu %0, %0, -1\n\tbnez %0, 1b\n\tnop\n"
			 "\t.set pop"
			 : "+r"(k));
	return 3 * n;
#else
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(k));
	return 2 * n;
#endif
}

static uint64_t ticks_per_kinsn; /* ticks per 1000 instructions */

static void calibrate(void)
{
	uint64_t best = UINT64_MAX, insns = 0;

	for (int r = 0; r < 5; r++) {
		uint64_t t0 = ticks();
		insns = known_loop(1000000);
		uint64_t t = ticks() - t0;
		if (t < best)
			best = t;
	}
	ticks_per_kinsn = best * 1000 / insns;
	if (ticks_per_kinsn == 0)
		ticks_per_kinsn = 1;
}

/* Hundredths of an instruction, from ticks spent on n operations. */
static uint64_t centi_insn(uint64_t t, uint64_t n)
{
	return t * 100000 / ticks_per_kinsn / n;
}

static void print_centi(const char *what, uint64_t c, const char *unit)
{
	kprintf("%s: %lu.%02lu %s\n", what, (unsigned long)(c / 100),
		(unsigned long)(c % 100), unit);
}

static uint64_t push_centi; /* an ordinary push, for the growth figures */

static __attribute__((noinline)) void empty(void)
{
	__asm__ volatile("");
}

static void *bench_push_pop(void *arg)
{
	uint64_t best_push = UINT64_MAX, best_pop = UINT64_MAX;
	uint64_t best_pair = UINT64_MAX, best_loop = UINT64_MAX;

	(void)arg;
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = ticks();
		for (int i = 0; i < PUSHES; i++)
			empty();
		uint64_t t1 = ticks();
		for (int i = 0; i < PUSHES; i++)
			frame_push(&d_bench);
		uint64_t t2 = ticks();
		for (int i = 0; i < PUSHES; i++)
			frame_pop();
		uint64_t t3 = ticks();
		for (int i = 0; i < PUSHES; i++) {
			frame_push(&d_bench);
			frame_pop();
		}
		uint64_t t4 = ticks();
		if (t1 - t0 < best_loop)
			best_loop = t1 - t0;
		if (t2 - t1 < best_push)
			best_push = t2 - t1;
		if (t3 - t2 < best_pop)
			best_pop = t3 - t2;
		if (t4 - t3 < best_pair)
			best_pair = t4 - t3;
	}
	/* The loop with an empty call stands for the loop around each op. */
	uint64_t loop = best_loop;
	push_centi = centi_insn(best_push - loop, PUSHES);
	print_centi("frame push (8 slots, 2 pointers)", push_centi, "insn");
	print_centi("frame pop", centi_insn(best_pop - loop, PUSHES), "insn");
	print_centi("frame push+pop pair", centi_insn(best_pair - loop, PUSHES),
		    "insn");
	return NULL;
}

struct grow_out {
	uint64_t best_ticks, bytes, ptrs;
};

static void *bench_grow(void *arg)
{
	struct grow_out *o = arg;
	struct task *t = task_current();
	size_t size = task_stack_size(t);

	o->best_ticks = UINT64_MAX;
	for (int r = 0; r < GROW_RUNS; r++) {
		int n = 0;
		frame_push(&d_bench);
		n++;
		while (task_stack_size(t) - task_stack_used(t) >=
		       frame_bytes(&d_bench)) {
			struct frame *p = frame_top();
			uintptr_t args[2] = {(uintptr_t)&p->slot[2],
					     (uintptr_t)heap_thing};
			frame_push_args(&d_bench, args, 2);
			n++;
		}
		struct task_stats before = t->stats;
		uint64_t t0 = ticks();
		frame_push(&d_bench); /* does not fit: S -> 2S */
		uint64_t dt = ticks() - t0;
		n++;
		if (dt < o->best_ticks) {
			o->best_ticks = dt;
			o->bytes = t->stats.bytes_copied - before.bytes_copied;
			o->ptrs = t->stats.ptrs_adjusted - before.ptrs_adjusted;
		}
		while (n--)
			frame_pop();
		task_safepoint(); /* 2S -> S again */
		if (task_stack_size(t) != size)
			kprintf("# stack did not shrink back to %zu\n", size);
	}
	return NULL;
}

static void grow_at(size_t size)
{
	struct grow_out o;
	struct task_opts opts = {.stack_size = size, .stack_max = 4 * size};
	struct task *t =
	    task_spawn(task_mutator_hart(0), "grow", bench_grow, &o, &opts);

	sched_run_all();
	task_join(t);
	uint64_t centi = centi_insn(o.best_ticks, 1);
	uint64_t per_byte = (centi - push_centi) / (o.bytes ? o.bytes : 1);
	kprintf("grow %lu KiB -> %lu KiB: %lu bytes copied, %lu pointers "
		"adjusted, %lu insn, %lu.%02lu insn/byte\n",
		(unsigned long)(size >> 10), (unsigned long)(size >> 9),
		(unsigned long)o.bytes, (unsigned long)o.ptrs,
		(unsigned long)(centi / 100), (unsigned long)(per_byte / 100),
		(unsigned long)(per_byte % 100));
}

int main(void)
{
	struct task_opts big = {.stack_size = 256 * 1024};

	calibrate();
	kprintf("# task_bench on %s, %u hart(s): %lu.%03lu counter ticks per "
		"instruction (calibrated)\n",
		platform.board, hart_count,
		(unsigned long)(ticks_per_kinsn / 1000),
		(unsigned long)(ticks_per_kinsn % 1000));
	struct task *t = task_spawn(task_mutator_hart(0), "push-pop",
				    bench_push_pop, NULL, &big);
	sched_run_all();
	task_join(t);
	grow_at(4 * 1024);
	grow_at(32 * 1024);
	grow_at(256 * 1024);
	return 0;
}
