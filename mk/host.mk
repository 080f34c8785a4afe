# mk/host.mk - the heap on the host (x86_64, POSIX threads as harts).
# Called from the top as: $(MAKE) -f mk/host.mk <target>
#
#   host-test   build and run every tests/host/*_test.c under three builds:
#               plain (gcc -O2), asan (clang, AddressSanitizer+UBSan) and
#               tsan (gcc, ThreadSanitizer); heap_bad_test again with the
#               heap built -DSF_HEAP_REPORT_CONTINUE; check that
#               heap/sizeclasses.c is what tools/gen-sizeclasses.c makes;
#               then the bounded fuzzing run (host-fuzz). One result file
#               per run: build/results/host-<build>-<test>.result holding
#               "PASS <name>" or "FAIL <name>: reason" (logs next to it).
#   host-fuzz   libFuzzer (clang, ASan+UBSan) on tests/fuzz/heap_fuzz.c for
#               FUZZ_TIME seconds or FUZZ_RUNS inputs, whichever comes first.
#   host-bench  tests/host/heap_bench.c: wall-time ratios against glibc,
#               mimalloc and jemalloc, and instructions per malloc+free
#               under callgrind.
# Everything is built under build/host/<build>/.

HOST_CC ?= cc
HOST_CLANG ?= clang
FUZZ_TIME ?= 20
FUZZ_RUNS ?= 5000000
TEST_TIMEOUT ?= 300

O := build/host
RESULTS := build/results

HOST_CFLAGS := -std=gnu11 -g -Wall -Wextra -Werror -pthread -MMD -MP \
	-Iinclude -Iarch/host/include -Iheap -Itests/host
RUNTIME_SRCS := $(filter-out heap/libc.c,$(wildcard heap/*.c)) \
	lib/console.c lib/spinlock.c lib/barrier.c $(wildcard arch/host/*.c)
TESTS := $(basename $(notdir $(wildcard tests/host/*_test.c)))
CONFIGS := plain asan tsan

CC_plain := $(HOST_CC)
CFLAGS_plain := -O2
CC_asan := $(HOST_CLANG)
CFLAGS_asan := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
CC_tsan := $(HOST_CC)
CFLAGS_tsan := -O1 -fsanitize=thread
CC_cont := $(HOST_CC)
CFLAGS_cont := -O2 -DSF_HEAP_REPORT_CONTINUE
CC_fuzz := $(HOST_CLANG)
CFLAGS_fuzz := -O2 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
CC_bench := $(HOST_CC)
CFLAGS_bench := -O2 -flto

export ASAN_OPTIONS := detect_leaks=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS := halt_on_error=1

.PHONY: host-test host-fuzz host-bench host-clean $(CONFIGS:%=host-build-%)

runtime_objs = $(patsubst %.c,$(O)/$(1)/%.o,$(RUNTIME_SRCS))

# Objects and test programs of one build ($1).
define host_build
$(O)/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC_$(1)) $$(HOST_CFLAGS) $$(CFLAGS_$(1)) -c $$< -o $$@

$(O)/$(1)/%_test: $(O)/$(1)/tests/host/%_test.o $(O)/$(1)/tests/host/tap.o \
		$(call runtime_objs,$(1))
	$$(CC_$(1)) $$(CFLAGS_$(1)) -pthread $$^ -o $$@
endef
$(foreach c,$(CONFIGS) cont fuzz bench,$(eval $(call host_build,$(c))))
$(foreach c,$(CONFIGS),$(eval host-build-$(c): $(TESTS:%=$(O)/$(c)/%)))

$(O)/fuzz/heap_fuzz: $(O)/fuzz/tests/fuzz/heap_fuzz.o $(call runtime_objs,fuzz)
	$(CC_fuzz) $(CFLAGS_fuzz) -fsanitize=fuzzer -pthread $^ -o $@

$(O)/bench/heap_bench: $(O)/bench/tests/host/heap_bench.o \
		$(call runtime_objs,bench)
	$(CC_bench) $(CFLAGS_bench) -pthread $^ -ldl -o $@

$(O)/tools/gen-sizeclasses: tools/gen-sizeclasses.c
	@mkdir -p $(@D)
	$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror $< -o $@

# Record a build failure as a result instead of stopping.
build_or_fail = $(MAKE) -s -f mk/host.mk $(1) >$(O)/build-$(2).log 2>&1 || \
	{ tail -n 30 $(O)/build-$(2).log; \
	  echo "FAIL host-$(2): build failed ($(O)/build-$(2).log)" \
		>$(RESULTS)/host-$(2)-build.result; false; }

host-test:
	@mkdir -p $(O) $(RESULTS)
	@rm -f $(RESULTS)/host-*.result
	@for c in $(CONFIGS); do \
		$(call build_or_fail,host-build-$$c,$$c) && \
		for t in $(TESTS); do \
			tests/host/run-test.sh host-$$c-$$t $(TEST_TIMEOUT) \
				$(O)/$$c/$$t; \
		done; \
	done; true
	@$(call build_or_fail,$(O)/cont/heap_bad_test,cont) && \
		tests/host/run-test.sh host-cont-heap_bad_test $(TEST_TIMEOUT) \
			$(O)/cont/heap_bad_test; true
	@$(call build_or_fail,$(O)/tools/gen-sizeclasses,sizeclasses) && \
		tests/host/run-test.sh host-sizeclasses 60 sh -c \
		'$(O)/tools/gen-sizeclasses >$(O)/sizeclasses.c && \
		 diff -u heap/sizeclasses.c $(O)/sizeclasses.c && \
		 echo "heap/sizeclasses.c is up to date"'; true
	@$(MAKE) -s -f mk/host.mk host-fuzz || true
	@echo "== host: $$(cat $(RESULTS)/host-*.result | grep -c '^PASS') passed," \
		"$$(cat $(RESULTS)/host-*.result | grep -c '^FAIL') failed"
	@! grep -h '^FAIL' $(RESULTS)/host-*.result

host-fuzz:
	@mkdir -p $(O)/fuzz/corpus $(RESULTS)
	@$(call build_or_fail,$(O)/fuzz/heap_fuzz,fuzz) && \
		tests/host/run-test.sh host-fuzz $$(($(FUZZ_TIME) + 60)) \
			$(O)/fuzz/heap_fuzz -max_total_time=$(FUZZ_TIME) \
			-runs=$(FUZZ_RUNS) -max_len=4096 -print_final_stats=1 \
			$(O)/fuzz/corpus

# jemalloc, dlopen'ed, needs static TLS space that glibc keeps small.
host-bench: $(O)/bench/heap_bench
	GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 $(O)/bench/heap_bench
	@tests/host/bench-callgrind.sh $(O)/bench/heap_bench

host-clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
