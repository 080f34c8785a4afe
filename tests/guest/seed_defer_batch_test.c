/*
 * seed_defer_batch_test.c - seed_defer_test with SEED_BATCH_TRIALS trials
 * per boot: trial i reseeds the store-buffer simulator with the image's
 * seed + i and runs the whole workload again. tools/seed-repro.sh boots it
 * for the with-barrier side (many seeds, few boots); a trial that fails
 * ends the boot, and its seed (printed) replays alone in seed_defer_test.
 */
#ifndef SEED_BATCH_TRIALS
#define SEED_BATCH_TRIALS 10
#endif
#define SEED_TRIALS SEED_BATCH_TRIALS
#include "seed_defer_test.c"
