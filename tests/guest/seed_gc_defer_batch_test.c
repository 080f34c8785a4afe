/*
 * seed_gc_defer_batch_test.c - seed_gc_defer_test (the real collector)
 * with SEED_BATCH_TRIALS trials per boot, as seed_defer_batch_test is for
 * the stand-in: tools/seed-repro.sh with COLLECTOR=gc.
 */
#define SEED_WITH_GC 1
#include "seed_defer_batch_test.c"
