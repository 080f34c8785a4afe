/* ktap.c - see ktap.h. Prints through kprintf, so it never allocates. */
#include "ktap.h"

#include <stdarg.h>

#include "console.h"
#include "platform.h"

static int case_failed;

int ktap_expect(int cond, const char *expr, const char *file, int line)
{
	if (!cond) {
		kprintf("# %s:%d: expected %s\n", file, line, expr);
		case_failed = 1;
	}
	return cond;
}

void ktap_diag(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("# %s\n", buf);
}

int ktap_run(const char *suite, const struct ktap_case *cases, size_t n)
{
	int failed = 0;

	kprintf("KTAP version 1\n# suite: %s\n1..%u\n", suite, (unsigned)n);
	for (size_t i = 0; i < n; i++) {
		case_failed = 0;
		cases[i].fn();
		kprintf("%s %u %s\n", case_failed ? "not ok" : "ok",
			(unsigned)(i + 1), cases[i].name);
		failed += case_failed;
	}
	kprintf("# %s: %u passed, %d failed\n", suite, (unsigned)(n - failed),
		failed);
	return failed ? EXIT_TEST_FAILED : 0;
}
