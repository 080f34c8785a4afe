# mk/task.mk - the task subsystem's own targets (task/, include/task.h).
#
#   make -f mk/task.mk task-host-test
#       Builds the task tests (task_test, defer_test) for the host - x86_64,
#       harts as threads (tests/host/harts.c) - three ways: plain -O2,
#       ASan+UBSan, TSan. Runs each, prints "ok"/"not ok" lines and appends
#       PASS/FAIL lines to build/results/task.result.
#   make -f mk/task.mk task-host-stress
#       Long-mode DeferHeapAndStack (P=4, N=10000, D=200) on the host, -O2
#       and TSan.
#   make -f mk/task.mk task-warnings
#       -Wall -Wextra -Werror over task/ with host gcc and clang, and the
#       cross compilers of every board.
#   make -f mk/task.mk BOARD=<board> task-bench
#       Builds build/<board>/task_bench.elf (bench/task_bench.c) with the
#       board's runtime; task-bench-run boots it, one hart, under -icount.
#   make -f mk/task.mk BOARD=<board> task-stress
#       Builds defer_stress_test for the board and boots it at 2 and 4 harts.

HOST_CC ?= gcc
HOST_O := build/host-task
TASK_RESULTS := build/results/task.result
HOST_HARTS ?= 2 4

# The host port (arch/host/platform.c) and the heap, less its libc names.
HOST_SRCS := $(wildcard task/*.c) arch/host/switch.S arch/host/platform.c \
	$(filter-out heap/libc.c,$(wildcard heap/*.c)) lib/console.c \
	lib/spinlock.c lib/barrier.c tests/ktap.c tests/host/harts.c
HOST_CFLAGS := -std=gnu11 -g -Wall -Wextra -Werror \
	-Iinclude -Iarch/host/include -Itests -pthread
CFG_plain := -O2
CFG_asan := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
CFG_tsan := -O1 -fsanitize=thread
HOST_CONFIGS := plain asan tsan
HOST_PROGS := task_test defer_test

.PHONY: task-host-test task-host-stress task-host-build task-warnings \
	task-images task-bench task-bench-run task-stress

define host_config
$(HOST_O)/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) $$(CFG_$(1)) -MMD -MP -c $$< -o $$@
$(HOST_O)/$(1)/%.o: %.S
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) $$(CFG_$(1)) -c $$< -o $$@
$(HOST_O)/$(1)/test/%.o: tests/guest/%.c
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) $$(CFG_$(1)) -Dmain=guest_main -MMD -MP \
		-c $$< -o $$@
$(HOST_O)/$(1)/test/defer_stress_test.o: tests/guest/defer_test.c
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) $$(CFG_$(1)) -Dmain=guest_main \
		-DDHS_LONG -MMD -MP -c $$< -o $$@
$(HOST_O)/$(1)/%: $(HOST_O)/$(1)/test/%.o \
		$(patsubst %,$(HOST_O)/$(1)/%.o,$(basename $(HOST_SRCS)))
	$$(HOST_CC) $$(CFG_$(1)) -pthread $$^ -o $$@
endef
$(foreach c,$(HOST_CONFIGS),$(eval $(call host_config,$(c))))

HOST_BINS := $(foreach c,$(HOST_CONFIGS),$(addprefix $(HOST_O)/$(c)/,$(HOST_PROGS)))

task-host-build: $(HOST_BINS)

# Each program at each hart count, each build: every case one result line.
task-host-test:
	@mkdir -p build/results
	@if ! $(MAKE) -s -j2 -f mk/task.mk task-host-build >build/results/build-task-host.log 2>&1; then \
		tail -n 30 build/results/build-task-host.log; \
		echo "FAIL host task: build failed (build/results/build-task-host.log)" >>$(TASK_RESULTS); \
		echo "not ok host task: build failed"; exit 0; fi; \
	for c in $(HOST_CONFIGS); do for p in $(HOST_PROGS); do for h in $(HOST_HARTS); do \
		HARTS=$$h HOST_HEAP_MB=1024 RESULTS=$(TASK_RESULTS) tests/host/run-ktap.sh \
			$$c/$${h}h-$$p 120 $(HOST_O)/$$c/$$p; \
	done; done; done; true

task-host-stress: $(HOST_O)/plain/defer_stress_test $(HOST_O)/tsan/defer_stress_test
	@for c in plain tsan; do for h in 2 4; do \
		HARTS=$$h HOST_HEAP_MB=1024 RESULTS=$(TASK_RESULTS) tests/host/run-ktap.sh \
			$$c/$${h}h-defer_stress_test 900 $(HOST_O)/$$c/defer_stress_test; \
	done; done; true

-include $(shell find $(HOST_O) -name '*.d' 2>/dev/null)

# ---- warnings everywhere ----
TASK_CROSS_rv := riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d \
	-mcmodel=medany -Iarch/riscv64/include -nostdinc \
	-isystem build/newlib/riscv64/include \
	-isystem $(shell riscv64-unknown-elf-gcc -print-file-name=include)
TASK_CROSS_mips := mips64el-linux-gnuabi64-gcc -mabi=64 -march=mips64r2 \
	-mno-abicalls -fno-pic -G0 -Iarch/mips64/include -nostdinc \
	-isystem build/newlib/mips64el/include \
	-isystem $(shell mips64el-linux-gnuabi64-gcc -print-file-name=include)
task-warnings:
	@for cc in "gcc -Iarch/host/include" "clang -Iarch/host/include" \
		"$(TASK_CROSS_rv)" "$(TASK_CROSS_mips)"; do \
		for f in $(wildcard task/*.c) tests/guest/task_test.c \
			tests/guest/defer_test.c bench/task_bench.c; do \
		$$cc -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding \
			-Iinclude -Itests \
			-fsyntax-only $$f || exit 1; done; \
		echo "ok warnings: $${cc%% *}"; done

# ---- per board (BOARD=...) ----
ifneq ($(BOARD),)
include mk/board.mk

$(O)/task_bench.elf: $(O)/bench/task_bench.o $(RUNTIME_OBJS)
	$(CC) $(ARCH_CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

$(O)/tests/guest/defer_stress_test.o: tests/guest/defer_test.c $(NEWLIB_DIR)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DDHS_LONG -MMD -MP -c $< -o $@

task-images: $(O)/task_test$(IMAGE_EXT) $(O)/defer_test$(IMAGE_EXT) \
	$(O)/defer_stress_test$(IMAGE_EXT) $(O)/task_bench$(IMAGE_EXT)

task-bench: $(O)/task_bench$(IMAGE_EXT)

# One hart, -icount shift=0: QEMU counts instructions (see the bench).
task-bench-run: task-bench
	@cmd=$$($(MAKE) -s -f mk/board.mk BOARD=$(BOARD) HARTS=1 \
		PROGRAM=task_bench qemu-cmd); \
		timeout -k 5 300 $$cmd -icount shift=0 </dev/null

task-stress: $(O)/defer_stress_test$(IMAGE_EXT)
	@for h in 2 4; do RESULTS=$(TASK_RESULTS) tests/run-guest.sh \
		$(BOARD) defer_stress_test pass 600 $$h; done; true
endif
