/*
 * heap_bad_realloc_test.c - realloc() of a freed block is reported (the
 * address, the span and its state) and stops the board with EXIT_PANIC
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
	void *p = malloc(200), *q;
	struct span *s = span_of(p);

	kprintf("# expect: span %p..%p state small\n", (void *)s->base,
		(void *)(s->base + ((uintptr_t)s->npages << PAGE_SHIFT)));
	kprintf("# expect: heap: realloc(%p): use of a freed block\n", p);
	free(p);
	q = realloc(p, 300);
	kprintf("# realloc returned %p\n", q);
	kprintf("# the heap did not stop the board\n");
	return EXIT_TEST_FAILED;
}
