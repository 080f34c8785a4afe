/*
 * ktap.h - a tiny in-guest test framework that prints KTAP version 1.
 *
 *   static void test_x(void) { KTAP_EXPECT(1 + 1 == 2); }
 *   static const struct ktap_case cases[] = { KTAP_CASE(test_x), ... };
 *   int main(void) { return ktap_run("suite", cases, KTAP_COUNT(cases)); }
 *
 * Output: "KTAP version 1", "1..N", then "ok N name" or "not ok N name" per
 * case, with the failed expectations as "# file:line: expr" lines before
 * it. ktap_run returns 0 if every case passed, else EXIT_TEST_FAILED.
 */
#ifndef SPANFENCE_KTAP_H
#define SPANFENCE_KTAP_H

#include <stddef.h>

struct ktap_case {
	const char *name;
	void (*fn)(void);
};

#define KTAP_CASE(fn)   \
	{               \
#fn, fn \
	}
#define KTAP_COUNT(cases) (sizeof(cases) / sizeof((cases)[0]))

/* Record a failure of the current case if cond is false; returns cond. */
#define KTAP_EXPECT(cond) ktap_expect((cond), #cond, __FILE__, __LINE__)

int ktap_expect(int cond, const char *expr, const char *file, int line);
/* Print a "# ..." diagnostic line under the current case. */
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ktap_run(const char *suite, const struct ktap_case *cases, size_t n);

#endif
