/*
 * spanfence.h - the public API of the span heap (heap/; design: heap/heap.h).
 *
 * The sf_ functions behave as their C library namesakes and are safe on
 * every hart at once. On the boards heap/libc.c also provides them under the
 * standard names and as newlib's reentrant _malloc_r family.
 *
 * Errors: a size that overflows or does not fit returns NULL with errno
 * ENOMEM; an alignment that is not a power of two returns NULL with EINVAL
 * (posix_memalign: returns EINVAL, also for alignments below sizeof(void *)).
 * Bad pointers given to free, realloc or malloc_usable_size (not from the
 * heap, interior, already free) are reported on the console and stop the
 * board with EXIT_PANIC; built with -DSF_HEAP_REPORT_CONTINUE the report is
 * printed and the call does nothing (realloc returns NULL, usable size 0).
 *
 * realloc(p, 0) frees p and returns NULL; malloc(0) returns a unique block.
 * Every block is 16-byte aligned.
 */
#ifndef SPANFENCE_SPANFENCE_H
#define SPANFENCE_SPANFENCE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Give the heap the memory [base, end). Call once, on the boot hart, after
 * harts[] exist (this_hart() works) and before any allocation: boot_main()
 * calls heap_init(platform.mem_base, platform.mem_end).
 */
void heap_init(uintptr_t base, uintptr_t end);

void *sf_malloc(size_t size);
void sf_free(void *p);
void *sf_calloc(size_t n, size_t size);
void *sf_realloc(void *p, size_t size);
void *sf_memalign(size_t align, size_t size);
int sf_posix_memalign(void **out, size_t align, size_t size);
void *sf_aligned_alloc(size_t align, size_t size);
size_t sf_malloc_usable_size(void *p);

/*
 * Give every span the calling hart owns to the central lists (after
 * processing the frees other harts sent it), e.g. before a host thread
 * exits or a hart goes idle. The hart can allocate again afterwards.
 */
void heap_cache_flush(void);

struct heap_stats {
	size_t pages_total; /* pages of 8 KiB in the arena */
	size_t pages_free;  /* in free runs */
	size_t free_runs;
	size_t small_spans; /* spans in use, by kind */
	size_t large_spans;
	size_t manual_spans;
};

void heap_get_stats(struct heap_stats *st);

#endif
