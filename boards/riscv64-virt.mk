# riscv64-virt: QEMU virt, OpenSBI from Debian's opensbi package, S-mode kernel.
ARCH := riscv64
CROSS := riscv64-unknown-elf-
ARCH_CFLAGS := -march=rv64gc -mabi=lp64d -mcmodel=medany
NEWLIB := riscv64
IMAGE_EXT := .elf
MEM_DEFAULT := 256M
OPENSBI := /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
QEMU_CMD = qemu-system-riscv64 -M virt -smp $(HARTS) -m $(MEM) -nographic \
	-monitor none -bios $(OPENSBI) $(QEMU_EXTRA)
QEMU_IMAGE := -kernel
