/*
 * markqueue.c - work buffers of grey objects and the pool that hands them
 * from the harts that shade (barriers, self-scans, assists) to the harts
 * that scan (the driver, assists). The pool is two lists under one
 * spinlock: SPIN_UNLOCK / SPIN_LOCK order a buffer's contents before
 * whoever takes it. Buffers come from malloc and are kept for reuse.
 */
#include "gc.h"

struct gc_wbuf *gc_wbuf_get(void)
{
	struct gc_wbuf *b;

	spin_lock(&gc.pool_lock);
	b = gc.pool_free;
	if (b != NULL)
		gc.pool_free = b->next;
	spin_unlock(&gc.pool_lock);
	if (b == NULL) {
		b = sf_malloc(sizeof(*b));
		if (b == NULL)
			panic("gc: no memory for a work buffer");
	}
	b->next = NULL;
	b->n = 0;
	return b;
}

void gc_wbuf_put_free(struct gc_wbuf *b)
{
	spin_lock(&gc.pool_lock);
	b->next = gc.pool_free;
	gc.pool_free = b;
	spin_unlock(&gc.pool_lock);
}

void gc_wbuf_put_full(struct gc_wbuf *b)
{
	spin_lock(&gc.pool_lock);
	b->next = gc.pool_full;
	gc.pool_full = b;
	shared_store64(&gc.pool_n, shared_load64(&gc.pool_n) + 1);
	spin_unlock(&gc.pool_lock);
}

struct gc_wbuf *gc_wbuf_take_full(void)
{
	struct gc_wbuf *b;

	if (shared_load64(&gc.pool_n) == 0)
		return NULL;
	spin_lock(&gc.pool_lock);
	b = gc.pool_full;
	if (b != NULL) {
		gc.pool_full = b->next;
		shared_store64(&gc.pool_n, shared_load64(&gc.pool_n) - 1);
	}
	spin_unlock(&gc.pool_lock);
	return b;
}

bool gc_pool_empty(void)
{
	return shared_load64(&gc.pool_n) == 0;
}

/* Hand gh's buffer to the pool (by gh's hart, or by the driver while gh
 * is stopped or idle). */
void gc_hart_flush(struct gc_hart *gh)
{
	struct gc_wbuf *b = gh->wbuf;

	if (b == NULL)
		return;
	gh->wbuf = NULL;
	if (b->n != 0)
		gc_wbuf_put_full(b);
	else
		gc_wbuf_put_free(b);
}

/* Queue a grey object on gh's buffer (its own hart). */
void gc_hart_push(struct gc_hart *gh, void *obj)
{
	struct gc_wbuf *b = gh->wbuf;

	if (b == NULL)
		b = gh->wbuf = gc_wbuf_get();
	b->obj[b->n++] = obj;
	if (b->n == GC_WBUF_CAP) {
		gh->wbuf = NULL;
		gc_wbuf_put_full(b);
	}
}

/* The driver's (or an assist's) local mark stack. */
void gc_marker_push(struct gc_marker *m, void *obj)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 4096;
		void **s = sf_malloc(cap * sizeof(void *));
		if (s == NULL)
			panic("gc: no memory for a mark stack of %zu", cap);
		for (size_t i = 0; i < m->n; i++)
			s[i] = m->stack[i];
		sf_free(m->stack);
		m->stack = s;
		m->cap = cap;
	}
	m->stack[m->n++] = obj;
}

/* Move up to a buffer's worth of the local stack to the pool, so that
 * assists find work while the driver holds a deep stack. */
void gc_marker_donate(struct gc_marker *m)
{
	struct gc_wbuf *b = gc_wbuf_get();

	while (b->n < GC_WBUF_CAP && m->n > 0)
		b->obj[b->n++] = m->stack[--m->n];
	gc_wbuf_put_full(b);
}

/* Refill the local stack from the pool; false if the pool is empty. */
bool gc_marker_refill(struct gc_marker *m)
{
	struct gc_wbuf *b = gc_wbuf_take_full();

	if (b == NULL)
		return false;
	for (uint32_t i = 0; i < b->n; i++)
		gc_marker_push(m, b->obj[i]);
	gc_wbuf_put_free(b);
	return true;
}

void gc_marker_free(struct gc_marker *m)
{
	sf_free(m->stack);
	m->stack = NULL;
	m->n = m->cap = 0;
}
