/*
 * central.c - small spans owned by no hart, per class under a spinlock
 * (see heap.h, "CENTRAL LISTS"). A span gets here from heap_cache_flush()
 * and leaves to the first hart whose refill finds it, or to the page heap
 * once its last object is freed.
 */
#include "console.h"
#include "heap.h"

struct central {
	struct spinlock lock;
	struct span_list partial; /* some slot free */
	struct span_list full;	  /* span->full */
} __attribute__((aligned(64)));

static struct central centrals[NUM_SIZE_CLASSES];

struct span *central_acquire(unsigned cls, struct heap_cache *owner)
{
	struct central *k = &centrals[cls];
	struct span *s;

	spin_lock(&k->lock);
	s = span_list_pop(&k->partial);
	if (s != NULL)
		span_set_owner(s, owner);
	spin_unlock(&k->lock);
	return s;
}

/* Take over a span from a flushing hart (its window already dropped). */
void central_release(struct span *s)
{
	struct central *k = &centrals[s->sizeclass];

	spin_lock(&k->lock);
	span_set_owner(s, NULL);
	if (span_nalloc(s) == 0) {
		span_free(s);
	} else if (s->full || span_nalloc(s) == s->nelems) {
		s->full = 1;
		span_set_relist(s, span_full_relist(s));
		span_list_push(&k->full, s);
	} else {
		span_set_relist(s, 0);
		span_list_push(&k->partial, s);
	}
	spin_unlock(&k->lock);
}

/*
 * Free slot idx (its guard bit set by the caller) of a span central owns.
 * False if a hart acquired the span first: the caller forwards p to it.
 */
bool central_free(struct span *s, unsigned idx, const void *p)
{
	struct central *k = &centrals[s->sizeclass];
	struct span_bits *b = &s->bits[idx / 64];
	uint64_t bit = 1ull << (idx % 64);
	bool freed;

	spin_lock(&k->lock);
	if (span_owner(s) != NULL) {
		spin_unlock(&k->lock);
		return false;
	}
	span_guard_clear(&s->remote[idx / 64], bit);
	freed = (b->alloc & bit) != 0;
	if (freed) {
		b->alloc &= ~bit;
		if (--s->countdown == 0) {
			span_list_remove(s->full ? &k->full : &k->partial, s);
			s->full = 0;
			span_set_relist(s, 0);
			if (span_nalloc(s) != 0)
				span_list_push(&k->partial, s);
			else
				span_free(s);
		}
	}
	spin_unlock(&k->lock);
	if (!freed)
		heap_report("free", p, s,
			    "double free (the block is already free)");
	return true;
}
