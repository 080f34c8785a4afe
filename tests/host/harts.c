/*
 * harts.c - the rest of a "board" for the task and collector tests on the
 * host (arch/host/platform.c gives the console, exit, this_hart() and the
 * heap's mmap'd region): harts 1..n-1 are threads serving hart.h's mailbox
 * and main() runs the test's main (compiled as guest_main) on hart 0.
 *
 * HARTS=n sets the hart count (default 2: one mutator and the collector,
 * like -smp 2; the last hart is the collector). HOST_HEAP_MB sets the
 * region (default 256, as on the boards; MAP_NORESERVE, so only touched
 * pages cost). The mailbox waits on a condition variable instead of
 * spinning like boot/hart.c: idle harts must leave the host's cores alone
 * while the sanitizers run. Same contract as hart.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "console.h"
#include "hart.h"
#include "host.h"
#include "platform.h"

static pthread_mutex_t mailbox_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mailbox_cond = PTHREAD_COND_INITIALIZER;

int guest_main(void);

const char *hart_role_name(enum hart_role role)
{
	return role == HART_COLLECTOR ? "collector" : "mutator";
}

struct hart *collector_hart(void)
{
	return hart_count < 2 ? NULL : &harts[hart_count - 1];
}

void hart_call(struct hart *h, void *(*fn)(void *), void *arg)
{
	pthread_mutex_lock(&mailbox_lock);
	if (h == this_hart() || h->mailbox != MAILBOX_IDLE)
		panic("hart_call: hart %u is busy or is the caller", h->index);
	h->call_fn = fn;
	h->call_arg = arg;
	h->mailbox = MAILBOX_POSTED;
	pthread_cond_broadcast(&mailbox_cond);
	pthread_mutex_unlock(&mailbox_lock);
}

void *hart_wait(struct hart *h)
{
	pthread_mutex_lock(&mailbox_lock);
	while (h->mailbox != MAILBOX_DONE)
		pthread_cond_wait(&mailbox_cond, &mailbox_lock);
	void *result = h->call_result;
	h->mailbox = MAILBOX_IDLE;
	pthread_mutex_unlock(&mailbox_lock);
	return result;
}

void hart_serve(struct hart *h)
{
	for (;;) {
		pthread_mutex_lock(&mailbox_lock);
		while (h->mailbox != MAILBOX_POSTED)
			pthread_cond_wait(&mailbox_cond, &mailbox_lock);
		void *(*fn)(void *) = h->call_fn;
		void *arg = h->call_arg;
		pthread_mutex_unlock(&mailbox_lock);
		void *result = fn(arg);
		pthread_mutex_lock(&mailbox_lock);
		h->call_result = result;
		h->mailbox = MAILBOX_DONE;
		pthread_cond_broadcast(&mailbox_cond);
		pthread_mutex_unlock(&mailbox_lock);
	}
}

static void *hart_thread(void *arg)
{
	struct hart *h = arg;

	platform_set_this_hart(h);
	pthread_mutex_lock(&mailbox_lock);
	h->online = 1;
	pthread_cond_broadcast(&mailbox_cond);
	pthread_mutex_unlock(&mailbox_lock);
	hart_serve(h);
}

int main(void)
{
	const char *env = getenv("HARTS");
	const char *mb = getenv("HOST_HEAP_MB");
	unsigned n = env ? (unsigned)atoi(env) : 2;
	size_t heap = (size_t)(mb ? atoi(mb) : 256) << 20;

	if (n < 1 || n > MAX_HARTS)
		n = 2;
	host_init(heap);
	for (unsigned i = 0; i < n; i++) {
		harts[i].index = i;
		harts[i].hartid = i;
		harts[i].role =
		    i > 0 && i == n - 1 ? HART_COLLECTOR : HART_MUTATOR;
	}
	for (unsigned i = 1; i < n; i++) {
		pthread_t tid;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&tid, &attr, hart_thread, &harts[i]) != 0)
			panic("host: cannot start hart %u", i);
		pthread_attr_destroy(&attr);
	}
	pthread_mutex_lock(&mailbox_lock);
	for (unsigned i = 1; i < n; i++)
		while (!harts[i].online)
			pthread_cond_wait(&mailbox_cond, &mailbox_lock);
	pthread_mutex_unlock(&mailbox_lock);
	hart_count = n;
	platform.nharts = n;
	kprintf("# spanfence on the host: %u harts, heap %zu MiB\n", n,
		heap >> 20);
	platform_exit(guest_main());
}
