#!/usr/bin/env bash
# seeded-runs.sh BOARD PROGRAM RUNS [HARTS] - boot a simulation build of
# PROGRAM RUNS times, each with its own store-buffer seed (1..RUNS, patched
# into a copy of the image by sim/set-seed.sh), and count the failures.
#
# The build is build/BOARD$VARIANT (default VARIANT=-sim, EXTRA_CFLAGS
# -DSF_SIMULATE; a mutant passes e.g. VARIANT=-mutant-SPAN_PUBLISH and
# EXTRA_CFLAGS="-DSF_SIMULATE -DSF_MUTANT=BARRIER_SPAN_PUBLISH").
# STOP_AT_FIRST=1 stops at the first failure. Prints one line per failure
# (seed, exit status, the first PANIC/TRAP/"not ok" line) and a summary:
#   seeded BOARD PROGRAM: RUNS runs, F failed (P%), first failure at seed S
# Exits 0; the caller judges the numbers. Every boot runs under a timeout
# (tests/boot-watchdog.sh: a hung boot's log gets every CPU's backtrace).
set -u
# shellcheck source=tests/boot-watchdog.sh
. tests/boot-watchdog.sh
board=$1 program=$2 runs=$3 harts=${4:-2}
variant=${VARIANT:--sim}
cflags=${EXTRA_CFLAGS:--DSF_SIMULATE}
limit=${TIMEOUT:-60}
work=build/seeded/$board$variant
mkdir -p "$work"

make -s -f mk/board.mk BOARD="$board" VARIANT="$variant" EXTRA_CFLAGS="$cflags" \
	images >"$work/build.log" 2>&1 || {
	echo "seeded $board$variant $program: build failed ($work/build.log)"
	exit 1
}
read -ra cmd <<<"$(make -s -f mk/board.mk BOARD="$board" HARTS="$harts" \
	VARIANT="$variant" EXTRA_CFLAGS="$cflags" PROGRAM="$program" qemu-cmd)"
image=${cmd[-1]}
unset 'cmd[-1]'

failed=0 first=
for seed in $(seq 1 "$runs"); do
	copy=$work/$program-seed$seed.${image##*.}
	sim/set-seed.sh "$image" "$seed" "$copy" >/dev/null || exit 1
	log=$work/$program-seed$seed.log
	boot_watched "$limit" "$log" "${image%.*}.elf" "${cmd[@]}" "$copy"
	status=$boot_status
	rm -f "$copy"
	if [ "$status" -ne 0 ] || grep -qa '^not ok' "$log"; then
		failed=$((failed + 1))
		[ -n "$first" ] || first=$seed
		why=$(tr -d '\r' <"$log" | grep -a -m1 -E 'to unallocated span|^PANIC|^TRAP|^# .*:[0-9]+: |^not ok' || true)
		[ "$status" -eq 124 ] && why="timed out after ${limit}s"
		echo "  seed $seed: exit $status: ${why:-no reason printed} ($log)"
		[ "${STOP_AT_FIRST:-0}" = 1 ] && { runs=$seed; break; }
	else
		rm -f "$log"
	fi
done
echo "seeded $board$variant $program: $runs runs, $failed failed ($((100 * failed / runs))%)${first:+, first failure at seed $first}"
