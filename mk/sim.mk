# mk/sim.mk - host tests of the store-buffer simulator (sim/storebuf.c).
# Called as: make -s -f mk/sim.mk sim-host-test
#
# Builds, with the host gcc and -DSF_SIMULATE, against include/ and the host
# port's asm/ headers, linking sim/storebuf.c, lib/barrier.c and the tests'
# own harts-on-threads shim (tests/sim/shim.c):
#   storebuf_unit          one hart: forwarding, coalescing, epochs, drains,
#                          RMWs, mixed sizes, seeded replay
#   storebuf_mp            two threads: MP, SB and RMP (CAS data; flag) with
#                          and without barriers
#   storebuf_mp_mutant     the same with SF_MUTANT=BARRIER_SPAN_PUBLISH: the
#                          barrier is gone and the reordering must show
#   storebuf_unit_asan     the unit tests under ASan+UBSan
#   storebuf_mp_tsan       the same under ThreadSanitizer (fewer iterations,
#                          up to 3 s a case: TSan is slow on a busy host)
# Each test prints TAP and appends "PASS sim: ..."/"FAIL sim: ..." lines to
# $(RESULTS) (default build/results/sim.result); a test that does not build
# or crashes is recorded as a FAIL too. SIM_ITERS (default 1000000) and
# SIM_SECONDS (default 1) bound each MP/SB case, whichever comes first (a
# busy host runs fewer iterations; the count is printed); SIM_SEED sets the
# seed.

HOSTCC ?= gcc
SIM_O := build/sim
RESULTS ?= build/results/sim.result
SIM_ITERS ?= 1000000
SIM_SECONDS ?= 1
export RESULTS SIM_SECONDS

SIM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -DSF_SIMULATE \
	-Iinclude -Iarch/host/include -Isim -Itests/sim -pthread
SIM_LIB_SRCS := sim/storebuf.c sim/history.c lib/barrier.c tests/sim/shim.c
SIM_HDRS := $(wildcard include/*.h arch/host/include/asm/*.h sim/*.h tests/sim/*.h)

.PHONY: sim-host-test sim-build

sim-build: $(SIM_O)/storebuf_unit $(SIM_O)/storebuf_mp \
	$(SIM_O)/storebuf_mp_mutant $(SIM_O)/storebuf_unit_asan \
	$(SIM_O)/storebuf_mp_tsan

$(SIM_O)/storebuf_unit: tests/sim/storebuf_unit.c $(SIM_LIB_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(SIM_CFLAGS) $(filter %.c,$^) -o $@

$(SIM_O)/storebuf_mp: tests/sim/storebuf_mp.c $(SIM_LIB_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(SIM_CFLAGS) $(filter %.c,$^) -o $@

$(SIM_O)/storebuf_mp_mutant: tests/sim/storebuf_mp.c $(SIM_LIB_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(SIM_CFLAGS) -DSF_MUTANT=BARRIER_SPAN_PUBLISH \
		$(filter %.c,$^) -o $@

$(SIM_O)/storebuf_unit_asan: tests/sim/storebuf_unit.c $(SIM_LIB_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(SIM_CFLAGS) -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all $(filter %.c,$^) -o $@

# -Wno-tsan: the host port's full barrier is __atomic_thread_fence, which
# TSan does not model; the simulator's own ordering is all in atomics.
$(SIM_O)/storebuf_mp_tsan: tests/sim/storebuf_mp.c $(SIM_LIB_SRCS) $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(SIM_CFLAGS) -O1 -Wno-tsan -fsanitize=thread \
		$(filter %.c,$^) -o $@

# Run each test; a missing binary or a crash is a FAIL line, never a skip.
# Status 1 means a test failed (it wrote its own FAIL line); sanitizers exit
# with 66 and a crash with 128+signal, both recorded here.
define sim_run
	if [ ! -x $(SIM_O)/$(1) ]; then \
		echo "not ok sim: $(1) did not build"; \
		echo "FAIL sim: $(1) did not build" >>$(RESULTS); \
	else \
		echo "# sim: $(1)"; \
		$(2) $(SIM_O)/$(1); st=$$?; \
		if [ $$st -gt 1 ]; then \
			echo "not ok sim: $(1) crashed or a sanitizer reported (status $$st)"; \
			echo "FAIL sim: $(1) crashed or a sanitizer reported (status $$st)" >>$(RESULTS); \
		fi; \
	fi;
endef

sim-host-test:
	@mkdir -p $(dir $(RESULTS))
	@$(MAKE) -s -k -f mk/sim.mk sim-build || true
	@$(call sim_run,storebuf_unit,) \
	$(call sim_run,storebuf_mp,SIM_ITERS=$(SIM_ITERS)) \
	$(call sim_run,storebuf_mp_mutant,SIM_ITERS=$(SIM_ITERS)) \
	$(call sim_run,storebuf_unit_asan,ASAN_OPTIONS=exitcode=66 UBSAN_OPTIONS=halt_on_error=1:exitcode=66) \
	$(call sim_run,storebuf_mp_tsan,SIM_ITERS=20000 SIM_SECONDS=3 TSAN_OPTIONS=halt_on_error=1:exitcode=66) \
	true
