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

for target in "$@"; do
	if [ "$target" = host ]; then
		echo "== host: unit tests, sanitizers, fuzzing"
		if [ -f mk/host.mk ]; then
			make -s -f mk/host.mk host-test || true
		fi
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
	while read -r program expect limit harts boards; do
		case $program in '' | '#'*) continue ;; esac
		[ "$boards" = all ] || [[ ",$boards," == *",$target,"* ]] || continue
		tests/run-guest.sh "$target" "$program" "$expect" "$limit" "${HARTS:-$harts}"
	done < <(awk -v h="${HARTS:-}" 'h == "" || $4 == 2' tests/guest.list)
	echo "== $target: the harness catches failures"
	tests/harness-test.sh "$target"
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

passed=$(cat build/results/*.result 2>/dev/null | grep -c '^PASS')
failed=$(cat build/results/*.result 2>/dev/null | grep -c '^FAIL')
if [ "$failed" -gt 0 ]; then
	echo
	echo "Failures:"
	grep -h '^FAIL' build/results/*.result | sed 's/^FAIL /  /'
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
