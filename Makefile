# spanfence - a span heap and a concurrent collector for multicore RISC-V and
# MIPS64 boards. `make help` lists the targets.

BOARDS := riscv64-virt mips64-malta mips64-loongson3
BOARD ?=
SELECTED := $(or $(BOARD),$(BOARDS))
HARTS ?=
MEM ?=
export HARTS MEM

RUN_TIMEOUT ?= 60
# Boards `make image` builds for (real boards are built, not booted, here).
IMAGE_BOARDS := riscv64-virt mips64-malta visionfive2 hifive-unmatched
PROGRAM ?=

.PHONY: help deps images run test host-test clean format lint model litmus \
	image debug barrier-mutants stress bench

help:
	@echo "spanfence targets (BOARD=<name> picks one board; default: all of $(BOARDS))"
	@echo "  make run        boot the demo on each board and show its console"
	@echo "  make test       host tests, then every guest test on each board;"
	@echo "                  ends with 'N passed, N failed'"
	@echo "  make bench      benchmarks, not tests: instructions per malloc+free per board vs"
	@echo "                  newlib's malloc, host wall time vs glibc/mimalloc/jemalloc,"
	@echo "                  callgrind; writes build/bench/heap.md; then the collector:"
	@echo "                  pauses, cycle times and throughput per board, concurrent"
	@echo "                  vs stop-the-world, the host vs bdwgc, and a plot of each"
	@echo "                  gctrace log (build/logs/<board>/gc_bench-*.svg)"
	@echo "  make stress     the long modes (DeferHeapAndStack P=4 N=10000 D=200)"
	@echo "  make images     build every guest image for the selected boards"
	@echo "  make host-test  only the host tests (sanitizers, fuzzing)"
	@echo "  make deps       check for (and as root on Debian, install) what is needed"
	@echo "  make format     clang-format every C file"
	@echo "  make lint       cppcheck over the sources"
	@echo "  make image      what each board's firmware loads, in build/BOARD/image/"
	@echo "                  (BOARD= one of $(IMAGE_BOARDS); PROGRAM=, default boot_test demo)"
	@echo "  make debug      QEMU halted + gdb-multiarch (BOARD=, PROGRAM= default demo)"
	@echo "  make model      check the Promela model of span publication with spin"
	@echo "  make barrier-mutants  remove each named barrier in turn; which test catches it"
	@echo "  make litmus     message-passing and store-buffering litmus tables per board"
	@echo "  make clean      remove build/ except the cached newlib builds"
	@echo "Variables: BOARD=, HARTS= (harts per boot), MEM= (QEMU -m)"

deps:
	@tools/deps.sh test

images: deps
	@for b in $(SELECTED); do \
		$(MAKE) -s -f mk/board.mk BOARD=$$b images || exit 1; done

run: images
	@for b in $(SELECTED); do \
		echo "== $$b: demo"; \
		cmd=$$($(MAKE) -s -f mk/board.mk BOARD=$$b $(if $(HARTS),HARTS=$(HARTS)) \
			$(if $(MEM),MEM=$(MEM)) PROGRAM=demo qemu-cmd); \
		timeout -k 5 $(RUN_TIMEOUT) $$cmd </dev/null || \
			{ echo "== $$b: demo failed (status $$?)"; exit 1; }; \
	done

test: deps
	@tests/run-all.sh $(if $(BOARD),$(BOARD),host $(BOARDS))

bench: deps
	@tools/deps.sh bench
	@$(MAKE) -s -f mk/bench.mk BENCH_BOARDS="$(SELECTED)" bench
	@for b in $(SELECTED); do \
		$(MAKE) -s -f mk/gc.mk BOARD=$$b gc-bench || exit 1; done
	@$(MAKE) -s -f mk/gc.mk gc-host-bench

stress: deps
	@tests/run-stress.sh $(if $(BOARD),$(BOARD),host $(BOARDS))

host-test: deps
	@tests/run-all.sh host

CPPCHECK := cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	--inline-suppr --suppress=missingIncludeSystem -Iinclude
SOURCE_DIRS := $(wildcard boot lib heap task gc sim)

image: deps
	@for b in $(or $(BOARD),$(IMAGE_BOARDS)); do \
		tools/image.sh $$b $(PROGRAM) || exit 1; done

debug: deps
	@tools/debug.sh $(or $(BOARD),riscv64-virt) $(or $(PROGRAM),demo)

model: deps
	@tools/model.sh

litmus: deps
	@tools/litmus-report.sh $(SELECTED)

barrier-mutants: deps
	@for b in $(or $(BOARD),riscv64-virt mips64-malta); do \
		tools/barrier-mutants.sh $$b || exit 1; done

lint:
	@$(CPPCHECK) -Iarch/riscv64/include -Iarch/riscv64 $(SOURCE_DIRS) \
		arch/riscv64 boards/riscv64-virt.c
	@$(CPPCHECK) -Iarch/mips64/include -Iarch/mips64 $(SOURCE_DIRS) \
		arch/mips64 $(wildcard boards/mips64-*.c)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	@find build -mindepth 1 -maxdepth 1 ! -name newlib -exec rm -rf {} +
