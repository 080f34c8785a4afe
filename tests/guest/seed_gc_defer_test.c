/*
 * seed_gc_defer_test.c - seed_defer_test with the real collector (gc/) in
 * place of the sampling stand-in: DeferHeapAndStack past 32 KiB stacks
 * while gc/ runs back-to-back cycles and checks every task record it loads
 * (gc_check_task_record). Without SPAN_PUBLISH it reports "runtime:
 * pointer 0x... to unallocated span" (gc_bad_pointer) and the boot fails.
 */
#define SEED_WITH_GC 1
#include "seed_defer_test.c"
