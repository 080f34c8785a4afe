/* shim.c - harts on POSIX threads and test reporting; see shim.h. */
#define _GNU_SOURCE /* program_invocation_short_name */
#include "shim.h"

#include <errno.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct hart harts[MAX_HARTS];
unsigned hart_count = MAX_HARTS;
/* this_hart() is the host port's inline (arch/host/include/asm/hart.h):
 * it reads this thread-local, which the port's platform.c would define. */
__thread struct hart *host_this_hart;
#define current host_this_hart

void shim_become_hart(unsigned index)
{
	if (index >= MAX_HARTS) {
		current = NULL;
		return;
	}
	harts[index].index = index;
	current = &harts[index];
}

static unsigned tests_run, tests_failed;

void sim_check(int ok, const char *name, const char *detail)
{
	const char *path = getenv("RESULTS");
	FILE *f;

	tests_run++;
	tests_failed += !ok;
	printf("%s %u - %s%s%s\n", ok ? "ok" : "not ok", tests_run, name,
	       detail ? ": " : "", detail ? detail : "");
	/* the program's name keeps the sanitizer builds' lines apart */
	f = fopen(path && *path ? path : "build/results/sim.result", "a");
	if (f == NULL) {
		perror("sim: results file");
		tests_failed++;
		return;
	}
	fprintf(f, "%s sim: %s: %s%s%s\n", ok ? "PASS" : "FAIL",
		program_invocation_short_name, name, detail ? ": " : "",
		detail ? detail : "");
	fclose(f);
}

void sim_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

int sim_done(void)
{
	printf("1..%u\n", tests_run);
	return tests_failed ? 1 : 0;
}

unsigned long shim_env(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}
