/*
 * fdt.h - a minimal flattened device tree walker (read-only, no allocation).
 *
 * fdt_walk() calls visit() for every node start, property and node end in
 * document order; depth is 0 for the root node.
 */
#ifndef SPANFENCE_FDT_H
#define SPANFENCE_FDT_H

#include <stdbool.h>
#include <stdint.h>

enum fdt_event { FDT_NODE_BEGIN, FDT_PROP, FDT_NODE_END };

struct fdt_item {
	enum fdt_event event;
	int depth;
	const char *node; /* node name, e.g. "cpu@0" */
	const char *prop; /* property name (FDT_PROP) */
	const void *data; /* property value (big-endian) */
	uint32_t len;	  /* value length in bytes */
};

/* Returns false if fdt is not a device tree blob. */
bool fdt_valid(const void *fdt);
uint32_t fdt_total_size(const void *fdt);
void fdt_walk(const void *fdt,
	      void (*visit)(void *ctx, const struct fdt_item *), void *ctx);

/* Read cell i (32-bit big-endian) of a property value. */
uint32_t fdt_cell(const void *data, unsigned i);
/* Read a value of ncells cells starting at cell i. */
uint64_t fdt_cells(const void *data, unsigned i, unsigned ncells);

#endif
