#!/usr/bin/env bash
# summary.sh - count the PASS/FAIL lines of build/results/*.result, list the
# failures, and end with "N passed, N failed". Exits non-zero on any failure
# or when nothing ran at all.
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
