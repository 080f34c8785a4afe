/*
 * heap_bench.c - instructions per malloc+free pair on a board (not a test):
 * spanfence (malloc/free, heap/libc.c) against newlib's own malloc, linked
 * into the same image under other names (newlib_malloc/newlib_free: its
 * objects are taken from newlib's libc.a and renamed by mk/bench.mk; it
 * takes memory from bench_sbrk below, a private region).
 *
 * Workloads, each run on the same pre-generated sequence for both:
 *   malloc+free S     p = malloc(S); free(p), for S = 16, 64, 512, 4 KiB,
 *                     64 KiB
 *   mixed             a working set of 512 blocks (60% 16..128 B, 30% up to
 *                     2 KiB, 9% up to 16 KiB, 1% 32..64 KiB), one block at
 *                     random freed and replaced per pair
 *
 * A sample is GROUP pairs between two counter reads: one pair on riscv64,
 * where rdinstret counts retired instructions exactly under QEMU -icount;
 * 16 on MIPS, where CP0 Count advances once per several instructions under
 * -icount (6 on malta, 2 on loongson3-virt: calibrated at start against an
 * assembly loop of known length, so a figure is good to a fraction of an
 * instruction). The same loop run with two assembly stubs of known length
 * in place of malloc and free gives the overhead (loop, counter reads,
 * calls) that is subtracted: a figure counts the instructions executed
 * inside malloc and free, from their first instruction to their return,
 * as callgrind counts them on the host. Median and 99th percentile over
 * SAMPLES samples, after a warm-up.
 *
 * Output: markdown table rows "| board | workload | ... |" (collected by
 * tools/bench-heap.sh). Run it with one hart under -icount (mk/bench.mk).
 */
#include <errno.h>
#include <reent.h>
#include <stdint.h>
#include <stdlib.h>

#include "console.h"
#include "counter.h"
#include "platform.h"
#include "spanfence.h"
#include "../heap/heap.h"

#if defined(__riscv)
#define GROUP	   1
#define STUB_INSNS 2 /* "ret" twice */
#else
#define GROUP	   16
#define STUB_INSNS 4 /* "jr ra; nop" twice */
#endif
#define SAMPLES 2001
#define WARMUP	2000
#define WS	512

/* newlib's malloc under other names (mk/bench.mk renames its objects). */
void *newlib_malloc(size_t n);
void newlib_free(void *p);

/* Stubs of known length standing in for malloc and free. */
void *stub_malloc(size_t n);
void stub_free(void *p);
#if defined(__riscv)
__asm__(".text\n.globl stub_malloc\nstub_malloc: ret\n"
	".globl stub_free\nstub_free: ret\n");
#else
__asm__(".text\n.set push\n.set noreorder\n"
	".globl stub_malloc\nstub_malloc: jr $ra\nnop\n"
	".globl stub_free\nstub_free: jr $ra\nnop\n.set pop\n");
#endif

/* The private region newlib's sbrk hands out, taken from the span heap. */
static char *sbrk_base, *sbrk_next, *sbrk_end;

void *newlib__sbrk_r(struct _reent *r, ptrdiff_t incr);
void *newlib__sbrk_r(struct _reent *r, ptrdiff_t incr)
{
	char *old = sbrk_next;

	if (incr > 0 ? incr > sbrk_end - old : -incr > old - sbrk_base) {
		r->_errno = ENOMEM;
		return (void *)-1;
	}
	sbrk_next += incr;
	return old;
}

struct allocator {
	const char *name;
	void *(*alloc)(size_t);
	void (*release)(void *);
};

static const struct allocator sf = {"spanfence", malloc, free};
static const struct allocator nl = {"newlib", newlib_malloc, newlib_free};
static const struct allocator stub = {"stub", stub_malloc, stub_free};

/* --- counting ------------------------------------------------------- */

static uint64_t ticks_per_minsn; /* counter ticks per 10^6 instructions */

/* n turns of a loop of known length; returns the instructions run. */
static uint64_t known_loop(uint64_t n)
{
	uint64_t k = n;
#if defined(__riscv)
	__asm__ volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(k));
	return 2 * n;
#else
	__asm__ volatile(".set push\n\t.set noreorder\n"
			 "1: daddiu %0, %0, -1\n\tbnez %0, 1b\n\tnop\n"
			 "\t.set pop"
			 : "+r"(k));
	return 3 * n;
#endif
}

static void calibrate(void)
{
	uint64_t best = UINT64_MAX, insns = 0;

	for (int r = 0; r < 5; r++) {
		uint64_t t0 = counter_instret();
		insns = known_loop(300000);
		uint64_t t = counter_instret() - t0;
		if (t < best)
			best = t;
	}
	ticks_per_minsn = best * 1000000 / insns;
}

/* Ticks to hundredths of an instruction. */
static int64_t centi(int64_t t)
{
	return t * 100000000 / (int64_t)ticks_per_minsn;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	int64_t median, p99; /* centi-instructions per pair */
};

static int64_t samples[SAMPLES];

static struct result summarize(int64_t stub_median)
{
	struct result r;

	qsort(samples, SAMPLES, sizeof(samples[0]), cmp_i64);
	r.median = (centi(samples[SAMPLES / 2]) - stub_median) / GROUP +
		   STUB_INSNS * 100;
	r.p99 = (centi(samples[SAMPLES * 99 / 100]) - stub_median) / GROUP +
		STUB_INSNS * 100;
	return r;
}

/* --- workloads ------------------------------------------------------ */

static uint64_t rng;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static __attribute__((noinline)) void pairs(const struct allocator *a,
					    size_t size, int n)
{
	for (int i = 0; i < n; i++)
		a->release(a->alloc(size));
}

/* Median ticks of a sample of size-S pairs (for the stub: the overhead). */
static struct result run_pairs(const struct allocator *a, size_t size,
			       int64_t stub_median)
{
	pairs(a, size, WARMUP);
	for (int s = 0; s < SAMPLES; s++) {
		uint64_t t0 = counter_instret();
		for (int i = 0; i < GROUP; i++)
			a->release(a->alloc(size));
		samples[s] = (int64_t)(counter_instret() - t0);
	}
	return summarize(stub_median);
}

static uint32_t mix_slot[WARMUP + SAMPLES * GROUP];
static uint32_t mix_size[WS + WARMUP + SAMPLES * GROUP];
static void *ws[WS];

static void mix_prepare(void)
{
	rng = 88172645463325252ull;
	for (unsigned i = 0; i < sizeof(mix_size) / sizeof(mix_size[0]); i++) {
		uint64_t r = next_rand();
		unsigned pick = (unsigned)(r % 100);
		uint32_t lo, hi;

		if (pick < 60)
			lo = 16, hi = 128;
		else if (pick < 90)
			lo = 129, hi = 2048;
		else if (pick < 99)
			lo = 2049, hi = 16384;
		else
			lo = 32768, hi = 65536;
		mix_size[i] = lo + (uint32_t)((r >> 20) % (hi - lo + 1));
	}
	for (unsigned i = 0; i < sizeof(mix_slot) / sizeof(mix_slot[0]); i++)
		mix_slot[i] = (uint32_t)(next_rand() % WS);
}

static struct result run_mixed(const struct allocator *a, int64_t stub_median)
{
	const uint32_t *size = mix_size + WS;
	int k = 0;

	for (int i = 0; i < WS; i++)
		ws[i] = a->alloc(mix_size[i]);
	for (; k < WARMUP; k++) {
		a->release(ws[mix_slot[k]]);
		ws[mix_slot[k]] = a->alloc(size[k]);
	}
	for (int s = 0; s < SAMPLES; s++) {
		uint64_t t0 = counter_instret();
		for (int i = 0; i < GROUP; i++, k++) {
			a->release(ws[mix_slot[k]]);
			ws[mix_slot[k]] = a->alloc(size[k]);
		}
		samples[s] = (int64_t)(counter_instret() - t0);
	}
	for (int i = 0; i < WS; i++) {
		if (ws[i] == NULL)
			panic("heap_bench: %s ran out of memory", a->name);
		a->release(ws[i]);
	}
	return summarize(stub_median);
}

/* --- table ----------------------------------------------------------- */

static void print_fixed(int64_t c)
{
	if (c < 0)
		c = 0;
	kprintf(" %ld.%ld |", (long)(c / 100), (long)(c % 100 / 10));
}

static void row(const char *workload, struct result s, struct result n)
{
	int64_t ratio = s.median > 0 ? n.median * 10 / s.median : 0;

	kprintf("| %s | %s |", platform.board, workload);
	print_fixed(s.median);
	print_fixed(s.p99);
	print_fixed(n.median);
	print_fixed(n.p99);
	kprintf(" %ld.%ldx |\n", (long)(ratio / 10), (long)(ratio % 10));
}

static const size_t pair_sizes[] = {16, 64, 512, 4096, 65536};

int main(void)
{
	/* newlib's region: 48 MiB of the span heap, as one large span. */
	sbrk_base = sbrk_next = heap_alloc_pages(6144, SPAN_LARGE);
	if (sbrk_base == NULL)
		panic("heap_bench: no room for newlib's region");
	sbrk_end = sbrk_base + 6144 * PAGE_SIZE;

	calibrate();
	kprintf("# heap_bench on %s: %lu counter ticks per 1000 instructions "
		"(calibrated), %d pair(s) per sample, %d samples\n",
		platform.board, (unsigned long)(ticks_per_minsn / 1000), GROUP,
		SAMPLES);
	for (unsigned i = 0; i < sizeof(pair_sizes) / sizeof(pair_sizes[0]);
	     i++) {
		size_t n = pair_sizes[i];
		char name[32];
		struct result o = run_pairs(&stub, n, 0);
		int64_t overhead = o.median - STUB_INSNS * 100;
		struct result s = run_pairs(&sf, n, overhead * GROUP);
		struct result l = run_pairs(&nl, n, overhead * GROUP);

		if (n >= 1024)
			ksnprintf(name, sizeof(name), "malloc+free %lu KiB",
				  (unsigned long)(n >> 10));
		else
			ksnprintf(name, sizeof(name), "malloc+free %lu B",
				  (unsigned long)n);
		row(name, s, l);
	}
	mix_prepare();
	{
		struct result o = run_mixed(&stub, 0);
		int64_t overhead = (o.median - STUB_INSNS * 100) * GROUP;
		struct result s = run_mixed(&sf, overhead);
		struct result l = run_mixed(&nl, overhead);

		row("mixed (working set 512, 16 B..64 KiB)", s, l);
	}
	return 0;
}
