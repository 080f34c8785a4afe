#!/usr/bin/env bash
# barrier-mutants.sh [BOARD] - for every barrier in include/barrier.h's
# BARRIER_LIST, build a simulation image with that one barrier removed
# (-DSF_SIMULATE -DSF_MUTANT=BARRIER_<name>) and boot the programs of
# tests/mutants.list with seeds 1..RUNS (default 20) until one fails: the
# programs that target the barrier (the list's last column), or, for a
# barrier no program targets, every program.
#
# Prints, and writes to build/mutants/BOARD.md, a table:
#   barrier | caught by | runs until caught
# "runs until caught" is the seed of the first failing boot of that
# program (so 1 = at once). A barrier whose mutant images are the same as
# the simulation build's for every program of the list is "NOT CAUGHT: no
# program uses it", without booting. Any other barrier no program catches
# is "NOT CAUGHT": either it is redundant (remove it, with the argument in
# a comment) or a test is missing.
# Exits 1 if any barrier is NOT CAUGHT (or failed to build).
#
# BARRIERS="A B" limits the run to those barriers.
set -u
board=${1:-riscv64-virt}
runs=${RUNS:-20}
out=build/mutants/$board.md
mkdir -p build/mutants

barriers=${BARRIERS:-$(sed -n 's/^[[:space:]]*X(\([A-Z_][A-Z0-9_]*\),.*/\1/p' include/barrier.h)}
programs=$(awk '!/^[ \t]*(#|$)/ { print $1 ":" $2 ":" $3 ":" ($4 == "" ? "-" : $4) }' tests/mutants.list)
cross=$(sed -n 's/^CROSS[[:space:]]*:\?=[[:space:]]*//p' "boards/$board.mk")

# The loadable bytes of a program's ELF (a .bin image is made from it),
# as a checksum: not the debug info, which names the build directory, nor
# the build-id note, a hash that covers the debug info too.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
image_bytes() {
	"${cross}objcopy" -O binary -R .note.gnu.build-id "$1" "$tmp" ||
		echo "no image $1"
	sha1sum <"$tmp"
}

# Does the mutant of $1 build images that differ from the simulation build?
differs() {
	local entry program
	for entry in $programs; do
		program=${entry%%:*}
		[ "$(image_bytes "build/$board-sim/$program.elf")" = \
			"$(image_bytes "build/$board-mutant-$1/$program.elf")" ] || return 0
	done
	return 1
}

# try BARRIER PROGRAM HARTS LIMIT: seeded runs until the first failure.
try() {
	VARIANT=-mutant-$1 EXTRA_CFLAGS="-DSF_SIMULATE -DSF_MUTANT=BARRIER_$1" \
		STOP_AT_FIRST=1 TIMEOUT=$4 \
		tools/seeded-runs.sh "$board" "$2" "$runs" "$3" | tail -n1
}

make -s -f mk/board.mk BOARD="$board" VARIANT=-sim EXTRA_CFLAGS=-DSF_SIMULATE \
	images >/dev/null 2>&1 || {
	echo "barrier-mutants $board: the simulation build failed"
	exit 1
}
{
	echo "| barrier | caught by | runs until caught |"
	echo "|---|---|---|"
} >"$out"
missed=0 total=0
for b in $barriers; do
	total=$((total + 1))
	verdict="NOT CAUGHT | $runs seeded runs of each program"
	if ! make -s -f mk/board.mk BOARD="$board" VARIANT="-mutant-$b" \
		EXTRA_CFLAGS="-DSF_SIMULATE -DSF_MUTANT=BARRIER_$b" images \
		>"build/mutants/$board-$b.build.log" 2>&1; then
		verdict="BUILD FAILED | build/mutants/$board-$b.build.log"
	elif ! differs "$b"; then
		verdict="NOT CAUGHT: no program of tests/mutants.list uses it on $board | -"
	else
		# The programs that target it; if none does, all of them.
		order=$(for e in $programs; do
			case ",${e##*:}," in *",$b,"*) echo "$e" ;; esac
		done)
		[ -n "$order" ] || order=$programs
		for entry in $order; do
			IFS=: read -r program harts limit _ <<<"$entry"
			summary=$(try "$b" "$program" "$harts" "$limit")
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
	fi
	case $verdict in NOT\ CAUGHT* | BUILD*) missed=$((missed + 1)) ;; esac
	echo "| $b | $verdict |" | tee -a "$out"
done
echo "$missed of $total barriers not caught on $board (table: $out)"
[ "$missed" -eq 0 ]
