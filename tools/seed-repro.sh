#!/usr/bin/env bash
# seed-repro.sh BOARD RUNS [MUTANT_RUNS] - golang/go#35541, both numbers.
#
# The seed's case (tests/guest/seed_defer_test.c: DeferHeapAndStack while
# the concurrent collector, gc/, loads the task records as the tasks copy
# their stacks) in simulation builds (SF_SIMULATE, sim/storebuf.c):
#
#   without the barrier  build/BOARD-mutant-SPAN_PUBLISH (-DSF_MUTANT=
#                        BARRIER_SPAN_PUBLISH): MUTANT_RUNS boots of
#                        seed_defer_test, seeds 1..MUTANT_RUNS (default
#                        RUNS / 10, at least 20). A failure ends its boot;
#                        it counts if the collector reported "pointer ... to
#                        unallocated span". Must be >= 90% (MIN_RATE).
#   with the barrier     build/BOARD-sim: RUNS seeded trials, in boots of
#                        seed_defer_batch_test (10 trials each; trial i of a
#                        boot patched with seed S runs with seed S + i, the
#                        seeds are 1..RUNS). Must be 0 failures.
#
# Prints one line per failure (seed, log), then
#   seed-repro BOARD: without SPAN_PUBLISH F of M runs failed with "pointer
#   to unallocated span" (P%); with it 0 failures in N runs (B boots)
# and "ok"/"not ok" with a PASS/FAIL line appended to $RESULTS (default
# build/results/seed.result). Exits 1 if either number is off. Every boot
# runs under a timeout (TIMEOUT, default 120 s a boot). Logs: build/seeded/.
set -u
board=$1 runs=$2
mruns=${3:-$((runs / 10 < 20 ? 20 : runs / 10))}
min_rate=${MIN_RATE:-90}
limit=${TIMEOUT:-120}
batch=10 # SEED_BATCH_TRIALS in tests/guest/seed_defer_batch_test.c
single=seed_defer_test many=seed_defer_batch_test
results=${RESULTS:-build/results/seed.result}
mkdir -p "$(dirname "$results")"

# qemu_of VARIANT CFLAGS PROGRAM: build the variant's images, print the
# QEMU command for PROGRAM (the image last).
qemu_of() {
	local variant=$1 cflags=$2 program=$3 work=build/seeded/$board$1
	mkdir -p "$work"
	make -s -f mk/board.mk BOARD="$board" VARIANT="$variant" \
		EXTRA_CFLAGS="$cflags" images >"$work/build.log" 2>&1 || return 1
	make -s -f mk/board.mk BOARD="$board" HARTS=2 VARIANT="$variant" \
		EXTRA_CFLAGS="$cflags" PROGRAM="$program" qemu-cmd
}

# boot IMAGE SEED LOG: one boot with the seed patched into a copy.
boot() {
	local image=$1 seed=$2 log=$3 copy
	copy=${log%.log}.${image##*.}
	sim/set-seed.sh "$image" "$seed" "$copy" >/dev/null || return 99
	timeout -k 5 "$limit" "${cmd[@]}" "$copy" </dev/null 2>&1 | tr -d '\r' >"$log"
	local status=${PIPESTATUS[0]}
	rm -f "$copy"
	return "$status"
}

fail() {
	echo "not ok seed-repro $board: $*"
	echo "FAIL seed-repro $board: $*" >>"$results"
	exit 1
}

# ---- without the barrier ----
mv=-mutant-SPAN_PUBLISH
q=$(qemu_of "$mv" "-DSF_SIMULATE -DSF_MUTANT=BARRIER_SPAN_PUBLISH" $single) ||
	fail "build failed (build/seeded/$board$mv/build.log)"
read -ra cmd <<<"$q"
image=${cmd[-1]}
unset 'cmd[-1]'
caught=0 other=0
for seed in $(seq 1 "$mruns"); do
	log=build/seeded/$board$mv/$single-seed$seed.log
	boot "$image" "$seed" "$log"
	status=$?
	if grep -qa 'runtime: pointer 0x[0-9a-f]* to unallocated span' "$log"; then
		caught=$((caught + 1))
		rm -f "$log"
	elif [ "$status" -ne 0 ] || ! grep -qa '^ok 1 ' "$log"; then
		other=$((other + 1))
		echo "  without SPAN_PUBLISH, seed $seed: exit $status, another failure: $(grep -a -m1 -E '^PANIC|^TRAP|^not ok|^# .*:[0-9]+: ' "$log") ($log)"
	else
		rm -f "$log"
	fi
done
rate=$((100 * caught / mruns))

# ---- with the barrier ----
sv=-sim
q=$(qemu_of "$sv" -DSF_SIMULATE $many) ||
	fail "build failed (build/seeded/$board$sv/build.log)"
read -ra cmd <<<"$q"
image=${cmd[-1]}
unset 'cmd[-1]'
done_trials=0 failed=0 boots=0
for ((first = 1; first <= runs; first += batch)); do
	log=build/seeded/$board$sv/$many-seed$first.log
	boot "$image" "$first" "$log"
	status=$?
	boots=$((boots + 1))
	# Trials that ran to the end: the "# trial i" lines but a failed last.
	ran=$(grep -ac '^# trial [0-9]*: seed' "$log")
	if [ "$status" -eq 0 ] && grep -qa '^ok 1 ' "$log"; then
		done_trials=$((done_trials + ran))
		rm -f "$log"
	else
		failed=$((failed + 1))
		done_trials=$((done_trials + (ran > 0 ? ran : 1)))
		seed=$(grep -a '^# trial [0-9]*: seed' "$log" | tail -n1 | sed 's/.*seed //')
		why=$(grep -a -m1 -E 'to unallocated span|^PANIC|^TRAP|^not ok' "$log")
		[ "$status" -eq 124 ] && why="timed out after ${limit}s"
		echo "  with SPAN_PUBLISH, trial seed ${seed:-$first}: exit $status: ${why:-no reason printed} ($log)"
	fi
done

summary="without SPAN_PUBLISH $caught of $mruns runs failed with \"pointer to unallocated span\" ($rate%)"
[ "$other" -gt 0 ] && summary+=", $other otherwise"
summary+="; with it $failed failures in $done_trials runs ($boots boots)"
echo "seed-repro $board: $summary"
if [ "$rate" -lt "$min_rate" ] || [ "$failed" -ne 0 ] || [ "$done_trials" -lt "$runs" ]; then
	fail "$summary"
fi
echo "ok seed-repro $board: $summary"
echo "PASS seed-repro $board: $summary" >>"$results"
