#!/usr/bin/env bash
# harness-test.sh BOARD - prove that the runner fails when it must: a failing
# guest test, a trap in a test expected to pass, and a hung guest each make
# run-guest.sh fail with the board and the test named; the hung guest's log
# also shows where its CPU was spinning (tests/boot-watchdog.sh).
set -u
board=$1
results=${RESULTS:-build/results/guest.result}
mkdir -p "$(dirname "$results")"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

check() { # check PROGRAM TIMEOUT WHAT
	local out
	out=$(RESULTS=$scratch/r tests/run-guest.sh "$board" "$1" pass "$2" 2 2>&1)
	local rc=$?
	if [ "$rc" -ne 0 ] && grep -q "not ok $board/2h $1" <<<"$out" &&
		grep -q "$3" <<<"$out"; then
		echo "ok harness $board: $1 is caught ($3)"
		echo "PASS harness $board: $1 is caught" >>"$results"
	else
		echo "not ok harness $board: $1 was not caught as '$3' (rc $rc)"
		echo "$out" | sed 's/^/#   /'
		echo "FAIL harness $board: $1 was not caught" >>"$results"
	fi
}

check fail_test 60 "test_fails_on_purpose"
check trap_test 60 "trap (exit 3)"
check hang_test 5 "timed out"

# The hung boot's log names the function its CPU spins in.
log=build/logs/$board/hang_test-2h.log
if grep -qa '^# hang: .*test_hangs_on_purpose' "$log"; then
	echo "ok harness $board: the hung boot's log shows where it spins"
	echo "PASS harness $board: hang backtrace" >>"$results"
else
	echo "not ok harness $board: no backtrace of test_hangs_on_purpose in $log"
	echo "FAIL harness $board: hang backtrace" >>"$results"
fi
