/*
 * fail_test.c - a deliberately failing test, to prove the runner can fail.
 * It is not in tests/guest.list; tests/harness-test.sh runs it and expects
 * the runner to report a failure naming the board and this test.
 */
#include "ktap.h"

static void test_passes(void)
{
	KTAP_EXPECT(1 + 1 == 2);
}

static void test_fails_on_purpose(void)
{
	KTAP_EXPECT(1 + 1 == 3);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(test_passes),
    KTAP_CASE(test_fails_on_purpose),
};

int main(void)
{
	return ktap_run("fail", cases, KTAP_COUNT(cases));
}
