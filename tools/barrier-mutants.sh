#!/usr/bin/env bash
# barrier-mutants.sh [BOARD] - for every barrier in include/barrier.h's
# BARRIER_LIST, build a simulation image with that one barrier removed
# (-DSF_SIMULATE -DSF_MUTANT=BARRIER_<name>) and boot the programs of
# tests/mutants.list with seeds 1..RUNS (default 20) until one fails.
#
# Prints, and writes to build/mutants/BOARD.md, a table:
#   barrier | caught by | runs until caught
# A barrier no program catches is listed as "NOT CAUGHT": either it is
# redundant (remove it, with the argument in a comment) or a test is missing.
# Exits 1 if any barrier was not caught.
set -u
board=${1:-riscv64-virt}
runs=${RUNS:-20}
out=build/mutants/$board.md
mkdir -p build/mutants

barriers=$(sed -n 's/^[[:space:]]*X(\([A-Z_][A-Z0-9_]*\),.*/\1/p' include/barrier.h)
programs=$(awk '!/^[ \t]*(#|$)/ { print $1 ":" $2 ":" $3 }' tests/mutants.list)

{
	echo "| barrier | caught by | runs until caught |"
	echo "|---|---|---|"
} >"$out"
missed=0
for b in $barriers; do
	verdict="NOT CAUGHT | $runs seeded runs of each program"
	for entry in $programs; do
		IFS=: read -r program harts limit <<<"$entry"
		summary=$(VARIANT=-mutant-$b EXTRA_CFLAGS="-DSF_SIMULATE -DSF_MUTANT=BARRIER_$b" \
			STOP_AT_FIRST=1 TIMEOUT=$limit \
			tools/seeded-runs.sh "$board" "$program" "$runs" "$harts" | tail -n1)
		case $summary in
		*"first failure at seed "*)
			verdict="$program | ${summary##*first failure at seed }"
			break
			;;
		*"build failed"*)
			verdict="BUILD FAILED | -"
			break
			;;
		esac
	done
	case $verdict in NOT* | BUILD*) missed=$((missed + 1)) ;; esac
	echo "| $b | $verdict |" | tee -a "$out"
done
echo "$missed of $(echo "$barriers" | wc -w) barriers not caught on $board (table: $out)"
[ "$missed" -eq 0 ]
