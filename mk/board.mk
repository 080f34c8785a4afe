# mk/board.mk - build the runtime and the guest programs for one board.
# Called by the top-level Makefile as: $(MAKE) -f mk/board.mk BOARD=<name> <target>
#
# A board is three files: boards/<name>.mk (toolchain, flags, QEMU command),
# boards/<name>.c (console, exit, discovery, hart start) and linker/<name>.ld.
# boards/<name>.mk sets:
#   ARCH          riscv64 | mips64         (arch/$(ARCH)/ and its asm/ headers)
#   CROSS         toolchain prefix
#   ARCH_CFLAGS   code-generation flags (must match the newlib build)
#   NEWLIB        newlib build under build/newlib/ (riscv64 | mips64el)
#   IMAGE_EXT     .elf, or .bin when the board loads a raw ROM image
#   MEM_DEFAULT   QEMU -m value
#   QEMU_CMD      QEMU command line without the image; uses $(HARTS), $(MEM)
#   QEMU_IMAGE    option that loads the image (-kernel or -bios)

include boards/$(BOARD).mk

# The top-level Makefile exports HARTS and MEM, possibly empty.
HARTS := $(or $(HARTS),2)
MEM := $(or $(MEM),$(MEM_DEFAULT))
O := build/$(BOARD)$(VARIANT)
NEWLIB_DIR := build/newlib/$(NEWLIB)
CC := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy

CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
	-ffreestanding -fno-builtin-malloc -ffunction-sections -fdata-sections \
	$(ARCH_CFLAGS) -Iinclude -Iarch/$(ARCH)/include -Iarch/$(ARCH) -Itests \
	-nostdinc -isystem $(NEWLIB_DIR)/include \
	-isystem $(shell $(CC) -print-file-name=include) \
	-D__DYNAMIC_REENT__ -DBOARD_NAME='"$(BOARD)"' $(EXTRA_CFLAGS)
LDFLAGS := -nostdlib -nostartfiles -static -Wl,--gc-sections \
	-Wl,-T,linker/$(BOARD).ld $(ARCH_LDFLAGS)
LIBS := -Wl,--start-group $(NEWLIB_DIR)/lib/libc.a $(NEWLIB_DIR)/lib/libm.a \
	$(shell $(CC) $(ARCH_CFLAGS) -print-libgcc-file-name) -Wl,--end-group

RUNTIME_DIRS := boot lib heap sim task gc
RUNTIME_SRCS := $(wildcard $(addsuffix /*.c,$(RUNTIME_DIRS))) \
	$(wildcard arch/$(ARCH)/*.c arch/$(ARCH)/*.S) boards/$(BOARD).c
RUNTIME_OBJS := $(patsubst %,$(O)/%.o,$(basename $(RUNTIME_SRCS)))
GUEST_TESTS := $(patsubst tests/guest/%.c,%,$(wildcard tests/guest/*_test.c))
PROGRAMS := demo $(GUEST_TESTS) $(EXTRA_PROGRAMS)
IMAGES := $(addprefix $(O)/,$(addsuffix $(IMAGE_EXT),$(PROGRAMS)))

.PHONY: images image-list qemu-cmd
images: $(IMAGES)

# The QEMU command for one image (used by the test runner and `make run`).
qemu-cmd:
	@echo $(QEMU_CMD) $(QEMU_IMAGE) $(abspath $(O)/$(PROGRAM)$(IMAGE_EXT))

image-list:
	@echo $(GUEST_TESTS)

$(NEWLIB_DIR)/.stamp:
	@tools/build-newlib.sh $(NEWLIB) $(NEWLIB_DIR)

$(O)/%.o: %.c $(NEWLIB_DIR)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/%.elf: $(O)/tests/guest/%.o $(O)/tests/ktap.o $(RUNTIME_OBJS)
	$(CC) $(ARCH_CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

$(O)/demo.elf: $(O)/demo/demo.o $(RUNTIME_OBJS)
	$(CC) $(ARCH_CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

$(O)/%.bin: $(O)/%.elf
	$(OBJCOPY) -O binary $< $@

# Keep a raw image's ELF: its symbols serve gdb (tools/debug.sh, and the
# backtraces of a hung boot, tests/boot-watchdog.sh).
.SECONDARY:

-include $(RUNTIME_OBJS:.o=.d) $(O)/demo/demo.d $(O)/tests/ktap.d \
	$(patsubst %,$(O)/tests/guest/%.d,$(GUEST_TESTS)) \
	$(wildcard $(O)/bench/*.d)
