/*
 * MIPS Malta (QEMU -M malta -cpu 5KEf), MIPS64 R2, little-endian.
 *
 * Boot: QEMU loads the ELF (-kernel) and every CPU runs QEMU's boot loader,
 * which jumps to the ELF entry with a0 = -1, a1 = argv, a2 = envp (YAMON
 * style: 32-bit pointers to "name", "value" pairs), a3 = the RAM size below
 * 256 MiB. U-Boot's bootm instead enters with a0 = argc, a2 = envp: 64-bit
 * pointers to "name=value" strings ending in NULL, with memsize in MiB, and
 * a3 = 0. There is no CPU count anywhere for a non-CPS core: the CPUs are
 * counted as they arrive at their release words (entry.S).
 *
 * Memory: the first 256 MiB of RAM are at physical 0, seen through KSEG0;
 * RAM beyond that (-m > 256M) is not reachable unmapped and is not used.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asm/counter.h"
#include "asm/percpu.h"
#include "platform.h"
#include "uart16550.h"

#define KSEG0	   0xffffffff80000000ull
#define KSEG1	   0xffffffffa0000000ull
#define LOWMEM_MAX (256ull << 20)

/* GT-64120 board's software reset register: 0x42 resets (with -no-reboot:
 * QEMU exits, status 0). */
#define MALTA_GORESET ((volatile uint32_t *)0xffffffffbf000500ull)
#define GORESET_VALUE 0x42

/* QEMU malta: 320 MHz CPU clock, Count = clock / 2 with the period rounded
 * down to 6 ns: 166666666 Hz (measured against host time). */
const uint64_t mips_count_hz = 166666666;

extern char _end[];

/* ISA COM1 16550 (physical 0x180003f8) through KSEG1; registers 1 byte apart */
static struct uart16550 uart = {
    .base = 0xffffffffb80003f8ull, .io_width = 1, .init = true};

void platform_putc(char c)
{
	uart16550_putc(&uart, c);
}

void platform_exit(int status)
{
	mips_uhi_exit(status);
	*MALTA_GORESET = GORESET_VALUE;
	for (;;)
		__asm__ volatile("wait");
}

/* Value of a YAMON environment variable, or NULL. */
static const char *yamon_env(const char *name)
{
	uint64_t envp = mips_boot_args[2];
	const int32_t *e;

	if (envp < KSEG0 || envp >= KSEG0 + LOWMEM_MAX || (envp & 3))
		return NULL;
	e = (const int32_t *)(uintptr_t)envp;
	for (int i = 0; i < 64 && e[i] && e[i + 1]; i += 2) {
		const char *k = (const char *)(intptr_t)e[i];
		const char *n = name;

		while (*n && *k == *n)
			k++, n++;
		if (!*n && !*k)
			return (const char *)(intptr_t)e[i + 1];
	}
	return NULL;
}

/* Value of a U-Boot environment variable passed to bootm, or NULL. */
static const char *uboot_env(const char *name)
{
	uint64_t envp = mips_boot_args[2];
	const char *const *e;

	/* U-Boot passes it through KSEG1 (uncached) */
	bool kseg0 = envp >= KSEG0 && envp < KSEG0 + LOWMEM_MAX;
	bool kseg1 = envp >= KSEG1 && envp < KSEG1 + LOWMEM_MAX;
	if (!(kseg0 || kseg1) || (envp & 7))
		return NULL;
	e = (const char *const *)(uintptr_t)envp;
	for (int i = 0; i < 64 && e[i]; i++) {
		const char *k = e[i];
		const char *n = name;

		while (*n && *k == *n)
			k++, n++;
		if (!*n && *k == '=')
			return k + 1;
	}
	return NULL;
}

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;

	if (!s)
		return 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

void platform_discover(struct platform_info *info)
{
	bool from_uboot = mips_boot_args[0] != (uint64_t)-1;
	uint64_t low = mips_boot_args[3]; /* a3: RAM below 256 MiB */
	uint64_t total = from_uboot ? 0 : parse_u64(yamon_env("ememsize"));

	if (from_uboot)
		low = parse_u64(uboot_env("memsize")) << 20;
	else if (low == 0 || low > LOWMEM_MAX || (low & 0xfffff))
		low = parse_u64(yamon_env("memsize"));
	if (low == 0 || low > LOWMEM_MAX)
		low = 32ull << 20; /* Malta's minimum: never reached on QEMU */
	if (total < low)
		total = low;

	info->board = "mips64-malta";
	info->mem_base = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;
	info->mem_end = (uintptr_t)(KSEG0 + low);
	info->ram_size = (size_t)total;
	/*
	 * No CPU count: stop 100 ms after the last arrival, 1 s at most. With
	 * QEMU's default single-threaded TCG every CPU arrives during our first
	 * idle wait; the margin is for a busy host, where a CPU may not run at
	 * all for a while (50 ms was seen to miss one, once in a few hundred
	 * boots on a host loaded 2.5x over its cores).
	 */
	mips_collect_cpus(info, 0, mips_count_hz / 10, mips_count_hz);
}
