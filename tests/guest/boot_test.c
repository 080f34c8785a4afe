/*
 * boot_test.c - the foundation: every hart runs and has its role, printf
 * works on every hart (integers, strings, a double), also on all of them at
 * once, each hart has its own errno, memory was found.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "barrier.h"
#include "hart.h"
#include "ktap.h"
#include "platform.h"

static void test_harts_online(void)
{
	KTAP_EXPECT(hart_count >= 2);
	KTAP_EXPECT(hart_count == platform.nharts);
	for (unsigned i = 0; i < hart_count; i++)
		KTAP_EXPECT(harts[i].online == 1);
	ktap_diag("%u harts online", hart_count);
}

static void test_roles_follow_boot_order(void)
{
	KTAP_EXPECT(this_hart() == &harts[0]);
	KTAP_EXPECT(harts[0].role == HART_MUTATOR);
	KTAP_EXPECT(collector_hart() == &harts[hart_count - 1]);
	KTAP_EXPECT(collector_hart()->role == HART_COLLECTOR);
	for (unsigned i = 1; i + 1 < hart_count; i++)
		KTAP_EXPECT(harts[i].role == HART_MUTATOR);
	for (unsigned i = 0; i < hart_count; i++)
		for (unsigned j = i + 1; j < hart_count; j++)
			KTAP_EXPECT(harts[i].hartid != harts[j].hartid);
}

static void *whoami(void *arg)
{
	(void)arg;
	return this_hart();
}

static void test_every_hart_runs_code(void)
{
	for (unsigned i = 1; i < hart_count; i++) {
		hart_call(&harts[i], whoami, NULL);
		KTAP_EXPECT(hart_wait(&harts[i]) == &harts[i]);
	}
}

static void *format_on_hart(void *arg)
{
	char *buf = arg;

	snprintf(buf, 128, "%d %u %x %s %.3f %ld", -42, 42u, 0xbeefu, "str",
		 3.14159, -1234567890123L);
	printf("# printf from hart %u (%s)\n", this_hart()->index,
	       hart_role_name(this_hart()->role));
	return buf;
}

static void test_printf_on_every_hart(void)
{
	static char bufs[MAX_HARTS][128];
	const char *want = "-42 42 beef str 3.142 -1234567890123";

	KTAP_EXPECT(strcmp(format_on_hart(bufs[0]), want) == 0);
	for (unsigned i = 1; i < hart_count; i++)
		hart_call(&harts[i], format_on_hart, bufs[i]);
	for (unsigned i = 1; i < hart_count; i++) {
		hart_wait(&harts[i]);
		KTAP_EXPECT(strcmp(bufs[i], want) == 0);
	}
	fflush(stdout);
}

/*
 * Every hart formats doubles at the same time and compares the digits with
 * the boot hart's, formatted alone first. newlib's conversion (_dtoa_r)
 * keeps scratch in the reentrancy structure: one shared by the harts once
 * gave a hart another's digits (boot/reent.c).
 */
#define FORMAT_ROUNDS 2000
static const double format_values[8] = {
    3.14159265358979, -2.718281828, 1e-7,     6.02214076e23, 0.1,
    12345.6789,	      -0.0001234,   1.0 / 3.0};
static char format_want[8][80];

static void format_one(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.12f %g %.9e", v, v, v);
}

static void *format_many(void *arg)
{
	uintptr_t bad = 0;
	char buf[80];

	(void)arg;
	for (unsigned r = 0; r < FORMAT_ROUNDS; r++) {
		format_one(buf, sizeof(buf), format_values[r % 8]);
		bad += strcmp(buf, format_want[r % 8]) != 0;
	}
	return (void *)bad;
}

/* The start line of on_all_harts: a flag that orders nothing (fn and the
 * data it reads reach the other harts through hart_call's mailbox
 * barriers); it only lines the harts up so that they run fn at once. */
static volatile uint32_t all_go;
static void *(*together_fn)(void *);

static void *run_together(void *arg)
{
	while (shared_load32(&all_go) == 0)
		arch_cpu_relax();
	return together_fn(arg);
}

/* Run fn on every hart at once (the boot hart too); the sum of results. */
static uintptr_t on_all_harts(void *(*fn)(void *))
{
	uintptr_t sum;

	shared_store32(&all_go, 0);
	together_fn = fn;
	for (unsigned i = 1; i < hart_count; i++)
		hart_call(&harts[i], run_together, NULL);
	shared_store32(&all_go, 1);
	sum = (uintptr_t)run_together(NULL);
	for (unsigned i = 1; i < hart_count; i++)
		sum += (uintptr_t)hart_wait(&harts[i]);
	return sum;
}

static void test_printf_concurrent(void)
{
	for (unsigned k = 0; k < 8; k++)
		format_one(format_want[k], sizeof(format_want[k]),
			   format_values[k]);
	uintptr_t bad = on_all_harts(format_many);
	KTAP_EXPECT(bad == 0);
	ktap_diag("%u harts x %u doubles formatted at once: %lu wrong",
		  hart_count, FORMAT_ROUNDS, (unsigned long)bad);
}

/* errno is each hart's own: a hart that sets it reads back its value. */
#define ERRNO_ROUNDS 20000
static void *errno_own(void *arg)
{
	int mine = 1000 + (int)this_hart()->index;
	uintptr_t bad = 0;

	(void)arg;
	for (unsigned r = 0; r < ERRNO_ROUNDS; r++) {
		errno = mine;
		/* A moment for the others' writes (not arch_cpu_relax: on
		 * MIPS a long run of those sleeps). */
		for (volatile int i = 0; i < 20; i++)
			;
		bad += errno != mine;
	}
	return (void *)bad;
}

static void test_errno_per_hart(void)
{
	uintptr_t bad = on_all_harts(errno_own);
	KTAP_EXPECT(bad == 0);
	ktap_diag("%u harts x %u errno writes: %lu read back another's",
		  hart_count, ERRNO_ROUNDS, (unsigned long)bad);
}

static void test_memory_found(void)
{
	KTAP_EXPECT(platform.ram_size >= 64u << 20);
	KTAP_EXPECT(platform.mem_base < platform.mem_end);
	KTAP_EXPECT(platform.mem_end - platform.mem_base >= 32u << 20);
	KTAP_EXPECT((platform.mem_base & 4095) == 0);
	ktap_diag(
	    "RAM %lu MiB, usable %lu MiB",
	    (unsigned long)(platform.ram_size >> 20),
	    (unsigned long)((platform.mem_end - platform.mem_base) >> 20));
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_harts_online),
    KTAP_CASE(test_roles_follow_boot_order),
    KTAP_CASE(test_every_hart_runs_code),
    KTAP_CASE(test_printf_on_every_hart),
    KTAP_CASE(test_printf_concurrent),
    KTAP_CASE(test_errno_per_hart),
    KTAP_CASE(test_memory_found),
};

int main(void)
{
	return ktap_run("boot", cases, KTAP_COUNT(cases));
}
