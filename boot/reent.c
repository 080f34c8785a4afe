/*
 * reent.c - one newlib reentrancy structure per hart.
 *
 * newlib keeps per-thread state in a struct _reent: errno, the scratch of
 * the floating-point conversions (_dtoa_r's Bigint free lists), strtok's
 * position, rand's seed. Built as it comes, one structure (_impure_ptr)
 * serves every hart, and two harts formatting a %f at once share that
 * scratch: boot_test's concurrent case hung a 4-hart board, and one hart
 * once printed another's digits. newlib is built with __DYNAMIC_REENT__
 * (tools/build-newlib.sh), so its _REENT is __getreent(), here: each hart
 * gets its own structure. The boot hart keeps _impure_ptr, which also
 * serves before reent_init() (this_hart() is not set yet then). stdin,
 * stdout and stderr stay one set for all harts
 * (--enable-newlib-global-stdio-streams), under newlib's stream locks
 * (locks.c).
 */
#include <reent.h>
#include <stdbool.h>

#include "hart.h"
#include "platform.h"

static struct _reent hart_reent[MAX_HARTS];
/* Written once by the boot hart before it starts the others; starting a
 * hart orders it (platform_start_hart, boot_secondary). */
static bool reent_ready;

void reent_init(void)
{
	for (unsigned i = 1; i < MAX_HARTS; i++)
		_REENT_INIT_PTR(&hart_reent[i]);
	reent_ready = true;
}

struct _reent *__getreent(void)
{
	if (!reent_ready)
		return _impure_ptr;
	unsigned i = this_hart()->index;
	return i == 0 ? _impure_ptr : &hart_reent[i];
}
