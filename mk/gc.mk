# mk/gc.mk - the collector's own targets (gc/, include/gc.h).
#
#   make -f mk/gc.mk gc-host-test
#       Builds every collector test (tests/guest/gc_*_test.c, or
#       tests/gc/guest/ until they move) for the host - x86_64, harts as
#       threads (tests/host/harts.c) - three ways: plain -O2, ASan+UBSan,
#       TSan; runs each at 2 and 4 harts (GC_HOST_HARTS), plus the fatal
#       bad-pointer check (gc_badptr: the Go-style report, exit 2). Appends
#       "PASS name" / "FAIL name: reason" lines to build/results/gc.result.
#   make -f mk/gc.mk gc-warnings
#       -Wall -Wextra -Werror over gc/ and the tests with host gcc and clang
#       and both cross compilers.
#   make -f mk/gc.mk BOARD=<board> gc-images / gc-guest-test
#       The guest tests with the board's runtime plus heap/, task/ and gc/
#       (until they are in RUNTIME_DIRS: a VARIANT build, build/<board>-gc),
#       booted at 2 and 4 harts.
#   make -f mk/gc.mk gc-host-bench
#       bench/gc_bench.c on the host: concurrent vs stop-the-world, and
#       bench/gc_bdwgc.c: bdwgc (libgc) at the same heap limit.
#   make -f mk/gc.mk BOARD=<board> gc-bench
#       bench/gc_bench.c booted at 2 and 4 harts: pauses (max, p99, ticks
#       and us), cycle and mark times, throughput, concurrent vs
#       stop-the-world; gctrace lines in build/logs/<board>/gc_bench-*.trace
#       and their plot (gc/trace2svg.awk) in gc_bench-*.svg next to them.
#   make -f mk/gc.mk BOARD=<board> gc-stress
#       gc_defer_stress_test (DeferHeapAndStack long mode with the
#       collector) at 2 and 4 harts.

HOST_CC ?= gcc
GC_O := build/host-gc
GC_RESULTS := build/results/gc.result
GC_HOST_HARTS ?= 2 4
GC_TIMEOUT ?= 300

GC_TEST_DIR := $(if $(wildcard tests/guest/gc_basic_test.c),tests/guest,tests/gc/guest)
GC_ALL_TESTS := $(basename $(notdir $(wildcard $(GC_TEST_DIR)/gc_*_test.c)))
GC_TESTS := $(filter-out %_stress_test,$(GC_ALL_TESTS))

GC_HOST_SRCS := $(wildcard gc/*.c task/*.c) arch/host/switch.S \
	arch/host/platform.c $(filter-out heap/libc.c,$(wildcard heap/*.c)) \
	lib/console.c lib/spinlock.c lib/barrier.c tests/ktap.c \
	tests/host/harts.c
GC_HOST_CFLAGS := -std=gnu11 -g -Wall -Wextra -Werror \
	-Iinclude -Iarch/host/include -Itests -pthread
GCFG_plain := -O2
GCFG_asan := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# -Wno-tsan: the host full barrier (GC_ENTER) is a fence, which TSan does
# not model; every hand-off it would need to see is an atomic anyway.
GCFG_tsan := -O1 -fsanitize=thread -Wno-tsan
GCFG_bench := -O2
GC_CONFIGS := plain asan tsan

.PHONY: gc-host-test gc-host-build gc-warnings gc-images gc-guest-test \
	gc-host-bench gc-bench gc-stress

define gc_host_config
$(GC_O)/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(GC_HOST_CFLAGS) $$(GCFG_$(1)) -MMD -MP -c $$< -o $$@
$(GC_O)/$(1)/%.o: %.S
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(GC_HOST_CFLAGS) $$(GCFG_$(1)) -c $$< -o $$@
$(GC_O)/$(1)/test/%.o: $(GC_TEST_DIR)/%.c
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(GC_HOST_CFLAGS) $$(GCFG_$(1)) -Dmain=guest_main -MMD -MP \
		-c $$< -o $$@
$(GC_O)/$(1)/%: $(GC_O)/$(1)/test/%.o \
		$(patsubst %,$(GC_O)/$(1)/%.o,$(basename $(GC_HOST_SRCS)))
	$$(HOST_CC) $$(GCFG_$(1)) -pthread $$^ -o $$@
endef
$(foreach c,$(GC_CONFIGS) bench,$(eval $(call gc_host_config,$(c))))

# The fatal bad-pointer test: the host's own program.
$(GC_O)/plain/gc_badptr: $(GC_O)/plain/tests/gc/gc_badptr.o \
		$(patsubst %,$(GC_O)/plain/%.o,$(basename $(GC_HOST_SRCS)))
	$(HOST_CC) -pthread $^ -o $@

GC_HOST_BINS := $(foreach c,$(GC_CONFIGS),$(addprefix $(GC_O)/$(c)/,$(GC_TESTS))) \
	$(GC_O)/plain/gc_badptr

gc-host-build: $(GC_HOST_BINS)

gc-host-test:
	@mkdir -p build/results
	@if ! $(MAKE) -s -j2 -f mk/gc.mk gc-host-build >build/results/build-gc-host.log 2>&1; then \
		tail -n 30 build/results/build-gc-host.log; \
		echo "FAIL host gc: build failed (build/results/build-gc-host.log)" >>$(GC_RESULTS); \
		echo "not ok host gc: build failed"; exit 0; fi
	@for c in $(GC_CONFIGS); do for p in $(GC_TESTS); do for h in $(GC_HOST_HARTS); do \
		HARTS=$$h LOGDIR=build/logs/host-gc RESULTS=$(GC_RESULTS) tests/host/run-ktap.sh \
			$$c/$${h}h-$$p $(GC_TIMEOUT) $(GC_O)/$$c/$$p; \
	done; done; done; true
	@RESULTS=$(GC_RESULTS) tests/gc/badptr-check.sh $(GC_O)/plain/gc_badptr; true

-include $(shell find $(GC_O) -name '*.d' 2>/dev/null)

# ---- host benchmark: bench/gc_bench.c (concurrent vs stop-the-world) and
# bench/gc_bdwgc.c (libgc) with the same workloads and heap limit ----
$(GC_O)/bench/gc_bench: bench/gc_bench.c \
		$(patsubst %,$(GC_O)/bench/%.o,$(basename $(GC_HOST_SRCS)))
	@mkdir -p $(dir $@)
	$(HOST_CC) $(GC_HOST_CFLAGS) -O2 -DBOARD_NAME='"host"' \
		-Dmain=guest_main $^ -o $@
$(GC_O)/bench/gc_bdwgc: bench/gc_bdwgc.c
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror $< -lgc -o $@

GC_BENCH_HARTS ?= 2 3
gc-host-bench: $(GC_O)/bench/gc_bench $(GC_O)/bench/gc_bdwgc
	@mkdir -p build/logs/host-gc
	@for h in $(GC_BENCH_HARTS); do \
		HARTS=$$h HOST_HEAP_MB=512 timeout -k 5 900 $(GC_O)/bench/gc_bench \
			>build/logs/host-gc/gc_bench-$${h}h.log; \
		grep '^gc [0-9]' build/logs/host-gc/gc_bench-$${h}h.log \
			>build/logs/host-gc/gc_bench-$${h}h.trace; \
		awk -f gc/trace2svg.awk -v title="host, $$h harts: gc_bench" \
			build/logs/host-gc/gc_bench-$${h}h.trace \
			>build/logs/host-gc/gc_bench-$${h}h.svg; \
		grep -v '^gc [0-9]' build/logs/host-gc/gc_bench-$${h}h.log; done
	@timeout -k 5 900 $(GC_O)/bench/gc_bdwgc

# ---- warnings everywhere ----
GC_CROSS_rv := riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d \
	-mcmodel=medany -Iarch/riscv64/include -nostdinc \
	-isystem build/newlib/riscv64/include \
	-isystem $(shell riscv64-unknown-elf-gcc -print-file-name=include)
GC_CROSS_mips := mips64el-linux-gnuabi64-gcc -mabi=64 -march=mips64r2 \
	-mno-abicalls -fno-pic -G0 -Iarch/mips64/include -nostdinc \
	-isystem build/newlib/mips64el/include \
	-isystem $(shell mips64el-linux-gnuabi64-gcc -print-file-name=include)
gc-warnings:
	@for cc in "gcc -Iarch/host/include" "clang -Iarch/host/include" \
		"$(GC_CROSS_rv)" "$(GC_CROSS_mips)"; do \
		for f in $(wildcard gc/*.c) $(wildcard $(GC_TEST_DIR)/gc_*_test.c) \
			bench/gc_bench.c; do \
		$$cc -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding \
			-Iinclude -Itests -fsyntax-only $$f || exit 1; done; \
		echo "ok warnings: $${cc%% *}"; done
	@for cc in gcc clang; do $$cc -std=gnu11 -O2 -Wall -Wextra -Werror \
		-fsyntax-only bench/gc_bdwgc.c || exit 1; done
	@for cc in gcc clang; do $$cc -std=gnu11 -O2 -Wall -Wextra -Werror \
		-Iinclude -Iarch/host/include -Itests -fsyntax-only \
		tests/host/harts.c tests/gc/gc_badptr.c || exit 1; done
	@echo "ok warnings: host-only files (bench/gc_bdwgc.c, tests/host/harts.c, tests/gc/)"

# ---- per board (BOARD=...) ----
# Until gc/ is in the boards' RUNTIME_DIRS (mk/board.mk), the guest tests
# are a variant build with it added: build/<board>-gc.
GC_IN_RUNTIME := $(filter gc,$(shell sed -n 's/^RUNTIME_DIRS := //p' mk/board.mk))
GC_GUEST_VARIANT := $(if $(GC_IN_RUNTIME),,-gc)
GC_GUEST_DIRS := $(if $(GC_IN_RUNTIME),,RUNTIME_DIRS="$(shell sed -n 's/^RUNTIME_DIRS := //p' mk/board.mk) gc")
GC_GUEST_HARTS ?= 2 4
GC_GUEST_TIMEOUT ?= 120

ifneq ($(BOARD),)
ifeq ($(GC_SUBMAKE),)
gc-images gc-guest-test gc-stress gc-bench:
	@$(MAKE) -s -f mk/gc.mk BOARD=$(BOARD) GC_SUBMAKE=1 \
		VARIANT=$(GC_GUEST_VARIANT) $(GC_GUEST_DIRS) $@
else
include mk/board.mk

# The tests wait in tests/gc/guest/ until they join tests/guest/.
ifneq ($(GC_TEST_DIR),tests/guest)
$(O)/tests/guest/gc_%.o: $(GC_TEST_DIR)/gc_%.c $(NEWLIB_DIR)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
endif

gc-images: $(addprefix $(O)/,$(addsuffix $(IMAGE_EXT),$(GC_ALL_TESTS)))

gc-guest-test: gc-images
	@for p in $(GC_TESTS); do for h in $(GC_GUEST_HARTS); do \
		VARIANT=$(VARIANT) RESULTS=$(GC_RESULTS) tests/run-guest.sh \
			$(BOARD) $$p pass $(GC_GUEST_TIMEOUT) $$h; done; done; true

# The benchmark on the board: 2 harts (one mutator and the collector),
# then 4; the gctrace lines go to build/logs/<board>/gc_bench-<h>h.trace.
$(O)/gc_bench.elf: $(O)/bench/gc_bench.o $(RUNTIME_OBJS)
	$(CC) $(ARCH_CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

gc-bench: $(O)/gc_bench$(IMAGE_EXT)
	@mkdir -p build/logs/$(BOARD)
	@for h in 2 4; do \
		cmd=$$($(MAKE) -s -f mk/board.mk BOARD=$(BOARD) HARTS=$$h \
			VARIANT=$(VARIANT) PROGRAM=gc_bench qemu-cmd); \
		timeout -k 5 900 $$cmd </dev/null | tr -d '\r' \
			>build/logs/$(BOARD)/gc_bench-$${h}h.log; \
		grep '^gc [0-9]' build/logs/$(BOARD)/gc_bench-$${h}h.log \
			>build/logs/$(BOARD)/gc_bench-$${h}h.trace; \
		awk -f gc/trace2svg.awk \
			-v title="$(BOARD), $$h harts: gc_bench" \
			build/logs/$(BOARD)/gc_bench-$${h}h.trace \
			>build/logs/$(BOARD)/gc_bench-$${h}h.svg; \
		grep '^bench:\|^# gc bench' build/logs/$(BOARD)/gc_bench-$${h}h.log; \
	done

gc-stress: $(O)/gc_defer_stress_test$(IMAGE_EXT)
	@for h in 2 4; do VARIANT=$(VARIANT) RESULTS=$(GC_RESULTS) \
		tests/run-guest.sh $(BOARD) gc_defer_stress_test pass 900 $$h; \
	done; true
endif
endif
