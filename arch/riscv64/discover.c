/*
 * discover.c - memory and harts from the device tree OpenSBI passes in a1.
 *
 * Memory: the first /memory node's reg. The heap is the largest free range
 * between the end of the image and the end of that region, where "free"
 * leaves out the device tree blob itself (OpenSBI's fw_dynamic and U-Boot put
 * it near the top, U-Boot's fdt_addr_r may put it anywhere), the blob's
 * memory reservation block and every /reserved-memory child with a reg
 * (firmware, coprocessor and "no-map" regions on real boards).
 * Harts: every /cpus/cpu@N whose status is "okay" (or absent), whose
 * riscv,isa is rv64 with the A, F and D extensions and which has an MMU
 * type (a monitor core without S-mode has none). The boot hart comes first;
 * the others follow in device-tree order.
 */
#include <string.h>

#include "fdt.h"
#include "platform.h"
#include "riscv.h"

extern char _end[];
extern unsigned long riscv_boot_hartid;
extern void *riscv_boot_fdt;

#define MAX_RESERVED 32

struct range {
	uint64_t base, end;
};

struct scan {
	struct platform_info *info;
	unsigned addr_cells, size_cells; /* of the root */
	uint64_t mem_base, mem_size;
	bool in_cpus, in_cpu, in_memory, in_resmem;
	uint64_t cpu_reg;
	bool cpu_ok, cpu_isa_ok, cpu_has_mmu;
	unsigned res_addr_cells, res_size_cells; /* of /reserved-memory */
	struct range reserved[MAX_RESERVED];
	unsigned nreserved;
	bool reserved_overflow;
};

static bool prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool isa_usable(const char *isa, uint32_t len)
{
	if (len < 5 || !prefix(isa, "rv64"))
		return false;
	bool a = false, f = false, d = false;
	/* single-letter extensions run until the first '_' */
	for (uint32_t i = 4; i < len && isa[i] != '\0' && isa[i] != '_'; i++) {
		a |= isa[i] == 'a' || isa[i] == 'g';
		f |= isa[i] == 'f' || isa[i] == 'g';
		d |= isa[i] == 'd' || isa[i] == 'g';
	}
	return a && f && d;
}

static void add_hart(struct scan *s)
{
	struct platform_info *info = s->info;

	if (!s->cpu_ok || !s->cpu_isa_ok || !s->cpu_has_mmu)
		return;
	if (s->cpu_reg == riscv_boot_hartid || info->nharts >= MAX_HARTS)
		return;
	info->hartids[info->nharts++] = s->cpu_reg;
}

static void reserve(struct scan *s, uint64_t base, uint64_t size)
{
	if (size == 0)
		return;
	if (s->nreserved >= MAX_RESERVED) {
		s->reserved_overflow = true;
		return;
	}
	s->reserved[s->nreserved++] = (struct range){base, base + size};
}

/* A /reserved-memory child's reg: one or more (address, size) pairs. */
static void reserve_reg(struct scan *s, const struct fdt_item *it)
{
	unsigned na = s->res_addr_cells, ns = s->res_size_cells;
	unsigned cells = it->len / 4;

	for (unsigned i = 0; na + ns > 0 && i + na + ns <= cells; i += na + ns)
		reserve(s, fdt_cells(it->data, i, na),
			fdt_cells(it->data, i + na, ns));
}

/* The blob's memory reservation block: (address, size) pairs of 64-bit
 * big-endian values, ended by a pair of zeros. */
static void reserve_rsvmap(struct scan *s, const void *fdt)
{
	const uint8_t *p = (const uint8_t *)fdt + fdt_cell(fdt, 4);

	for (unsigned i = 0; i < 64; i++, p += 16) {
		uint64_t base = fdt_cells(p, 0, 2), size = fdt_cells(p, 2, 2);
		if (base == 0 && size == 0)
			break;
		reserve(s, base, size);
	}
}

/* The largest 4 KiB-aligned range in [lo, hi) that no reserved range
 * touches; false if there is none. */
static bool largest_free(const struct scan *s, uint64_t lo, uint64_t hi,
			 struct range *best)
{
	best->base = best->end = 0;
	/* A free range starts at lo or where a reserved range ends. */
	for (unsigned i = 0; i <= s->nreserved; i++) {
		uint64_t start = i == s->nreserved ? lo : s->reserved[i].end;
		uint64_t end = hi;
		bool covered = false;

		if (start < lo || start >= hi)
			continue;
		for (unsigned j = 0; j < s->nreserved; j++) {
			const struct range *r = &s->reserved[j];
			if (r->base <= start && start < r->end)
				covered = true;
			else if (r->base > start && r->base < end)
				end = r->base;
		}
		start = (start + 4095) & ~(uint64_t)4095;
		end &= ~(uint64_t)4095;
		if (!covered && end > start &&
		    end - start > best->end - best->base)
			*best = (struct range){start, end};
	}
	return best->end > best->base;
}

static void visit(void *ctx, const struct fdt_item *it)
{
	struct scan *s = ctx;

	if (it->event == FDT_NODE_BEGIN) {
		s->in_cpus |= it->depth == 1 && strcmp(it->node, "cpus") == 0;
		if (it->depth == 1 &&
		    strcmp(it->node, "reserved-memory") == 0) {
			s->in_resmem = true;
			s->res_addr_cells = s->addr_cells;
			s->res_size_cells = s->size_cells;
		}
		s->in_memory = it->depth == 1 && prefix(it->node, "memory") &&
			       s->mem_size == 0;
		if (s->in_cpus && it->depth == 2 && prefix(it->node, "cpu@")) {
			s->in_cpu = true;
			s->cpu_ok = true;
			s->cpu_isa_ok = s->cpu_has_mmu = false;
		}
	} else if (it->event == FDT_NODE_END) {
		if (s->in_cpu && it->depth == 2) {
			add_hart(s);
			s->in_cpu = false;
		}
		if (it->depth == 1)
			s->in_cpus = s->in_memory = s->in_resmem = false;
	} else if (it->depth == 0) {
		if (strcmp(it->prop, "#address-cells") == 0)
			s->addr_cells = fdt_cell(it->data, 0);
		else if (strcmp(it->prop, "#size-cells") == 0)
			s->size_cells = fdt_cell(it->data, 0);
	} else if (s->in_resmem && it->depth == 1) {
		if (strcmp(it->prop, "#address-cells") == 0)
			s->res_addr_cells = fdt_cell(it->data, 0);
		else if (strcmp(it->prop, "#size-cells") == 0)
			s->res_size_cells = fdt_cell(it->data, 0);
	} else if (s->in_resmem && it->depth == 2 &&
		   strcmp(it->prop, "reg") == 0) {
		reserve_reg(s, it);
	} else if (s->in_memory && strcmp(it->prop, "reg") == 0) {
		s->mem_base = fdt_cells(it->data, 0, s->addr_cells);
		s->mem_size = fdt_cells(it->data, s->addr_cells, s->size_cells);
	} else if (s->in_cpu && it->depth == 2) {
		const char *v = it->data;
		if (strcmp(it->prop, "reg") == 0)
			s->cpu_reg = fdt_cells(it->data, 0, it->len / 4);
		else if (strcmp(it->prop, "status") == 0)
			s->cpu_ok = prefix(v, "okay") || prefix(v, "ok");
		else if (strcmp(it->prop, "riscv,isa") == 0)
			s->cpu_isa_ok = isa_usable(v, it->len);
		else if (strcmp(it->prop, "mmu-type") == 0)
			s->cpu_has_mmu = true;
	}
}

void riscv_discover(struct platform_info *info)
{
	struct scan s = {.info = info, .addr_cells = 2, .size_cells = 1};
	uintptr_t fdt = (uintptr_t)riscv_boot_fdt;

	info->nharts = 1;
	info->hartids[0] = riscv_boot_hartid;
	if (!fdt_valid(riscv_boot_fdt))
		panic("no device tree at %p (a1 at entry)", riscv_boot_fdt);
	fdt_walk(riscv_boot_fdt, visit, &s);
	if (s.mem_size == 0)
		panic("device tree at %p has no /memory node", riscv_boot_fdt);

	reserve(&s, fdt, fdt_total_size(riscv_boot_fdt));
	reserve_rsvmap(&s, riscv_boot_fdt);
	if (s.reserved_overflow)
		kprintf("# more than %u reserved memory ranges: the heap may "
			"overlap the ones left out\n",
			MAX_RESERVED);

	struct range heap;
	if (!largest_free(&s, (uintptr_t)_end, s.mem_base + s.mem_size, &heap))
		panic("no free memory between the image end %p and the end of "
		      "RAM %lx",
		      (void *)_end, (unsigned long)(s.mem_base + s.mem_size));
	info->ram_size = s.mem_size;
	info->mem_base = (uintptr_t)heap.base;
	info->mem_end = (uintptr_t)heap.end;
}
