/*
 * demo.c - what `make run` shows: the banner, the memory found, every hart
 * and its role, each hart saying hello through newlib's printf.
 */
#include <stdio.h>

#include "hart.h"
#include "platform.h"

static void *hello(void *arg)
{
	(void)arg;
	struct hart *h = this_hart();

	printf("hart %u (hartid %lu): hello, I am a %s\n", h->index, h->hartid,
	       hart_role_name(h->role));
	return NULL;
}

int main(void)
{
	printf("spanfence demo on %s\n", platform.board);
	printf("memory: %lu MiB RAM, %lu MiB for the heap\n",
	       (unsigned long)(platform.ram_size >> 20),
	       (unsigned long)((platform.mem_end - platform.mem_base) >> 20));
	printf("harts: %u\n", hart_count);
	hello(NULL);
	for (unsigned i = 1; i < hart_count; i++) {
		hart_call(&harts[i], hello, NULL);
		hart_wait(&harts[i]);
	}
	printf("demo done\n");
	return 0;
}
