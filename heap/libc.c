/*
 * libc.c - the C library's allocation functions on the boards (not built on
 * the host): the standard names and newlib's reentrant _malloc_r family, so
 * that newlib itself (stdio buffers, strdup, ...) allocates from this heap
 * and newlib's own malloc is never linked.
 */
#include <errno.h>
#include <malloc.h>
#include <reent.h>
#include <stdlib.h>

#include "spanfence.h"

/* malloc and free are aliases of sf_malloc and sf_free (heap/malloc.c). */

void *calloc(size_t n, size_t size)
{
	return sf_calloc(n, size);
}
void *realloc(void *p, size_t size)
{
	return sf_realloc(p, size);
}
void *memalign(size_t align, size_t size)
{
	return sf_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	return sf_posix_memalign(out, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return sf_aligned_alloc(align, size);
}

size_t malloc_usable_size(void *p)
{
	return sf_malloc_usable_size(p);
}

/* newlib's reentrant entry points report errors in r->_errno. */
void *_malloc_r(struct _reent *r, size_t size)
{
	void *p = sf_malloc(size);

	if (p == NULL)
		r->_errno = ENOMEM;
	return p;
}

void _free_r(struct _reent *r, void *p)
{
	(void)r;
	sf_free(p);
}

void *_calloc_r(struct _reent *r, size_t n, size_t size)
{
	void *p = sf_calloc(n, size);

	if (p == NULL)
		r->_errno = ENOMEM;
	return p;
}

void *_realloc_r(struct _reent *r, void *p, size_t size)
{
	void *q = sf_realloc(p, size);

	if (q == NULL && size != 0)
		r->_errno = ENOMEM;
	return q;
}

void *_memalign_r(struct _reent *r, size_t align, size_t size)
{
	void *p = sf_memalign(align, size);

	if (p == NULL)
		r->_errno = errno;
	return p;
}

size_t _malloc_usable_size_r(struct _reent *r, void *p)
{
	(void)r;
	return sf_malloc_usable_size(p);
}
