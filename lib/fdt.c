/*
 * fdt.c - walk a flattened device tree (devicetree specification v0.3,
 * chapter 5): a header, then a structure block of big-endian tokens
 * BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP and END.
 */
#include "fdt.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP_TOKEN 3
#define FDT_NOP	       4
#define FDT_END	       9

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

uint32_t fdt_cell(const void *data, unsigned i)
{
	return be32((const uint8_t *)data + 4 * i);
}

uint64_t fdt_cells(const void *data, unsigned i, unsigned ncells)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < ncells; k++)
		v = v << 32 | fdt_cell(data, i + k);
	return v;
}

bool fdt_valid(const void *fdt)
{
	return fdt != 0 && be32(fdt) == FDT_MAGIC;
}

uint32_t fdt_total_size(const void *fdt)
{
	return be32((const uint8_t *)fdt + 4);
}

static uint32_t align4(uint32_t n)
{
	return (n + 3) & ~3u;
}

void fdt_walk(const void *fdt,
	      void (*visit)(void *ctx, const struct fdt_item *), void *ctx)
{
	const uint8_t *base = fdt;
	const uint8_t *p = base + be32(base + 8); /* off_dt_struct */
	const char *strings = (const char *)base + be32(base + 12);
	const char *names[32];
	int depth = -1;

	for (;;) {
		uint32_t token = be32(p);
		struct fdt_item item = {0};

		p += 4;
		switch (token) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)p;
			uint32_t n = 0;

			while (name[n] != '\0')
				n++;
			p += align4(n + 1);
			if (++depth >= 32)
				return;
			names[depth] = name;
			item = (struct fdt_item){
			    FDT_NODE_BEGIN, depth, name, 0, 0, 0};
			visit(ctx, &item);
			break;
		}
		case FDT_END_NODE:
			if (depth < 0)
				return;
			item = (struct fdt_item){
			    FDT_NODE_END, depth, names[depth], 0, 0, 0};
			visit(ctx, &item);
			depth--;
			break;
		case FDT_PROP_TOKEN: {
			uint32_t len = be32(p);
			uint32_t nameoff = be32(p + 4);

			p += 8;
			if (depth >= 0) {
				item = (struct fdt_item){
				    FDT_PROP,	       depth, names[depth],
				    strings + nameoff, p,     len};
				visit(ctx, &item);
			}
			p += align4(len);
			break;
		}
		case FDT_NOP:
			break;
		default: /* FDT_END or a corrupt token */
			return;
		}
	}
}
