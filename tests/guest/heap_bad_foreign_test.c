/*
 * heap_bad_foreign_test.c - free() of a pointer that is not from the heap
 * (a static object) is reported with the address and stops the board with
 * EXIT_PANIC. Run with EXPECT=panic: tests/run-guest.sh checks the status,
 * the PANIC line and every "# expect: TEXT" line below against the report.
 */
#include <stdint.h>
#include <stdlib.h>

#include "console.h"
#include "platform.h"
#include "spanfence.h"
#include "../heap/heap.h"

static char not_heap[64];

int main(void)
{
	void *p = not_heap + 16;

	kprintf("# expect: heap: free(%p): not a heap pointer; no span\n", p);
	free(p);
	kprintf("# the heap did not stop the board\n");
	return EXIT_TEST_FAILED;
}
