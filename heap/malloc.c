/*
 * malloc.c - the C allocation API. The small malloc and free fast paths are
 * here, a few lines each: no lock, no atomic (see heap.h).
 */
#include <errno.h>
#include <string.h>

#include "heap.h"
#include "spanfence.h"

#define likely(x) __builtin_expect(!!(x), 1)

static HEAP_SLOW void *small_alloc_slow(struct heap_cache *c, size_t cls)
{
	struct span *s = cache_refill(c, cls);

	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return span_take(s);
}

static inline void *small_alloc(size_t cls)
{
	struct heap_cache *c = heap_my_cache();
	struct span *s = c->alloc[cls];

	if (likely(s->alloccache != 0))
		return span_take(s);
	return small_alloc_slow(c, cls);
}

/* size first: it stays in the first argument register on the way here */
static HEAP_SLOW void *malloc_slow(size_t size, struct heap_cache *c)
{
	if (size <= SMALL_MAX)
		return small_alloc_slow(c, size_class(size));
	return large_alloc(size, 1);
}

/*
 * The fast path: the current span of the size's class straight from the
 * direct table (no class lookup), the lowest slot of its window.
 */
void *sf_malloc(size_t size)
{
	struct heap_cache *c = heap_my_cache();
	struct span *s;

	if (likely(size <= 1024)) {
		/* (size + 7) & ~7, as a mask that fits an immediate */
		s = *(struct span **)((char *)c->direct + ((size + 7) & 0x7f8));
		if (likely(s->alloccache != 0))
			return span_take(s);
	} else if (size <= SMALL_MAX) {
		s = c->direct[direct_index(size)];
		if (likely(s->alloccache != 0))
			return span_take(s);
	}
	return malloc_slow(size, c);
}

/*
 * --s->countdown != 0. MIPS: each path stores the count itself, so that
 * both of free's last delay slots are filled; elsewhere one decrement (x86
 * does it in memory).
 */
static inline bool countdown_dec(struct span *s)
{
#if defined(__mips__)
	uint32_t left = s->countdown - 1;

	if (likely(left != 0)) {
		s->countdown = left;
		return true;
	}
	s->countdown = 0;
	return false;
#else
	return --s->countdown != 0;
#endif
}

/*
 * The fast path: a small span this hart owns (the owner word is this
 * cache: nobody else stores it there), p a slot start whose alloc bit is
 * set (one test covers interior pointers and double frees; other cases
 * take the slow path, which tells them apart). No lock, no atomic. A
 * remote guard bit is not checked here: see "Local free" in heap.h.
 */
void sf_free(void *p)
{
	struct heap_cache *c = heap_my_cache();
	uintptr_t off = (uintptr_t)p - c->arena;

	if (likely(off < c->arena_size)) {
		struct span *s =
		    shared_load_ptr(&c->spanmap[off >> PAGE_SHIFT]);

		if (likely(s != NULL && span_owner(s) == c)) {
			/* divmul < 2^31: lw's sign extension is the value */
			int64_t dm = (int32_t)s->divmul;
			uint64_t m = ((uintptr_t)p - s->base) * (uint64_t)dm;
			/* slot m >> 32 < 512: bits[] even for a tail pointer */
			struct span_bits *b = &s->bits[m >> 38];
			/* the slot's bit if p is its start, else 0 */
			uint64_t bit = (uint64_t)((uint32_t)m < (uint32_t)dm)
				       << ((m >> 32) & 63);
			uint64_t alloc = b->alloc;

			if (likely((alloc & bit) != 0)) {
				b->alloc = alloc ^ bit;
				if (likely(countdown_dec(s)))
					return;
				cache_span_changed(c, s);
				return;
			}
		}
	}
	cache_free_slow(c, p);
}

/*
 * On the boards (heap/libc.c has the rest of the C library's names) malloc
 * and free are these functions themselves, not wrappers: no extra jump.
 */
#if defined(__riscv) || defined(__mips__)
void *malloc(size_t size) __attribute__((alias("sf_malloc")));
void free(void *p) __attribute__((alias("sf_free")));
#endif

void *sf_calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	p = sf_malloc(total);
	if (p != NULL)
		memset(p, 0, total);
	return p;
}

static size_t block_size(const struct span *s)
{
	if (s->sizeclass != 0)
		return s->elemsize;
	return (size_t)s->npages << PAGE_SHIFT;
}

void *sf_realloc(void *p, size_t size)
{
	struct span *s;
	size_t old;
	void *q;

	if (p == NULL)
		return sf_malloc(size);
	if (size == 0) {
		sf_free(p);
		return NULL;
	}
	s = heap_block_live(heap_my_cache(), p, "realloc");
	if (s == NULL)
		return NULL;
	old = block_size(s);
	if (s->sizeclass != 0
		? size <= SMALL_MAX && size_class(size) == s->sizeclass
		: size > SMALL_MAX && size <= old && size > old - PAGE_SIZE)
		return p;
	q = sf_malloc(size);
	if (q == NULL)
		return NULL;
	memcpy(q, p, old < size ? old : size);
	sf_free(p);
	return q;
}

void *sf_memalign(size_t align, size_t size)
{
	if (align == 0 || (align & (align - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	if (align <= 16)
		return sf_malloc(size);
	if (size <= SMALL_MAX && align <= PAGE_SIZE) {
		/* Spans are page-aligned: a class that is a multiple of align
		 * gives aligned slots. Powers of two are classes: this ends. */
		size_t cls = size_class(size < align ? align : size);

		while (size_classes[cls].size % align != 0)
			cls++;
		return small_alloc(cls);
	}
	return large_alloc(size, align);
}

int sf_posix_memalign(void **out, size_t align, size_t size)
{
	int saved = errno;
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = sf_memalign(align, size);
	errno = saved;
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void *sf_aligned_alloc(size_t align, size_t size)
{
	return sf_memalign(align, size);
}

size_t sf_malloc_usable_size(void *p)
{
	struct span *s;

	if (p == NULL)
		return 0;
	s = heap_block_live(heap_my_cache(), p, "malloc_usable_size");
	return s != NULL ? block_size(s) : 0;
}
