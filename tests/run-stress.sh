#!/usr/bin/env bash
# run-stress.sh BOARD... - the long modes (`make stress`): DeferHeapAndStack
# with P=4, N=10000, D=200 on the host (plain and ThreadSanitizer, 2 and 4
# harts) and on each board (2 and 4 harts). Ends with "N passed, N failed".
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
	fi
done
tests/summary.sh
