/*
 * trap_test.c - an intentional trap on the boot hart must be reported
 * (cause, PC, registers) and stop the board with EXIT_TRAP. The runner
 * expects exactly that (tests/guest.list: expect trap).
 */
#include "ktap.h"

static void test_trap_is_reported(void)
{
	ktap_diag("trapping on purpose now");
	__builtin_trap();
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_trap_is_reported),
};

int main(void)
{
	return ktap_run("trap", cases, KTAP_COUNT(cases));
}
