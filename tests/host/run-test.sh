#!/usr/bin/env bash
# run-test.sh NAME LIMIT COMMAND... - run one host test run: print its
# output, keep it in build/results/NAME.log and write build/results/NAME.result
# with "PASS NAME" or "FAIL NAME: reason".
set -u
name=$1
limit=$2
shift 2
mkdir -p build/results
log=build/results/$name.log
result=build/results/$name.result

echo "== $name"
timeout -k 5 "$limit" "$@" >"$log" 2>&1
rc=$?
cat "$log"
if [ $rc -eq 0 ]; then
	echo "PASS $name" >"$result"
	exit 0
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	reason="timed out after $limit s"
else
	reason=$(grep -m1 -E '^not ok|ERROR: (Address|Thread|Undefined|libFuzzer|LeakSanitizer)|runtime error|WARNING: ThreadSanitizer' "$log")
	reason="${reason:-exit status $rc}"
fi
echo "FAIL $name: $reason" >"$result"
echo "FAIL $name: $reason"
exit 1
