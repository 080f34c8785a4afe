# mk/bench.mk - the heap benchmark (not a test): `make bench` runs
#   $(MAKE) -s -f mk/bench.mk bench
# which builds and boots bench/heap_bench.c on every board (one hart, under
# QEMU -icount, each boot under `timeout`), runs the host benchmark
# (tests/host/heap_bench.c: wall-time ratios and callgrind counts) and
# writes the markdown table to build/bench/heap.md (tools/bench-heap.sh).
#
#   make -f mk/bench.mk bench                   everything
#   make -f mk/bench.mk BOARD=<board> bench-image   build/<board>/heap_bench*
#   BENCH_BOARDS="riscv64-virt" make -f mk/bench.mk bench   fewer boards
#
# The image links newlib's own malloc next to the span heap: its objects
# are taken out of newlib's libc.a and every symbol they define (and their
# _sbrk_r) renamed with a newlib_ prefix, so that newlib_malloc/newlib_free
# are newlib's allocator over a private region (bench_sbrk in the program)
# while malloc/free stay the span heap's.

BENCH_BOARDS ?= riscv64-virt mips64-malta mips64-loongson3

.PHONY: bench bench-image

bench:
	@BENCH_BOARDS="$(BENCH_BOARDS)" tools/bench-heap.sh

ifneq ($(BOARD),)
include mk/board.mk

AR := $(CROSS)ar
NM := $(CROSS)nm
LD := $(CROSS)ld
NEWLIB_MALLOC_OBJS := lib_a-mallocr.o lib_a-freer.o lib_a-malloc.o \
	lib_a-mlock.o

$(O)/bench/newlib_malloc.o: $(NEWLIB_DIR)/.stamp mk/bench.mk
	@rm -rf $(O)/bench/newlib && mkdir -p $(O)/bench/newlib
	@cd $(O)/bench/newlib && $(AR) x $(abspath $(NEWLIB_DIR))/lib/libc.a \
		$(NEWLIB_MALLOC_OBJS)
	@$(LD) -r -o $(O)/bench/newlib/all.o \
		$(addprefix $(O)/bench/newlib/,$(NEWLIB_MALLOC_OBJS))
	@$(OBJCOPY) $$($(NM) -g --defined-only $(O)/bench/newlib/all.o | \
		awk 'NF == 3 { print $$3 } END { print "_sbrk_r" }' | \
		sort -u | sed 's/.*/--redefine-sym &=newlib_&/') \
		$(O)/bench/newlib/all.o $@

$(O)/heap_bench.elf: $(O)/bench/heap_bench.o $(O)/bench/newlib_malloc.o \
		$(RUNTIME_OBJS)
	$(CC) $(ARCH_CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

bench-image: $(O)/heap_bench$(IMAGE_EXT)

-include $(O)/bench/heap_bench.d
endif
