/*
 * boot_test.c - the foundation: every hart runs and has its role, printf
 * works on every hart (integers, strings, a double), memory was found.
 */
#include <stdio.h>
#include <string.h>

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
    KTAP_CASE(test_memory_found),
};

int main(void)
{
	return ktap_run("boot", cases, KTAP_COUNT(cases));
}
