# QEMU loongson3-virt, -cpu Loongson-3A1000 (MIPS64 R2, little-endian); the
# image is the boot ROM (-bios IMAGE.bin, see arch/mips64/romboot.S).
ARCH := mips64
CROSS := mips64el-linux-gnuabi64-
# The newlib build's code generation flags, plus the Loongson-3 LL/SC
# erratum: our LL/SC loops (CONFIG_LOONGSON3_LLSC, asm/atomic.h) and gas's
# fix for compiler-generated ones (GCC 12 rejects -mfix-loongson3-llsc; the
# fix lives in gas, as in the newlib build).
ARCH_CFLAGS := -mabi=64 -march=mips64r2 -mno-abicalls -fno-pic -G0 \
	-Wa,-mfix-loongson3-llsc -DCONFIG_LOONGSON3_LLSC -DCONFIG_MIPS_ROMBOOT
NEWLIB := mips64el
IMAGE_EXT := .bin
# The machine refuses less than 512M; the runtime uses the low 256 MiB.
MEM_DEFAULT := 512M
QEMU_CMD = qemu-system-mips64el -M loongson3-virt -cpu Loongson-3A1000 \
	-smp $(HARTS) -m $(MEM) -nographic -monitor none -no-reboot \
	-semihosting-config enable=on,target=native
QEMU_IMAGE := -bios
