#!/usr/bin/env bash
# run-guest.sh BOARD PROGRAM EXPECT TIMEOUT HARTS
#
# Boots build/BOARD/PROGRAM under QEMU with a timeout, keeps the serial log in
# build/logs/BOARD/PROGRAM-HARTSh.log and judges it:
#   EXPECT=pass  QEMU exits 0, the log has "KTAP version 1" and a plan 1..N,
#                and cases 1..N are all reported "ok".
#   EXPECT=trap  QEMU exits with EXIT_TRAP (3) and the log has a TRAP report.
# Prints one "ok"/"not ok" line per case, named "BOARD/HARTSh PROGRAM case",
# and appends PASS/FAIL lines to $RESULTS (default build/results/guest.result).
# Exits non-zero if anything failed. VARIANT=-x (with its EXTRA_CFLAGS) runs
# the image built under build/BOARD-x instead (simulation, mutants).
set -u
board=$1 program=$2 expect=$3 limit=$4 harts=$5
results=${RESULTS:-build/results/guest.result}
variant=${VARIANT:-}
log=build/logs/$board$variant/$program-${harts}h.log
name="$board$variant/${harts}h $program"
mkdir -p "$(dirname "$log")" "$(dirname "$results")"

mem_arg=()
[ -n "${MEM:-}" ] && mem_arg=(MEM="$MEM")
cmd=$(make -s -f mk/board.mk BOARD="$board" HARTS="$harts" "${mem_arg[@]}" \
	VARIANT="$variant" EXTRA_CFLAGS="${EXTRA_CFLAGS:-}" PROGRAM="$program" qemu-cmd) || { echo "not ok $name: no QEMU command"; exit 1; }

timeout -k 5 "$limit" $cmd </dev/null >"$log" 2>&1
status=$?

failures=0
pass() { echo "ok $*"; echo "PASS $*" >>"$results"; }
fail() { echo "not ok $*"; echo "FAIL $*" >>"$results"; failures=$((failures + 1)); }
why() {
	case $status in
	124) echo "timed out after ${limit}s" ;;
	2) echo "panic (exit 2): $(grep -m1 -a 'PANIC' "$log")" ;;
	3) echo "trap (exit 3): $(grep -m1 -a 'TRAP' "$log")" ;;
	*) echo "exit status $status" ;;
	esac
}

case $expect in
trap)
	if [ "$status" -eq 3 ] && grep -qa '^TRAP: ' "$log"; then
		pass "$name: trap reported ($(grep -m1 -a '^TRAP: ' "$log" | tr -d '\r'))"
	else
		fail "$name: expected a reported trap, got $(why) (log: $log)"
	fi
	;;
pass)
	plan=$(tr -d '\r' <"$log" | sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' | head -n1)
	if ! grep -qa '^KTAP version 1' "$log" || [ -z "$plan" ]; then
		fail "$name: no KTAP plan, $(why) (log: $log)"
	else
		seen=0
		while read -r verdict n case; do
			if [ "$verdict" = ok ]; then
				pass "$name $case"
			else
				fail "$name $case (log: $log)"
			fi
			seen=$((seen + 1))
		done < <(tr -d '\r' <"$log" | sed -n 's/^\(ok\|not ok\) \([0-9][0-9]*\) \(.*\)$/\1 \2 \3/p' | sed 's/^not ok/not_ok/')
		if [ "$seen" -ne "$plan" ]; then
			fail "$name: $seen of $plan cases reported, $(why) (log: $log)"
		elif [ "$status" -ne 0 ] && [ "$failures" -eq 0 ]; then
			fail "$name: all cases ok but $(why) (log: $log)"
		fi
	fi
	;;
*)
	fail "$name: unknown expectation '$expect'"
	;;
esac
[ "$failures" -eq 0 ]
