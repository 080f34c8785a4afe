/* tap.c - see tap.h. */
#include "tap.h"

#include <stdio.h>

static int cases, failed_cases;
static int case_failures; /* CHECKs failed in the current case */

int tap_check(int cond, const char *expr, const char *file, int line)
{
	if (!cond &&
	    __atomic_fetch_add(&case_failures, 1, __ATOMIC_RELAXED) < 10)
		printf("# %s:%d: CHECK(%s) failed\n", file, line, expr);
	return cond;
}

void tap_case(const char *name, void (*fn)(void))
{
	__atomic_store_n(&case_failures, 0, __ATOMIC_RELAXED);
	fn();
	cases++;
	if (__atomic_load_n(&case_failures, __ATOMIC_RELAXED) != 0) {
		failed_cases++;
		printf("not ok %d - %s\n", cases, name);
	} else {
		printf("ok %d - %s\n", cases, name);
	}
	fflush(stdout);
}

int tap_done(void)
{
	printf("1..%d\n", cases);
	if (failed_cases != 0)
		printf("# %d of %d cases failed\n", failed_cases, cases);
	return failed_cases != 0;
}
