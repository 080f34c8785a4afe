#!/usr/bin/env bash
# run-all.sh - everything `make test` runs; ends with "N passed, N failed".
#
# Usage: tests/run-all.sh BOARD...   (a board name, or "host")
# Each step appends PASS/FAIL lines to a file in build/results/; a step that
# cannot even build is recorded as a failure, so nothing is skipped quietly.
# HARTS=n runs the list's 2-hart boots at n harts instead of the list as is.
set -u
rm -rf build/results
mkdir -p build/results
export RESULTS=build/results/guest.result

# The boots of tests/guest.list for board $1: program expect timeout harts;
# with $2 = sim, only the lines not marked nosim.
guest_list() {
	awk -v b="$1" -v h="${HARTS:-}" -v sim="${2:-}" '
		/^[ \t]*(#|$)/ { next }
		h != "" && $4 != 2 { next }
		sim != "" && $6 == "nosim" { next }
		$5 == "all" || index("," $5 ",", "," b ",") {
			print $1, $2, $3, (h != "" ? h : $4)
		}' tests/guest.list
}

for target in "$@"; do
	if [ "$target" = host ]; then
		echo "== host: unit tests, sanitizers, fuzzing"
		if [ -f mk/host.mk ]; then
			make -s -f mk/host.mk host-test || true
		fi
		echo "== host: tasks and stacks"
		make -s -f mk/task.mk task-host-test
		echo "== host: the collector"
		make -s -f mk/gc.mk gc-host-test
		echo "== host: store-buffer simulator"
		RESULTS=build/results/sim.result make -s -f mk/sim.mk sim-host-test || true
		echo "== model: span publication (spin)"
		RESULTS=build/results/model.result tools/model.sh || true
		continue
	fi
	echo "== $target: build"
	if ! make -s -f mk/board.mk BOARD="$target" images >build/results/build-$target.log 2>&1; then
		tail -n 30 build/results/build-$target.log
		echo "FAIL $target: build failed (build/results/build-$target.log)" >>"$RESULTS"
		echo "not ok $target: build failed"
		continue
	fi
	echo "== $target: guest tests"
	while read -r program expect limit harts; do
		tests/run-guest.sh "$target" "$program" "$expect" "$limit" "$harts"
	done < <(guest_list "$target")
	echo "== $target: the same boots in a simulation build (SF_SIMULATE)"
	sim=(VARIANT=-sim EXTRA_CFLAGS=-DSF_SIMULATE)
	if ! make -s -f mk/board.mk BOARD="$target" "${sim[@]}" images >build/results/build-$target-sim.log 2>&1; then
		tail -n 30 build/results/build-$target-sim.log
		echo "FAIL $target-sim: build failed (build/results/build-$target-sim.log)" >>"$RESULTS"
		echo "not ok $target-sim: build failed"
	else
		while read -r program expect limit harts; do
			env "${sim[@]}" tests/run-guest.sh "$target" "$program" "$expect" "$limit" "$harts"
		done < <(guest_list "$target" sim)
	fi
	case $target in
	riscv64-virt | mips64-malta)
		echo "== $target: golang/go#35541 on purpose: seeded runs without and with SPAN_PUBLISH"
		RESULTS=build/results/seed.result \
			tools/seed-repro.sh "$target" "${SEED_RUNS:-200}" "${SEED_MUTANT_RUNS:-50}"
		;;
	esac
	echo "== $target: the harness catches failures"
	tests/harness-test.sh "$target"
	case $target in
	riscv64-virt)
		echo "== $target: U-Boot (disk, TFTP), device-tree discovery, real-board images, gdb"
		tools/uboot-test.sh riscv64-virt
		UBOOT_MEDIA=tftp UBOOT_TAG=uboot-tftp tools/uboot-test.sh riscv64-virt
		tests/uboot/dtb-test.sh
		tests/uboot/realboard-test.sh
		tests/uboot/debug-test.sh riscv64-virt
		;;
	mips64-malta)
		echo "== $target: U-Boot (flash, TFTP), gdb"
		tools/uboot-test.sh mips64-malta
		UBOOT_MEDIA=tftp UBOOT_TAG=uboot-tftp tools/uboot-test.sh mips64-malta
		tests/uboot/debug-test.sh mips64-malta
		;;
	esac
done

if [ "$#" -gt 1 ]; then
	echo "== lint (cppcheck)"
	if make -s lint >build/results/lint.log 2>&1; then
		echo "ok lint"; echo "PASS lint: cppcheck" >>build/results/lint.result
	else
		cat build/results/lint.log
		echo "not ok lint"; echo "FAIL lint: cppcheck (build/results/lint.log)" >>build/results/lint.result
	fi
fi

tests/summary.sh
