#!/usr/bin/env bash
# run-ktap.sh NAME TIMEOUT PROGRAM [ARGS...]
#
# Runs one host build of a KTAP test of the tasks or the collector
# (tests/host/harts.c is its "board") under a timeout, keeps its output in
# $LOGDIR/NAME.log (default build/logs/host) and judges it like
# tests/run-guest.sh: a KTAP plan, every case "ok", exit 0. Prints one
# "ok"/"not ok" line per case, named "host/NAME case", and its figures
# (growths, scanner, P=), and appends "PASS name" / "FAIL name: reason"
# lines to $RESULTS (default build/results/host.result). HARTS and the
# other environment variables pass through to the program.
set -u
name=$1 limit=$2
shift 2
results=${RESULTS:-build/results/host.result}
log=${LOGDIR:-build/logs/host}/$name.log
mkdir -p "$(dirname "$log")" "$(dirname "$results")"

timeout -k 5 "$limit" "$@" </dev/null >"$log" 2>&1
status=$?

failures=0
pass() { echo "ok $*"; echo "PASS $*" >>"$results"; }
fail() { echo "not ok $*"; echo "FAIL $*" >>"$results"; failures=$((failures + 1)); }
why() {
	case $status in
	124) echo "timed out after ${limit}s" ;;
	2) echo "panic: $(grep -m1 -a 'PANIC' "$log")" ;;
	*) echo "exit status $status$(grep -m1 -a -E 'ERROR: (Address|Thread|Undefined)|runtime error|WARNING: ThreadSanitizer' "$log" | sed 's/^/: /')" ;;
	esac
}

plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$log" | head -n1)
if ! grep -qa '^KTAP version 1' "$log" || [ -z "$plan" ]; then
	fail "host/$name: no KTAP plan, $(why) (log: $log)"
else
	seen=0
	while read -r verdict n case; do
		if [ "$verdict" = ok ]; then
			pass "host/$name $case"
		else
			fail "host/$name $case: $(grep -a -B3 "^not ok $n " "$log" | grep -a '^#' | head -n2 | tr '\n' ' ')(log: $log)"
		fi
		seen=$((seen + 1))
	done < <(sed -n 's/^\(ok\|not ok\) \([0-9][0-9]*\) \(.*\)$/\1 \2 \3/p' "$log" | sed 's/^not ok/not_ok/')
	if [ "$seen" -ne "$plan" ]; then
		fail "host/$name: $seen of $plan cases reported, $(why) (log: $log)"
	elif [ "$status" -ne 0 ] && [ "$failures" -eq 0 ]; then
		fail "host/$name: all cases ok but $(why) (log: $log)"
	fi
fi
grep -a '^# .*\(growths\|scanner\|P=\)' "$log" | sed "s|^# |#   host/$name: |"
[ "$failures" -eq 0 ]
