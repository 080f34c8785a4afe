/*
 * heap_threads_test.c - several harts (threads) at once: allocating and
 * freeing each other's objects, producer/consumer, spans moving through
 * central, and span_of() on another hart for every newly published span.
 * Meant to be clean under ThreadSanitizer.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "host.h"
#include "spanfence.h"
#include "tap.h"

#define HEAP_SIZE (512u << 20)
#define NHARTS	  4

/* A mutex-protected queue of pointers, storage from the C library. */
struct queue {
	pthread_mutex_t lock;
	void **items;
	size_t n, cap;
};

static void queue_init(struct queue *q)
{
	pthread_mutex_init(&q->lock, NULL);
	q->items = NULL;
	q->n = q->cap = 0;
}

static void queue_push(struct queue *q, void *p)
{
	pthread_mutex_lock(&q->lock);
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 256;
		q->items = realloc(q->items, q->cap * sizeof(void *));
	}
	q->items[q->n++] = p;
	pthread_mutex_unlock(&q->lock);
}

static void *queue_pop(struct queue *q)
{
	void *p = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->n > 0)
		p = q->items[--q->n];
	pthread_mutex_unlock(&q->lock);
	return p;
}

static size_t queue_len(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->n;
	pthread_mutex_unlock(&q->lock);
	return n;
}

static void queue_destroy(struct queue *q)
{
	free(q->items);
	pthread_mutex_destroy(&q->lock);
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t random_size(uint64_t *rng)
{
	uint64_t r = next_rand(rng);

	switch (r % 20) {
	case 0:
		return SMALL_MAX + 1 + (r >> 8) % 200000; /* large */
	case 1:
	case 2:
	case 3:
		return 1 + (r >> 8) % SMALL_MAX;
	default:
		return 1 + (r >> 8) % 300;
	}
}

/*
 * Objects carry a pattern in their first 64 bytes, their size in the first
 * word when there is room, and a tag in their last byte.
 */
static void *obj_alloc(size_t size)
{
	uint8_t *p = sf_malloc(size);

	if (!CHECK(p != NULL))
		return NULL;
	for (size_t i = 0; i < size && i < 64; i++)
		p[i] = (uint8_t)((uintptr_t)p + i);
	if (size >= 16)
		memcpy(p, &size, sizeof(size));
	p[size - 1] = (uint8_t)(size * 13);
	return p;
}

static void obj_free(uint8_t *p, size_t size)
{
	size_t first = 0;

	if (size >= 16) {
		size_t head;

		memcpy(&head, p, sizeof(head));
		CHECK(head == size);
		first = sizeof(size);
	}
	for (size_t i = first; i < size - 1 && i < 64; i++)
		if (!CHECK(p[i] == (uint8_t)((uintptr_t)p + i)))
			break;
	CHECK(p[size - 1] == (uint8_t)(size * 13));
	sf_free(p);
}

static void check_all_free(void)
{
	struct heap_stats st;

	heap_cache_flush();
	heap_get_stats(&st);
	CHECK(st.pages_free == st.pages_total);
	CHECK(st.small_spans == 0 && st.large_spans == 0);
}

/* --- every hart frees the others' objects -------------------------- */

struct item {
	void *p;
	size_t size;
};

static struct queue inboxes[NHARTS + 1];
static pthread_barrier_t phase;

static void item_send(unsigned to, void *p, size_t size)
{
	struct item *it = malloc(sizeof(*it));

	it->p = p;
	it->size = size;
	queue_push(&inboxes[to], it);
}

static int item_free_one(unsigned me)
{
	struct item *it = queue_pop(&inboxes[me]);

	if (it == NULL)
		return 0;
	obj_free(it->p, it->size);
	free(it);
	return 1;
}

static void cross_worker(struct hart *h, void *arg)
{
	enum { KEEP = 64 };
	unsigned rounds = *(unsigned *)arg;
	uint64_t rng = 0x9e3779b97f4a7c15ull * (h->index + 1);
	struct item keep[KEEP] = {{0}};

	for (unsigned r = 0; r < rounds; r++) {
		size_t size = random_size(&rng);
		void *p = obj_alloc(size);
		uint64_t x = next_rand(&rng);

		if (p == NULL)
			break;
		if (x % 2 == 0) {
			unsigned to = 1 + (unsigned)(x >> 8) % NHARTS;

			item_send(to, p, size);
		} else {
			struct item *k = &keep[(x >> 8) % KEEP];

			if (k->p != NULL)
				obj_free(k->p, k->size);
			k->p = p;
			k->size = size;
		}
		if (x % 3 != 0)
			item_free_one(h->index);
		/* spans move to central and back while others free into them */
		if (x % 509 == 0)
			heap_cache_flush();
	}
	pthread_barrier_wait(&phase); /* nobody sends any more */
	while (item_free_one(h->index))
		;
	for (int i = 0; i < KEEP; i++)
		if (keep[i].p != NULL)
			obj_free(keep[i].p, keep[i].size);
	pthread_barrier_wait(&phase); /* nobody frees any more */
	/*
	 * The first flush may forward objects to harts that flushed already;
	 * after it every span is central's, so the second one ends it.
	 */
	heap_cache_flush();
	pthread_barrier_wait(&phase);
	heap_cache_flush();
}

static void cross_frees(void)
{
	unsigned rounds = 60000;

	pthread_barrier_init(&phase, NULL, NHARTS);
	for (int i = 0; i <= NHARTS; i++)
		queue_init(&inboxes[i]);
	host_harts_start(NHARTS, cross_worker, &rounds);
	for (int i = 0; i <= NHARTS; i++)
		queue_destroy(&inboxes[i]);
	pthread_barrier_destroy(&phase);
	check_all_free();
}

/* --- producer / consumer: every free is remote ------------------------ */

static volatile uint32_t producer_done;

static void pipe_worker(struct hart *h, void *arg)
{
	unsigned n = *(unsigned *)arg;
	uint64_t rng = 12345;

	if (h->index == 1) {
		for (unsigned i = 0; i < n; i++) {
			size_t size = 1 + next_rand(&rng) % 512;
			void *p = obj_alloc(size);

			item_send(0, p, size);
			/* keep the queue short so objects come back */
			while (i % 64 == 0 && queue_len(&inboxes[0]) > 1000)
				sched_yield();
		}
		__atomic_store_n(&producer_done, 1, __ATOMIC_RELEASE);
	} else {
		for (;;) {
			int done =
			    __atomic_load_n(&producer_done, __ATOMIC_ACQUIRE);

			if (!item_free_one(0) && done)
				break;
		}
	}
	pthread_barrier_wait(&phase);
	heap_cache_flush();
}

static void producer_consumer(void)
{
	unsigned n = 200000;

	queue_init(&inboxes[0]);
	pthread_barrier_init(&phase, NULL, 2);
	producer_done = 0;
	host_harts_start(2, pipe_worker, &n);
	pthread_barrier_destroy(&phase);
	queue_destroy(&inboxes[0]);
	check_all_free();
}

/* --- spans through central --------------------------------------------- */

enum { CENTRAL_OBJECTS = 20000 };
static void *central_objs[CENTRAL_OBJECTS];

static size_t central_size(unsigned i)
{
	return 16 + (i % 4) * 48;
}

static void central_worker(struct hart *h, void *arg)
{
	(void)arg;
	if (h->index <= 2) {
		/* harts 1 and 2 free the objects hart 0 left to central */
		for (unsigned i = h->index - 1; i < CENTRAL_OBJECTS; i += 2)
			obj_free(central_objs[i], central_size(i));
	} else {
		/* harts 3 and 4 allocate the same classes meanwhile */
		void *mine[4096];

		for (int round = 0; round < 8; round++) {
			for (unsigned i = 0; i < 4096; i++)
				mine[i] = obj_alloc(central_size(i));
			for (unsigned i = 0; i < 4096; i++)
				obj_free(mine[i], central_size(i));
		}
	}
	heap_cache_flush();
}

static void through_central(void)
{
	for (unsigned i = 0; i < CENTRAL_OBJECTS; i++)
		central_objs[i] = obj_alloc(central_size(i));
	heap_cache_flush(); /* hart 0's spans now belong to central */
	host_harts_start(4, central_worker, NULL);
	check_all_free();
}

/* --- span_of() on another hart after the pointer is published --------- */

static void *volatile published;
static volatile uint32_t seen;

static void publish_worker(struct hart *h, void *arg)
{
	unsigned n = *(unsigned *)arg;

	if (h->index == 1) {
		uint64_t rng = 777;

		for (unsigned i = 0; i < n; i++) {
			size_t size = random_size(&rng);
			void *p = sf_malloc(size);

			CHECK(p != NULL);
			shared_store_ptr(&published, p);
			while (shared_load32(&seen) != i + 1)
				;
			sf_free(p);
		}
		heap_cache_flush();
	} else {
		for (unsigned i = 0; i < n; i++) {
			void *p;

			while ((p = shared_load_ptr(&published)) == NULL)
				;
			struct span *s = span_of(p);
			uint32_t state =
			    s ? shared_load32(&s->state) : SPAN_FREE;
			CHECK(span_state_has_objects(state));
			CHECK(s != NULL && (uintptr_t)p >= s->base &&
			      (uintptr_t)p < s->base + ((uintptr_t)s->npages
							<< PAGE_SHIFT));
			shared_store_ptr(&published, NULL);
			shared_store32(&seen, i + 1);
		}
	}
}

static void span_of_after_publish(void)
{
	unsigned n = 20000;

	published = NULL;
	seen = 0;
	host_harts_start(2, publish_worker, &n);
	check_all_free();
}

int main(void)
{
	host_init(HEAP_SIZE);
	tap_case("4 harts free each other's objects", cross_frees);
	tap_case("producer/consumer: every free is remote", producer_consumer);
	tap_case("spans through central while harts allocate", through_central);
	tap_case("span_of on another hart sees each published span",
		 span_of_after_publish);
	return tap_done();
}
