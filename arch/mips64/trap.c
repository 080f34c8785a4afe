/*
 * MIPS64 trap report: any exception on any CPU prints its cause, the CP0
 * state and the registers, then stops the board with EXIT_TRAP.
 *
 * entry.S saves the registers into this CPU's exception area and calls
 * mips_trap() on the area's own stack, with Status.EXL still set (no
 * interrupts; a fault in here is a nested trap, see mips_trap_nested()).
 *
 * The report formats with kvsnprintf (console.h: no allocation, no locks)
 * and writes with platform_putc(), bypassing the console lock: the lock
 * needs this_hart() (not set in early boot), and a trap taken while the
 * lock is held in a bad state would otherwise hang instead of reporting.
 * The price: output of other harts may interleave with the report. Two
 * trapping CPUs do not interleave: the first one reports, the others wait
 * for it (bounded) and then exit too.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asm/atomic.h"
#include "asm/barrier.h"
#include "asm/counter.h"
#include "asm/cp0.h"
#include "asm/percpu.h"
#include "console.h"
#include "hart.h"
#include "platform.h"

static const char *const exc_names[32] = {
    [0] = "interrupt",
    [1] = "TLB modification",
    [2] = "TLB load",
    [3] = "TLB store",
    [4] = "address error on load",
    [5] = "address error on store",
    [6] = "bus error on instruction fetch",
    [7] = "bus error on load or store",
    [8] = "syscall",
    [9] = "breakpoint",
    [10] = "reserved instruction",
    [11] = "coprocessor unusable",
    [12] = "integer overflow",
    [13] = "trap",
    [14] = "virtual coherency (instruction)",
    [15] = "floating-point exception",
    [18] = "coprocessor 2 exception",
    [19] = "TLB read-inhibit",
    [20] = "TLB execute-inhibit",
    [21] = "MSA disabled",
    [22] = "MDMX unusable",
    [23] = "watch",
    [24] = "machine check",
    [25] = "thread",
    [26] = "DSP disabled",
    [27] = "virtualized guest exit",
    [30] = "cache error",
    [31] = "virtual coherency (data)",
};

/* n64 register names */
/* clang-format off */
static const char *const gpr_names[32] = {
	"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3",
	"a4",   "a5", "a6", "a7", "t0", "t1", "t2", "t3",
	"s0",   "s1", "s2", "s3", "s4", "s5", "s6", "s7",
	"t8",   "t9", "k0", "k1", "gp", "sp", "s8", "ra",
};
/* clang-format on */

/* ---- output: ksnprintf into a line, then straight to the UART ---- */

struct line {
	char buf[200];
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void put(struct line *l,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	n = kvsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len > sizeof(l->buf) - 1)
		l->len = sizeof(l->buf) - 1;
}

static void flush(struct line *l)
{
	while (l->len && l->buf[l->len - 1] == ' ')
		l->len--;
	for (size_t i = 0; i < l->len; i++)
		platform_putc(l->buf[i]);
	platform_putc('\r');
	platform_putc('\n');
	l->len = 0;
}

/* ---- the report ---- */

static volatile uint32_t trap_reporter; /* CPUNum + 1 of the reporting CPU */

static const char *vector_name(uint64_t vector)
{
	switch (vector) {
	case VEC_TLB_REFILL:
		return "TLB refill";
	case VEC_XTLB_REFILL:
		return "XTLB refill";
	case VEC_CACHE_ERROR:
		return "cache error";
	default:
		return "general";
	}
}

/* The instruction at the faulting PC, if it can be read safely. */
static bool fetch_insn(uint64_t pc, uint32_t *insn)
{
	/* Only KSEG0/KSEG1 (unmapped, no fault possible inside RAM/ROM). */
	if ((pc & 3) || pc < 0xffffffff80000000ull ||
	    pc >= 0xffffffffc0000000ull)
		return false;
	*insn = *(const volatile uint32_t *)(uintptr_t)pc;
	return true;
}

static void cause_line(struct line *l, const struct mips_trap_frame *f)
{
	unsigned code = (f->cause & CAUSE_EXCCODE_MASK) >> CAUSE_EXCCODE_SHIFT;
	uint64_t pc = f->epc + ((f->cause & CAUSE_BD) ? 4 : 0);
	uint32_t insn;

	if (f->vector == VEC_CACHE_ERROR) {
		put(l, "cache error");
		return;
	}
	if (code == 4 && f->badvaddr == pc)
		put(l, "address error on instruction fetch");
	else
		put(l, "%s", exc_names[code] ? exc_names[code] : "exception");
	if (code == 2 || code == 3)
		put(l, f->vector == VEC_GENERAL ? " (invalid)" : " (refill)");
	put(l, " (ExcCode %u)", code);
	if (code == 0) /* only the timer's IP line is ever enabled */
		put(l, ", pending IP lines %02lx",
		    (unsigned long)((f->cause >> 8) & 0xff));
	/* break/teq codes: 7 is GCC's divide-by-zero check */
	if ((code == 9 || code == 13) && fetch_insn(pc, &insn)) {
		unsigned tcode =
		    code == 9 ? (insn >> 16) & 0x3ff : (insn >> 6) & 0x3ff;
		put(l, ", code %u%s", tcode,
		    tcode == 7 ? " (division by zero)" : "");
	}
}

static void report(const struct mips_trap_frame *f)
{
	struct line l;
	unsigned cpu = mips_cpunum();
	struct hart *h = cpu < MIPS_MAX_CPUS ? mips_cpu_hart[cpu] : NULL;

	l.len = 0;
	flush(&l); /* start on a fresh line */
	put(&l, "TRAP: ");
	cause_line(&l, f);
	put(&l, " on cpu %u", cpu);
	if (h)
		put(&l, " (hart %u)", h->index);
	flush(&l);

	put(&l, "  epc      %016lx", (unsigned long)f->epc);
	if (f->cause & CAUSE_BD)
		put(&l, " (in a branch delay slot: the fault is at epc+4)");
	flush(&l);
	put(&l, "  badvaddr %016lx  vector   %s", (unsigned long)f->badvaddr,
	    vector_name(f->vector));
	flush(&l);
	put(&l, "  status   %08lx          cause    %08lx",
	    (unsigned long)f->status, (unsigned long)f->cause);
	flush(&l);
	if (f->vector == VEC_CACHE_ERROR || (f->status & ST_ERL)) {
		put(&l, "  errorepc %016lx", (unsigned long)f->errorepc);
		flush(&l);
	}
	put(&l, "  hi       %016lx  lo       %016lx", (unsigned long)f->hi,
	    (unsigned long)f->lo);
	flush(&l);

	for (int r = 0; r < 32; r += 4) {
		for (int i = r; i < r + 4; i++) {
			if (i == 26 || i == 27) /* k0, k1: the vector's */
				put(&l, "  %-4s %-16s", gpr_names[i], "(lost)");
			else
				put(&l, "  %-4s %016lx", gpr_names[i],
				    (unsigned long)f->gpr[i]);
		}
		flush(&l);
	}
}

static void wait_for_reporter(void)
{
	/* Another CPU is reporting; it will exit the board. Give it about a
	 * second of Count time (EXL is set: no idle wait here), then exit. */
	uint32_t start = mips_read_count();

	while (mips_read_count() - start < (uint32_t)mips_count_hz)
		arch_cpu_relax();
}

void mips_trap(struct mips_trap_frame *f)
{
	uint32_t me = mips_cpunum() + 1;

	/* No ordering needed: a claim flag, the report itself goes to the
	 * UART. */
	if (arch_cas32(&trap_reporter, 0, me))
		report(f);
	else
		wait_for_reporter();
	platform_exit(EXIT_TRAP);
}

void mips_trap_nested(uint64_t cause, uint64_t epc, uint64_t badvaddr,
		      uint64_t vector)
{
	struct line l;
	unsigned code = (cause & CAUSE_EXCCODE_MASK) >> CAUSE_EXCCODE_SHIFT;

	l.len = 0; /* no initializer: it would call memset */
	flush(&l);
	put(&l,
	    "TRAP: %s (ExcCode %u), vector %s, on cpu %u inside the trap "
	    "handler",
	    exc_names[code] ? exc_names[code] : "exception", code,
	    vector_name(vector), mips_cpunum());
	flush(&l);
	/* With EXL set, EPC is not updated: it is the first trap's. */
	put(&l, "  epc %016lx (of the first trap)  badvaddr %016lx",
	    (unsigned long)epc, (unsigned long)badvaddr);
	flush(&l);
	platform_exit(EXIT_TRAP);
}
