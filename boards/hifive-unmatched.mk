# hifive-unmatched: SiFive HiFive Unmatched (FU740), a real board booted by
# U-Boot SPL -> OpenSBI -> U-Boot (S-mode), which loads the image made by
# `make image BOARD=hifive-unmatched` (tools/image.sh) from SD card, USB,
# NVMe or TFTP. Linked at U-Boot's kernel_addr_r, 0x84000000.
#
# QEMU has no FU740 model. Its sifive_u machine models the FU540 of the
# HiFive Unleashed, which shares what this image relies on: RAM at
# 0x80000000, the SiFive UART at 0x10010000, and hart 0 an E51 monitor core
# without S-mode (rv64imac, no mmu-type) next to U54 harts. With -smp N it
# has N-1 usable harts, so HARTS=n asks for n+1 CPUs. It has no power-off
# device: SBI SRST shutdown is refused there and the image halts after
# printing its exit status (tests/uboot/realboard-test.sh judges the log).
ARCH := riscv64
CROSS := riscv64-unknown-elf-
ARCH_CFLAGS := -march=rv64gc -mabi=lp64d -mcmodel=medany
NEWLIB := riscv64
IMAGE_EXT := .elf
MEM_DEFAULT := 512M
OPENSBI := /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
QEMU_CMD = qemu-system-riscv64 -M sifive_u -smp $(shell echo $$(($(HARTS) + 1))) \
	-m $(MEM) -nographic -monitor none -bios $(OPENSBI) $(QEMU_EXTRA)
QEMU_IMAGE := -kernel
