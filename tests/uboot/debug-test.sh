#!/usr/bin/env bash
# debug-test.sh [BOARD...] - `make debug` attaches: a scripted gdb session.
#
# For each BOARD (default riscv64-virt): tools/debug.sh starts boot_test in
# QEMU halted with its gdb stub, and gdb-multiarch, in batch mode, runs to
# main, reads hart_count and platform.nharts and every CPU's PC, and kills
# QEMU. Checks: both symbols read 2 (HARTS=2), QEMU shows 2 CPUs, one CPU
# stopped exactly at main, and the other's PC lies in a function of the image
# (it serves its mailbox). Everything runs under timeouts; PASS/FAIL lines
# go to $RESULTS.
set -uo pipefail
# The top-level Makefile exports HARTS and MEM even when empty; an empty
# value would defeat mk/board.mk's defaults.
[ -n "${HARTS:-}" ] || unset HARTS
[ -n "${MEM:-}" ] || unset MEM
cd "$(dirname "$0")/../.." || exit 1
export RESULTS=${RESULTS:-build/results/guest.result}
# shellcheck source=tests/ktap-judge.sh
. tests/ktap-judge.sh

boards=("$@")
[ ${#boards[@]} -gt 0 ] || boards=(riscv64-virt)
limit=60

for board in "${boards[@]}"; do
	name="$board/2h debug boot_test"
	out=build/logs/$board/debug-test.gdb.log
	mkdir -p "$(dirname "$out")"
	# shellcheck disable=SC2016 # $_inferior_thread_count is gdb's
	HARTS=2 DEBUG_TIMEOUT=$limit timeout -k 5 $limit tools/debug.sh "$board" boot_test \
		-batch -ex boot \
		-ex 'printf "HART_COUNT=%u\n", hart_count' \
		-ex 'printf "NHARTS=%u\n", platform.nharts' \
		-ex 'printf "MAIN=%#lx\n", (unsigned long)&main' \
		-ex 'printf "THREADS=%d\n", $_inferior_thread_count' \
		-ex harts -ex cpus -ex kill >"$out" 2>&1
	status=$?
	if ! grep -q 'hit Temporary breakpoint 1, main ()' "$out"; then
		fail_line "$name: gdb did not stop at main (status $status, log: $out)"
		continue
	fi
	pass_line "$name: gdb attached, ran to main"
	get() { sed -n "s/^$1=//p" "$out" | head -n1; }
	hc=$(get HART_COUNT) nh=$(get NHARTS) main=$(get MAIN) threads=$(get THREADS)
	if [ "$hc" = 2 ] && [ "$nh" = 2 ]; then
		pass_line "$name: read hart_count = 2, platform.nharts = 2"
	else
		fail_line "$name: hart_count '$hc', platform.nharts '$nh', want 2 (log: $out)"
	fi
	if [ "$threads" = 2 ]; then
		pass_line "$name: QEMU shows 2 CPUs"
	else
		fail_line "$name: QEMU shows '$threads' CPUs, want 2 (log: $out)"
	fi
	# "cpu thread N: pc 0x...  SYMBOL [+ OFF] in section .text"
	at_main=0 elsewhere=0 pcs=''
	while read -r _ _ thread _ pc sym rest; do
		pcs+="${thread%:} $pc $sym; "
		if [ $((pc)) -eq $((main)) ]; then
			at_main=$((at_main + 1))
		elif [ -n "$sym" ] && [ "$sym" != No ] && [[ $rest == *"in section .text"* ]]; then
			elsewhere=$((elsewhere + 1))
		fi
	done < <(grep '^cpu thread ' "$out")
	if [ "$at_main" -eq 1 ] && [ "$elsewhere" -eq 1 ]; then
		pass_line "$name: read both CPUs' PCs: $pcs"
	else
		fail_line "$name: want one CPU at main ($main) and one in the image's code, got: $pcs (log: $out)"
	fi
	qpid=$(sed -n 's/.*QEMU halted (pid \([0-9]*\)).*/\1/p' "$out")
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		fail_line "$name: QEMU (pid $qpid) still running after the session"
	fi
done
[ "$judge_failures" -eq 0 ]
