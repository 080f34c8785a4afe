#!/usr/bin/env bash
# litmus-report.sh [BOARD...] - run the litmus tests on each board and print
# one table of outcomes (make litmus).
#
# For each board (default: riscv64-virt mips64-malta mips64-loongson3) it
# builds the images, boots litmus_test on 2 harts through tests/run-guest.sh
# (so the asserted cases land as PASS/FAIL lines in $RESULTS as usual) and
# then reads the outcome counts back from the boot log:
#
#   board             shape/variant                     iters     r1=0,r2=0 ...
#
# "reordered" is the outcome the barriers forbid (MP: r1=1 r2=0; SB:
# r1=0 r2=0): it must be 0 in the fenced rows, and may be anything in the
# others. VARIANT=-sim (with EXTRA_CFLAGS=-DSF_SIMULATE) reports the
# simulation build, which adds the "through the simulator" rows.
# The table is also written to build/results/litmus-<board><variant>.txt.
set -u
cd "$(dirname "$0")/.." || exit 1
boards=("$@")
[ ${#boards[@]} -eq 0 ] && boards=(riscv64-virt mips64-malta mips64-loongson3)
variant=${VARIANT:-}
export RESULTS=${RESULTS:-build/results/litmus.result}
mkdir -p build/results
status=0

for board in "${boards[@]}"; do
	if ! make -s -f mk/board.mk BOARD="$board" VARIANT="$variant" \
		EXTRA_CFLAGS="${EXTRA_CFLAGS:-}" images >/dev/null 2>&1; then
		echo "not ok litmus $board$variant: build failed"
		echo "FAIL litmus $board$variant: build failed" >>"$RESULTS"
		status=1
		continue
	fi
	tests/run-guest.sh "$board" litmus_test pass 60 2 >/dev/null || status=1
	log=build/logs/$board$variant/litmus_test-2h.log
	table=build/results/litmus-$board$variant.txt
	tr -d '\r' <"$log" | awk -v board="$board$variant" '
		function flush() {
			if (label == "") return
			bad = label ~ /^SB/ ? c00 : c10
			printf "%-20s %-46s %8s %9s %9s %9s %9s %9s%s\n", board, label, \
				iters, c00, c01, c10, c11, bad, note
			label = ""
		}
		BEGIN {
			printf "%-20s %-46s %8s %9s %9s %9s %9s %9s\n", "board", \
				"shape / barriers", "iters", "r1=0,r2=0", "r1=0,r2=1", \
				"r1=1,r2=0", "r1=1,r2=1", "reordered"
		}
		/^# (MP|SB) .* iterations in / {
			flush()
			label = $0
			sub(/^# /, "", label)
			sub(/ on [^ ]*, harts .*/, "", label)
			match($0, /[0-9]+ iterations in/)
			iters = substr($0, RSTART, RLENGTH)
			sub(/ iterations in/, "", iters)
			note = ""
			if ($0 ~ /take turns/) note = "  (harts took turns)"
			else if ($0 ~ /budget/) note = "  (time budget hit)"
		}
		/^#   r1=0 r2=0:/ { c00 = $4; c01 = $7 }
		/^#   r1=1 r2=0:/ { c10 = $4; c11 = $7 }
		/^(ok|not ok) / { flush() }
		END { flush() }
	' | tee "$table"
	echo
done
exit $status
