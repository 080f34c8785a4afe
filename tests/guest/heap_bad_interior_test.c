/*
 * heap_bad_interior_test.c - free() of a pointer into the middle of a
 * block is reported (the address, where the block starts, the span and its
 * state) and stops the board with EXIT_PANIC (EXPECT=panic, see
 * heap_bad_foreign_test.c).
 */
#include <stdint.h>
#include <stdlib.h>

#include "console.h"
#include "platform.h"
#include "spanfence.h"
#include "../heap/heap.h"

int main(void)
{
	char *p = malloc(100);
	struct span *s = span_of(p);

	kprintf("# expect: span %p..%p state small\n", (void *)s->base,
		(void *)(s->base + ((uintptr_t)s->npages << PAGE_SHIFT)));
	kprintf("# expect: heap: free(%p): interior pointer (the block starts "
		"at %p)\n",
		(void *)(p + 16), (void *)p);
	free(p + 16);
	kprintf("# the heap did not stop the board\n");
	return EXIT_TEST_FAILED;
}
