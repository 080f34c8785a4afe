/*
 * trap_collector_test.c - a trap on the collector hart is reported with
 * that hart named, and stops the board with EXIT_TRAP.
 */
#include "hart.h"
#include "ktap.h"

static void *trap_here(void *arg)
{
	(void)arg;
	__builtin_trap();
}

static void test_trap_on_collector_is_reported(void)
{
	ktap_diag("trapping on purpose on hart %u", collector_hart()->index);
	hart_call(collector_hart(), trap_here, NULL);
	hart_wait(collector_hart());
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_trap_on_collector_is_reported),
};

int main(void)
{
	return ktap_run("trap-collector", cases, KTAP_COUNT(cases));
}
