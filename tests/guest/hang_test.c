/*
 * hang_test.c - a guest that never finishes, to prove the runner's timeout.
 * Not in tests/guest.list; tests/harness-test.sh runs it with a short
 * timeout and expects a failure naming the board and this test.
 */
#include "ktap.h"

static void test_hangs_on_purpose(void)
{
	for (volatile int spin = 1; spin;)
		;
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_hangs_on_purpose),
};

int main(void)
{
	return ktap_run("hang", cases, KTAP_COUNT(cases));
}
