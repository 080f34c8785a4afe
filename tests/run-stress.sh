#!/usr/bin/env bash
# run-stress.sh BOARD... - the long modes (`make stress`): DeferHeapAndStack
# with P=4, N=10000, D=200 on the host (plain and ThreadSanitizer, 2 and 4
# harts) and on each board (2 and 4 harts), without and with the concurrent
# collector; and on riscv64-virt and mips64-malta the seed's reproduction
# (tools/seed-repro.sh) with 1000 seeded runs with SPAN_PUBLISH and 100
# without. Ends with "N passed, N failed".
set -u
rm -rf build/results
mkdir -p build/results
for target in "$@"; do
	if [ "$target" = host ]; then
		echo "== host: long DeferHeapAndStack"
		make -s -f mk/task.mk task-host-stress
	else
		echo "== $target: long DeferHeapAndStack"
		make -s -f mk/task.mk BOARD="$target" task-stress
		echo "== $target: long DeferHeapAndStack with the collector"
		make -s -f mk/gc.mk BOARD="$target" gc-stress
		case $target in
		riscv64-virt | mips64-malta)
			echo "== $target: golang/go#35541, 1000 seeded runs"
			RESULTS=build/results/seed.result \
				tools/seed-repro.sh "$target" 1000 100
			;;
		esac
	fi
done
tests/summary.sh
