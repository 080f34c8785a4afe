/*
 * tap.h - TAP output for the host tests: "ok N - name" / "not ok N - name"
 * per case, "# file:line: expr" for each failed CHECK, the plan at the end.
 * CHECK may be used from any thread.
 */
#ifndef SPANFENCE_TAP_H
#define SPANFENCE_TAP_H

#define CHECK(cond) tap_check((cond) != 0, #cond, __FILE__, __LINE__)

int tap_check(int cond, const char *expr, const char *file, int line);
void tap_case(const char *name, void (*fn)(void));
/* Print the plan; the exit status for main: 0 if every case passed. */
int tap_done(void);

#endif
