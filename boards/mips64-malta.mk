# MIPS Malta, QEMU -M malta -cpu 5KEf (MIPS64 R2, little-endian), -kernel ELF.
ARCH := mips64
CROSS := mips64el-linux-gnuabi64-
# The newlib build's code generation flags. Debian's gas applies the
# Loongson-3 LL/SC workaround by default: not on this board.
ARCH_CFLAGS := -mabi=64 -march=mips64r2 -mno-abicalls -fno-pic -G0 \
	-Wa,-mno-fix-loongson3-llsc
NEWLIB := mips64el
IMAGE_EXT := .elf
MEM_DEFAULT := 256M
QEMU_CMD = qemu-system-mips64el -M malta -cpu 5KEf -smp $(HARTS) -m $(MEM) \
	-nographic -monitor none -no-reboot \
	-semihosting-config enable=on,target=native
QEMU_IMAGE := -kernel
