/* gc_defer_stress_test.c - gc_defer_test.c in long mode (P=4, N=10000,
 * D=200): make -f mk/gc.mk gc-stress, not make test. */
#define DHS_LONG 1
#include "gc_defer_test.c"
