/*
 * task_heap.h - the heap API the task code uses (heap/heap.h for the
 * design), in one place:
 *
 *   span_alloc_manual(npages)  a MANUAL span for stacks; span_alloc stores
 *                              the page->span entries, the state and the
 *                              fields, then publication_barrier(
 *                              BARRIER_SPAN_PUBLISH), before it returns
 *   span_free_manual(s)        give it back to the page heap
 *   span_of(p)                 the span holding p, NULL outside the arena
 *   sf_malloc / sf_free        task records, C stacks, heap defer records
 *   PAGE_SIZE                  8 KiB
 *
 * The paths are relative to include/ (on every include path), so this
 * works from task/ and from the tests alike.
 */
#ifndef SPANFENCE_TASK_HEAP_H
#define SPANFENCE_TASK_HEAP_H

#include "../heap/heap.h"
#include "spanfence.h"

#endif
