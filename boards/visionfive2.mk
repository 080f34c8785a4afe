# visionfive2: StarFive VisionFive 2 (JH7110), a real board booted by its
# SPI-flash firmware: U-Boot SPL -> OpenSBI -> U-Boot (S-mode), which loads
# the image made by `make image BOARD=visionfive2` (tools/image.sh) from SD
# card, USB or TFTP. Linked at U-Boot's kernel_addr_r, 0x40200000.
# QEMU has no JH7110 model: this board only builds here (QEMU_CMD fails).
ARCH := riscv64
CROSS := riscv64-unknown-elf-
ARCH_CFLAGS := -march=rv64gc -mabi=lp64d -mcmodel=medany
NEWLIB := riscv64
IMAGE_EXT := .elf
MEM_DEFAULT := 4G
QEMU_CMD = false no-qemu-model-for-visionfive2
QEMU_IMAGE := -kernel
