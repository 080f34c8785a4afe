/*
 * heap_bad_double_test.c - freeing a block twice is reported (the address,
 * the span and its state) and stops the board with EXIT_PANIC
 * (EXPECT=panic, see heap_bad_foreign_test.c).
 */
#include <stdint.h>
#include <stdlib.h>

#include "console.h"
#include "platform.h"
#include "spanfence.h"
#include "../heap/heap.h"

int main(void)
{
	void *p = malloc(48);
	struct span *s = span_of(p);

	kprintf("# expect: span %p..%p state small\n", (void *)s->base,
		(void *)(s->base + ((uintptr_t)s->npages << PAGE_SHIFT)));
	kprintf("# expect: heap: free(%p): double free\n", p);
	free(p);
	free(p);
	kprintf("# the heap did not stop the board\n");
	return EXIT_TEST_FAILED;
}
