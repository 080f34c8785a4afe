# shellcheck shell=bash
# ktap-judge.sh - sourced by tests/run-guest.sh, tools/uboot-test.sh and tests/uboot/*.sh.
#
# judge_ktap NAME LOG STATUS LIMIT [HARTS]
#   Judges a serial log the way tests/run-guest.sh does for EXPECT=pass: the
#   log has "KTAP version 1" and a plan 1..N, cases 1..N are all "ok", and
#   the run ended with STATUS 0 (QEMU's exit status; 124 = timed out after
#   LIMIT seconds). With HARTS, the boot banner must also list that many
#   harts ("# hart I: hartid H, role" lines). Prints one ok/not ok line per
#   case, named "NAME case", appends PASS/FAIL lines to $RESULTS (default
#   build/results/guest.result) and returns non-zero if anything failed.
#
# pass_line / fail_line TEXT: one verdict of your own, same bookkeeping.

: "${RESULTS:=build/results/guest.result}"
judge_failures=0

pass_line() {
	echo "ok $*"
	echo "PASS $*" >>"$RESULTS"
}

fail_line() {
	echo "not ok $*"
	echo "FAIL $*" >>"$RESULTS"
	judge_failures=$((judge_failures + 1))
}

judge_why() { # STATUS LIMIT LOG
	case $1 in
	124) echo "timed out after ${2}s" ;;
	2) echo "panic (exit 2): $(grep -m1 -a 'PANIC' "$3" | tr -d '\r')" ;;
	3) echo "trap (exit 3): $(grep -m1 -a 'TRAP' "$3" | tr -d '\r')" ;;
	*) echo "exit status $1" ;;
	esac
}

judge_ktap() {
	local name=$1 log=$2 status=$3 limit=$4 harts=${5:-}
	local before=$judge_failures plan seen=0 verdict case nharts

	mkdir -p "$(dirname "$RESULTS")"
	plan=$(tr -d '\r' <"$log" | sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' | head -n1)
	if ! grep -qa '^KTAP version 1' "$log" || [ -z "$plan" ]; then
		fail_line "$name: no KTAP plan, $(judge_why "$status" "$limit" "$log") (log: $log)"
		return 1
	fi
	while read -r verdict _ case; do
		if [ "$verdict" = ok ]; then
			pass_line "$name $case"
		else
			fail_line "$name $case (log: $log)"
		fi
		seen=$((seen + 1))
	done < <(tr -d '\r' <"$log" |
		sed -n 's/^\(ok\|not ok\) \([0-9][0-9]*\) \(.*\)$/\1 \2 \3/p' |
		sed 's/^not ok/not_ok/')
	if [ "$seen" -ne "$plan" ]; then
		fail_line "$name: $seen of $plan cases reported, $(judge_why "$status" "$limit" "$log") (log: $log)"
	elif [ "$status" -ne 0 ] && [ "$judge_failures" -eq "$before" ]; then
		fail_line "$name: all cases ok but $(judge_why "$status" "$limit" "$log") (log: $log)"
	fi
	if [ -n "$harts" ]; then
		nharts=$(tr -d '\r' <"$log" | grep -c '^# hart [0-9]*: hartid ')
		if [ "$nharts" -eq "$harts" ]; then
			pass_line "$name: $harts harts came up"
		else
			fail_line "$name: $nharts of $harts harts came up (log: $log)"
		fi
	fi
	[ "$judge_failures" -eq "$before" ]
}
