/*
 * discover.c - memory and harts from the device tree OpenSBI passes in a1.
 *
 * Memory: the first /memory node's reg. Usable heap memory runs from the end
 * of the image to the end of that region, stopping below the device tree
 * blob if it lies inside it (OpenSBI's fw_dynamic puts it near the top).
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

struct scan {
	struct platform_info *info;
	unsigned addr_cells, size_cells; /* of the root */
	uint64_t mem_base, mem_size;
	bool in_cpus, in_cpu, in_memory;
	uint64_t cpu_reg;
	bool cpu_ok, cpu_isa_ok, cpu_has_mmu;
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

static void visit(void *ctx, const struct fdt_item *it)
{
	struct scan *s = ctx;

	if (it->event == FDT_NODE_BEGIN) {
		s->in_cpus |= it->depth == 1 && strcmp(it->node, "cpus") == 0;
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
			s->in_cpus = s->in_memory = false;
	} else if (it->depth == 0) {
		if (strcmp(it->prop, "#address-cells") == 0)
			s->addr_cells = fdt_cell(it->data, 0);
		else if (strcmp(it->prop, "#size-cells") == 0)
			s->size_cells = fdt_cell(it->data, 0);
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

	uintptr_t end = (uintptr_t)(s.mem_base + s.mem_size);
	if (fdt > (uintptr_t)_end && fdt < end)
		end = fdt;
	info->ram_size = s.mem_size;
	info->mem_base = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;
	info->mem_end = end & ~(uintptr_t)4095;
}
