#!/usr/bin/env bash
# run-guest.sh BOARD PROGRAM EXPECT TIMEOUT HARTS
#
# Boots build/BOARD/PROGRAM under QEMU with a timeout, keeps the serial log in
# build/logs/BOARD/PROGRAM-HARTSh.log and judges it (tests/ktap-judge.sh):
#   EXPECT=pass  QEMU exits 0, the log has "KTAP version 1" and a plan 1..N,
#                and cases 1..N are all reported "ok".
#   EXPECT=trap  QEMU exits with EXIT_TRAP (3) and the log has a TRAP report.
#   EXPECT=panic QEMU exits with EXIT_PANIC (2), the log has a PANIC line, and
#                the text of every "# expect: TEXT" line the program printed
#                appears again in a later line (the report itself).
# Prints one "ok"/"not ok" line per case, named "BOARD/HARTSh PROGRAM case",
# and appends PASS/FAIL lines to $RESULTS (default build/results/guest.result).
# A boot still running at TIMEOUT gets every CPU's backtrace appended to
# its log (tests/boot-watchdog.sh). Exits non-zero if anything failed.
# VARIANT=-x (with its EXTRA_CFLAGS) runs
# the image built under build/BOARD-x instead (simulation, mutants).
set -u
board=$1 program=$2 expect=$3 limit=$4 harts=$5
variant=${VARIANT:-}
log=build/logs/$board$variant/$program-${harts}h.log
name="$board$variant/${harts}h $program"
# shellcheck source=tests/ktap-judge.sh
. tests/ktap-judge.sh
# shellcheck source=tests/boot-watchdog.sh
. tests/boot-watchdog.sh
mkdir -p "$(dirname "$log")"

mem_arg=()
[ -n "${MEM:-}" ] && mem_arg=(MEM="$MEM")
cmd=$(make -s -f mk/board.mk BOARD="$board" HARTS="$harts" "${mem_arg[@]}" \
	VARIANT="$variant" EXTRA_CFLAGS="${EXTRA_CFLAGS:-}" PROGRAM="$program" qemu-cmd) ||
	{ fail_line "$name: no QEMU command"; exit 1; }
read -ra cmd <<<"$cmd"
image=${cmd[-1]}

boot_watched "$limit" "$log" "${image%.*}.elf" "${cmd[@]}"
status=$boot_status

case $expect in
trap)
	if [ "$status" -eq 3 ] && grep -qa '^TRAP: ' "$log"; then
		pass_line "$name: trap reported ($(grep -m1 -a '^TRAP: ' "$log" | tr -d '\r'))"
	else
		fail_line "$name: expected a reported trap, got $(judge_why "$status" "$limit" "$log") (log: $log)"
	fi
	;;
panic)
	if [ "$status" -ne 2 ] || ! grep -qa '^PANIC' "$log"; then
		fail_line "$name: expected a report and EXIT_PANIC, got $(judge_why "$status" "$limit" "$log") (log: $log)"
	else
		missing=
		while IFS= read -r want; do
			tr -d '\r' <"$log" | grep -v '^# expect: ' | grep -qF -- "$want" ||
				missing+="'$want' "
		done < <(tr -d '\r' <"$log" | sed -n 's/^# expect: //p')
		if [ -n "$missing" ]; then
			fail_line "$name: the report lacks $missing(log: $log)"
		else
			pass_line "$name: reported ($(tr -d '\r' <"$log" | grep -m1 -a '^PANIC'))"
		fi
	fi
	;;
pass)
	judge_ktap "$name" "$log" "$status" "$limit"
	;;
*)
	fail_line "$name: unknown expectation '$expect'"
	;;
esac
[ "$judge_failures" -eq 0 ]
